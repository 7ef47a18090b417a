// Private to plugins/sip/call*.cpp: helpers shared by the files that implement Call.
#pragma once

#include <string>

#include "plugins/sip/sofia.hpp"

namespace rtpx::sip {

inline std::string payload(const sip_t* sip) {
  if (!sip || !sip->sip_payload || !sip->sip_payload->pl_data) return {};
  return std::string(sip->sip_payload->pl_data, sip->sip_payload->pl_len);
}
// The answer rtpxd is given for a leg answered locally (answer / pre_answer before a bridge):
// the offer itself with no address yet, so rtpxd waits for the real peer's answer.
inline std::string placeholder_answer(const std::string& offer) {
  std::string out;
  size_t at = 0;
  while (at < offer.size()) {
    size_t eol = offer.find('\n', at);
    std::string line = offer.substr(at, eol == std::string::npos ? std::string::npos : eol - at);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("c=IN IP4 ", 0) == 0) line = "c=IN IP4 0.0.0.0";
    if (line.rfind("c=IN IP6 ", 0) == 0) line = "c=IN IP6 ::";
    out += line + "\r\n";
    if (eol == std::string::npos) break;
    at = eol + 1;
  }
  return out;
}

}  // namespace rtpx::sip
