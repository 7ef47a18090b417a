// libFuzzer target for the SDP parser/writer:
//   clang++-14 -std=c++20 -fsanitize=fuzzer,address -I. tests/fuzz/sdp_fuzz.cpp control/sdp/*.cpp
// Parses the input, writes it, re-parses the output and checks the round trip: the second parse
// succeeds, yields the same model, and writes the same bytes. Also runs the model helpers.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "control/sdp/sdp.hpp"
#include "control/sdp/sdp_crypto.hpp"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "sdp_fuzz: %s\n", what);
    std::abort();
  }
}

// True when every line ends in CRLF, there are no bare CR/LF elsewhere, and o=/c=/m= lines use
// single spaces: then the writer must reproduce the input byte for byte.
bool canonical(std::string_view in) {
  if (in.size() < 2 || in.substr(in.size() - 2) != "\r\n") return false;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) return false;
    if (in[i] == '\r' && (i + 1 == in.size() || in[i + 1] != '\n')) return false;
  }
  size_t pos = 0;
  while (pos < in.size()) {
    size_t end = in.find("\r\n", pos);
    std::string_view line = in.substr(pos, end - pos);
    pos = end + 2;
    if (line.empty()) return false;  // trailing blank lines are dropped
    if (line[0] != 'o' && line[0] != 'c' && line[0] != 'm') continue;
    if (line.find("  ") != std::string_view::npos || line.size() < 3 || line[2] == ' ' ||
        line.back() == ' ')
      return false;
    if (line[0] == 'm') {  // ports with leading zeros are normalised
      std::string_view port = line.substr(line.find(' ') + 1);
      if (port.size() > 1 && port[0] == '0' && port[1] >= '0' && port[1] <= '9') return false;
      size_t slash = port.find('/');
      if (slash != std::string_view::npos && slash < port.find(' ') && port[slash + 1] == '0')
        return false;
    }
  }
  return true;
}

// SRTP key exchange attributes: what parses must write back to something that parses the same.
void exercise_crypto(const rtpx::sdp::Media& m) {
  for (const rtpx::sdp::Attribute* a : m.find_attributes("crypto")) {
    if (!a->value) continue;
    std::string why;
    auto c = rtpx::sdp::parse_crypto(*a->value, &why);
    if (!c) {
      check(!why.empty(), "crypto refused without a reason");
      continue;
    }
    auto again = rtpx::sdp::parse_crypto(c->to_string(), nullptr);
    check(again && again->key_salt == c->key_salt && again->suite == c->suite &&
              again->tag == c->tag && again->lifetime == c->lifetime &&
              again->mki_value == c->mki_value,
          "crypto does not round-trip");
  }
  for (const rtpx::sdp::Attribute* a : m.find_attributes("fingerprint"))
    if (a->value) (void)rtpx::sdp::parse_fingerprint(*a->value, nullptr);
  for (const rtpx::sdp::Attribute* a : m.find_attributes("setup"))
    if (a->value) (void)rtpx::sdp::parse_setup(*a->value);
}

void exercise_helpers(rtpx::sdp::Session& s) {
  for (rtpx::sdp::Media& m : s.media) {
    exercise_crypto(m);
    (void)rtpx::sdp::direction(s, m);
    (void)rtpx::sdp::effective_connection(s, m);
    (void)m.rtcp();
    (void)m.rtcp_mux();
    for (const rtpx::sdp::Attribute* a : m.find_attributes("rtcp"))
      if (a->value) (void)rtpx::sdp::parse_rtcp(*a->value);
  }
  if (s.media.empty()) return;
  // Edits must keep the output parseable.
  rtpx::sdp::Media& m = s.media.front();
  m.remove_attributes("candidate");
  m.set_attribute("rtcp", "9 IN IP4 192.0.2.1");
  m.set_direction(rtpx::sdp::Direction::kSendOnly);
  m.connection = rtpx::sdp::Connection::for_address("2001:db8::1");
  m.port = 30000;
  s.connection.reset();
  rtpx::sdp::ParseResult r = rtpx::sdp::parse(rtpx::sdp::write(s));
  check(r.ok() || r.error.line == 0, "edited session does not re-parse");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  rtpx::sdp::ParseResult first = rtpx::sdp::parse(in);
  if (!first.ok()) {
    check(!first.error.message.empty(), "error without message");
    return 0;
  }
  std::string written = rtpx::sdp::write(*first.session);
  // LF input grows by one byte a line when written with CRLF and may pass the input cap.
  if (written.size() > rtpx::sdp::kMaxSdpBytes) return 0;
  rtpx::sdp::ParseResult second = rtpx::sdp::parse(written);
  check(second.ok(), "written SDP does not re-parse");
  check(*second.session == *first.session, "round trip changed the model");
  check(rtpx::sdp::write(*second.session) == written, "second write differs");
  if (canonical(in)) check(written == in, "canonical input not reproduced");
  exercise_helpers(*first.session);
  return 0;
}
