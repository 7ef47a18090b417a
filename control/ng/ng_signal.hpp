#pragma once
// The keys of an ng offer/answer (rtpengine's names, with '-' or ' ' between words) read into
// the protocol-neutral SignalRequest. A key of the wrong type is an error naming it; values and
// flags this relay does not implement are accepted and named in the reply's warning.

#include <string>

#include "control/core/result.hpp"
#include "control/ng/bencode.hpp"
#include "control/session/signal_request.hpp"

namespace rtpx::ng {

struct NgSignal {
  control::SignalRequest req;
  std::string warning;  // empty, or "Unknown flag(s) ignored: ..." and the like
};

// `answer` makes to-tag mandatory. `families` are those rtpxd relays on: `address family` is
// honoured when rtpxd has both, ignored when it names the only one, else named in the warning.
control::Result<NgSignal> parse_ng_signal(const Value& request, bool answer,
                                          control::MediaFamilies families);

// A string key, also found under its spelling with spaces ("media address"); `missing` is
// rtpengine's wording when a required key is absent (nullptr: optional, empty when absent).
control::Result<std::string> ng_string(const Value& req, std::string_view key, const char* missing);
control::Result<std::vector<std::string>> ng_string_list(const Value& req, std::string_view key);

}  // namespace rtpx::ng
