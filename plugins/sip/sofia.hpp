#pragma once
// The one place sofia-sip is included: its "magic" pointer types are set here to our own
// classes, so every callback receives typed objects instead of void pointers.

namespace rtpx::sip {
class Profile;
class HandleOwner;
class SipLoop;
}  // namespace rtpx::sip

#define SU_ROOT_MAGIC_T rtpx::sip::SipLoop
#define SU_WAKEUP_ARG_T void
#define SU_TIMER_ARG_T void
#define NUA_MAGIC_T rtpx::sip::Profile
#define NUA_HMAGIC_T rtpx::sip::HandleOwner

#include <sofia-sip/auth_digest.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su_wait.h>
#include <sofia-sip/tport_tag.h>
#include <sofia-sip/url.h>

namespace rtpx::sip {

// Whoever a nua handle belongs to (a call leg, a gateway registration) gets its events.
class HandleOwner {
 public:
  virtual ~HandleOwner() = default;
  virtual void on_event(nua_event_t event, int status, const char* phrase, nua_handle_t* nh,
                        const sip_t* sip, tagi_t tags[]) = 0;
};

}  // namespace rtpx::sip
