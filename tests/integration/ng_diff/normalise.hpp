#pragma once
// Turns an ng reply into comparable lines: the status keys, then the SDP with only the values
// that legitimately differ between two relays replaced by placeholders:
//   - the relay's own addresses (c=, o=, a=rtcp, a=candidate)      -> <relay-ip4> / <relay-ip6>
//   - relay ports (m=, a=rtcp, a=candidate) -> <P0>, <P0+1>, <P1>... (the m= port of section N,
//     so "RTCP on RTP+1" and "RTCP on the RTP port" stay visible), other relay ports -> <port>
//     (a candidate's port is only related to the m= port when it is on the c= address)
//   - o= session id and version                                    -> <sess-id> <sess-version>
//   - t= values                                                   -> <start> <stop>
//   - values a relay makes up at random (a=ice-ufrag, a=ice-pwd, a=candidate foundation,
//     a=rtpengine instance id) that appear in none of the scenario's input SDPs -> <generated>
// Addresses and ports copied from the input SDPs (phones' values) stay as they are, and so does
// every other line, its order and its case.

#include <set>
#include <string>
#include <vector>

#include "control/ng/bencode.hpp"

namespace rtpx::test::ngdiff {

class Normaliser {
 public:
  Normaliser(std::vector<std::string> relay_addresses, const std::vector<std::string>& input_sdp);

  // "result: ok", "warning: ...", "error-reason: ...", "other keys: ...", then the SDP lines.
  std::vector<std::string> transcript(const ng::Value& reply) const;
  std::vector<std::string> sdp_lines(const std::string& sdp) const;

 private:
  std::string address(const std::string& a) const;
  std::string generated(const std::string& v) const;

  std::vector<std::string> relay_;
  std::set<std::string> input_tokens_;  // ICE values from the inputs
  std::set<unsigned> input_ports_;      // m=, a=rtcp and candidate ports from the inputs
};

// A reply value as one line of text (strings as-is, everything else bencoded).
std::string render_value(const ng::Value& v);

}  // namespace rtpx::test::ngdiff
