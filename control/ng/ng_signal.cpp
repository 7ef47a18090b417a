#include "control/ng/ng_signal.hpp"

#include <algorithm>
#include <cstdlib>

namespace rtpx::ng {
namespace {

using control::Error;
using control::Result;

Error type_error(std::string_view key, const char* expected) {
  return control::bad_field(
      std::string(key), "Invalid type for key '" + std::string(key) + "': expected " + expected);
}

// rtpengine accepts "media-address" and "media address" alike.
const Value* lookup(const Value& req, std::string_view key) {
  if (const Value* v = req.find(key)) return v;
  std::string spaced(key);
  std::replace(spaced.begin(), spaced.end(), '-', ' ');
  return req.find(spaced);
}

struct Warnings {
  std::vector<std::string> unknown;      // flags and values this relay does not know
  std::vector<std::string> unsupported;  // known, not implemented here
  std::string text() const {
    std::string w;
    if (!unknown.empty()) {
      w = "Unknown flag(s) ignored:";
      for (const std::string& u : unknown) w += " " + u;
    }
    if (!unsupported.empty()) {
      if (!w.empty()) w += "; ";
      w += "Not supported, ignored:";
      for (const std::string& u : unsupported) w += " " + u;
    }
    return w;
  }
};

// Keys that name features rtpxd does not have yet: accepted (any type) and reported.
constexpr std::string_view kUnsupportedKeys[] = {"record call", "record-call", "metadata"};

}  // namespace

Result<std::string> ng_string(const Value& req, std::string_view key, const char* missing) {
  const Value* v = lookup(req, key);
  if (v == nullptr) {
    if (missing != nullptr) return control::bad_field(std::string(key), missing);
    return std::string{};
  }
  if (!v->is_string()) return type_error(key, "a string");
  return v->as_string();
}

Result<std::vector<std::string>> ng_string_list(const Value& req, std::string_view key) {
  std::vector<std::string> out;
  const Value* v = lookup(req, key);
  if (v == nullptr) return out;
  if (!v->is_list()) return type_error(key, "a list of strings");
  for (const Value& item : v->as_list()) {
    if (!item.is_string()) return type_error(key, "a list of strings");
    out.push_back(item.as_string());
  }
  return out;
}

Result<NgSignal> parse_ng_signal(const Value& v, bool answer, control::MediaFamilies families) {
  NgSignal out;
  control::SignalRequest& r = out.req;
  Warnings w;
  auto str = [&](std::string_view key, const char* missing, std::string* dst) -> Result<bool> {
    auto s = ng_string(v, key, missing);
    if (!s) return s.error();
    *dst = std::move(*s);
    return true;
  };
  if (auto e = str("call-id", "No call-id in message", &r.call_id); !e) return e.error();
  if (auto e = str("from-tag", "No from-tag in message", &r.from_tag); !e) return e.error();
  if (auto e = str("to-tag", answer ? "No to-tag in message" : nullptr, &r.to_tag); !e)
    return e.error();
  if (auto e = str("sdp", "No SDP body in message", &r.sdp); !e) return e.error();
  if (auto e = str("via-branch", nullptr, &r.via_branch); !e) return e.error();
  if (auto e = str("media-address", nullptr, &r.media_address); !e) return e.error();
  if (auto e = str("transport-protocol", nullptr, &r.transport_protocol); !e) return e.error();
  for (const char* k : {"label", "set-label", "from-label", "to-label"}) {
    std::string ignored;
    if (auto e = str(k, nullptr, &ignored); !e) return e.error();
  }

  auto replace = ng_string_list(v, "replace");
  if (!replace) return replace.error();
  for (const std::string& x : *replace) {
    if (x == "origin") {
      r.replace_origin = true;
    } else if (x == "session-connection" || x == "session connection") {
      r.replace_session_connection = true;
    } else {
      w.unknown.push_back("replace=" + x);
    }
  }

  auto flags = ng_string_list(v, "flags");
  if (!flags) return flags.error();
  for (const std::string& f : *flags) {
    if (f == "record-call") {
      w.unsupported.push_back(f);
    } else if (!control::apply_signal_flag(r, f)) {
      w.unknown.push_back(f);
    }
  }

  auto ice = ng_string(v, "ICE", nullptr);
  if (!ice) return ice.error();
  if (*ice == "remove") {
    r.ice = control::IceMode::kRemove;
  } else if (*ice == "force") {
    r.ice = control::IceMode::kForce;
  } else if (!ice->empty() && *ice != "default") {
    w.unsupported.push_back("ICE=" + *ice);
  }

  auto mux = ng_string_list(v, "rtcp-mux");
  if (!mux) return mux.error();
  for (const std::string& m : *mux) {
    if (!control::apply_signal_flag(r, "rtcp-mux-" + m)) w.unknown.push_back("rtcp-mux=" + m);
  }

  auto direction = ng_string_list(v, "direction");
  if (!direction) return direction.error();
  if (direction->size() > 2) return type_error("direction", "a list of two interface names");

  auto received = ng_string_list(v, "received-from");
  if (!received) return received.error();
  if (!received->empty()) {
    if (received->size() != 2 || ((*received)[0] != "IP4" && (*received)[0] != "IP6"))
      return type_error("received-from", "a list [\"IP4\"|\"IP6\", address]");
    r.received_from = (*received)[1];
  }

  auto family = ng_string(v, "address-family", nullptr);
  if (!family) return family.error();
  if (!family->empty()) {
    if (*family != "IP4" && *family != "IP6") {
      w.unknown.push_back("address-family=" + *family);
    } else if (families.ip4 && families.ip6) {
      r.address_family = *family == "IP6" ? AF_INET6 : AF_INET;
    } else if ((*family == "IP6") != families.ip6) {
      w.unsupported.push_back("address-family=" + *family + " (no such interface)");
    }
  }

  auto sdes = ng_string_list(v, "SDES");
  if (!sdes) return sdes.error();
  for (const std::string& x : *sdes)
    if (!control::apply_sdes_value(r.srtp, x)) w.unknown.push_back("SDES=" + x);
  auto dtls = ng_string(v, "DTLS", nullptr);
  if (!dtls) return dtls.error();
  if (!dtls->empty() && !control::apply_dtls_value(r.srtp, *dtls))
    w.unknown.push_back("DTLS=" + *dtls);
  auto fingerprint = ng_string(v, "DTLS-fingerprint", nullptr);
  if (!fingerprint) return fingerprint.error();
  if (!fingerprint->empty() && !control::apply_fingerprint_hash(r.srtp, *fingerprint))
    w.unknown.push_back("DTLS-fingerprint=" + *fingerprint);

  if (const Value* codec = v.find("codec")) {
    if (!codec->is_dict()) return type_error("codec", "a dictionary of lists");
    for (const auto& [verb, list] : codec->as_dict()) {
      std::vector<std::string>* dst = control::codec_list(r.codec, verb);
      if (dst == nullptr) {
        w.unsupported.push_back("codec-" + verb);
        continue;
      }
      auto items = ng_string_list(*codec, verb);
      if (!items) return type_error("codec", "a dictionary of lists of strings");
      dst->insert(dst->end(), items->begin(), items->end());
    }
  }
  if (const Value* ptime = v.find("ptime")) {
    int64_t ms = 0;
    if (ptime->is_int()) {
      ms = ptime->as_int();
    } else if (ptime->is_string()) {
      ms = std::atoll(ptime->as_string().c_str());
    }
    if (ms <= 0 || ms > 200) return control::bad_field("ptime", "Invalid ptime value");
    r.ptime = static_cast<uint32_t>(ms);
  }

  auto t38 = ng_string_list(v, "T.38");
  if (!t38) return t38.error();
  for (const std::string& x : *t38)
    if (!control::apply_t38_flag(r.t38, x)) w.unknown.push_back("T.38=" + x);
  if (const Value* version = lookup(v, "T.38-version")) {
    int64_t n = -1;
    if (version->is_int()) n = version->as_int();
    if (version->is_string() && !version->as_string().empty())
      n = std::atoll(version->as_string().c_str());
    if (n < 0 || n > 3) return control::bad_field("T.38 version", "Invalid T.38 version (0..3)");
    r.t38.version = static_cast<int>(n);
  }

  for (std::string_view k : kUnsupportedKeys) {
    if (v.find(k) == nullptr) continue;
    if ((k == "record call" || k == "record-call") && v.find(k)->is_string() &&
        v.find(k)->as_string() == "no")
      continue;
    w.unsupported.push_back(std::string(k));
  }
  out.warning = w.text();
  return out;
}

}  // namespace rtpx::ng
