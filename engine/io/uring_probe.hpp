#pragma once
// Ring-level helpers of the io_uring backend: a live probe for a feature the opcode probe cannot
// see, and quiescing a ring before it is torn down.

#include <liburing.h>

namespace rtpx::io {

// True when this kernel runs multishot recvmsg with provided buffers (Linux 6.0+). Arms one on a
// throw-away ring and socketpair, on a helper thread: tearing a ring down sends task work to every
// thread that used it, which would make the caller's next blocking call fail once with EINTR.
bool kernel_has_multishot_recvmsg();

// Cancels every request on `ring` and reaps their completions (bounded to about half a second),
// so no request outlives the ring's user memory. Call from the thread that submits to `ring`.
void cancel_all_and_reap(io_uring* ring);

}  // namespace rtpx::io
