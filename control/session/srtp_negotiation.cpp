#include "control/session/srtp_negotiation.hpp"

#include <algorithm>

#include <openssl/rand.h>

namespace rtpx::control {
namespace {

namespace srtp = engine::srtp;
namespace dtls = engine::dtls;

bool suite_allowed(const std::string& name, const SrtpOptions& opt) {
  if (!srtp::suite_by_name(name)) return false;
  if (std::find(opt.sdes_no.begin(), opt.sdes_no.end(), name) != opt.sdes_no.end()) return false;
  return opt.sdes_only.empty() ||
         std::find(opt.sdes_only.begin(), opt.sdes_only.end(), name) != opt.sdes_only.end();
}

// A fresh key and salt for `suite` from the OpenSSL CSPRNG.
std::string new_key_salt(srtp::Suite suite) {
  const srtp::SuiteInfo& i = srtp::info(suite);
  std::string k(size_t{i.key_len} + i.salt_len, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(k.data()), static_cast<int>(k.size())) != 1)
    throw std::runtime_error("the OpenSSL random generator failed");
  return k;
}

// The party's key as it must be: a suite rtpxd has, key and salt of that suite's length, an MKI
// rtpxd can carry.
Result<bool> check_key(const sdp::Crypto& c) {
  auto suite = srtp::suite_by_name(c.suite);
  if (!suite) return bad_field("sdp", "a=crypto suite " + c.suite + " is not supported");
  const srtp::SuiteInfo& i = srtp::info(*suite);
  if (c.key_salt.size() != size_t{i.key_len} + i.salt_len)
    return bad_field("sdp", "a=crypto:" + std::to_string(c.tag) + " key has " +
                                std::to_string(c.key_salt.size()) + " bytes, " + c.suite +
                                " needs " + std::to_string(i.key_len + i.salt_len));
  if (c.mki_value && c.mki_length > srtp::kMaxMkiLen)
    return Error{ErrorCode::not_supported, "sdp",
                 "a=crypto MKI of " + std::to_string(c.mki_length) +
                     " bytes is not supported (at most " + std::to_string(srtp::kMaxMkiLen) + ")"};
  return true;
}

const sdp::Attribute* media_or_session(const sdp::Session& s, const sdp::Media& m,
                                       const char* name) {
  if (const sdp::Attribute* a = m.find_attribute(name)) return a;
  return s.find_attribute(name);
}

Result<bool> take_fingerprint(SrtpSide& side, const sdp::Session& s, const sdp::Media& m) {
  const sdp::Attribute* a = media_or_session(s, m, "fingerprint");
  std::string why;
  auto fp = a != nullptr && a->value ? sdp::parse_fingerprint(*a->value, &why) : std::nullopt;
  if (!fp) return bad_field("sdp", why.empty() ? "a=fingerprint has no value" : why);
  if (fp->to_string() != side.remote_fingerprint) ++side.generation;
  side.remote_fingerprint = fp->to_string();
  return true;
}

std::optional<sdp::Setup> setup_of(const sdp::Session& s, const sdp::Media& m) {
  const sdp::Attribute* a = media_or_session(s, m, "setup");
  if (a == nullptr || !a->value) return std::nullopt;
  return sdp::parse_setup(*a->value);
}

void set_role(SrtpSide& side, dtls::Role r) {
  if (side.kx != engine::KeyExchange::dtls || side.role != r) ++side.generation;
  side.kx = engine::KeyExchange::dtls;
  side.role = r;
}

}  // namespace

srtp::MasterKey sdes_master_key(const sdp::Crypto& c) {
  srtp::MasterKey k;
  k.suite = *srtp::suite_by_name(c.suite);
  const srtp::SuiteInfo& i = srtp::info(k.suite);
  std::copy_n(c.key_salt.begin(), i.key_len, k.key.begin());
  std::copy_n(c.key_salt.begin() + i.key_len, i.salt_len, k.salt.begin());
  if (c.mki_value) {
    k.mki_len = c.mki_length;
    uint64_t v = *c.mki_value;
    for (int b = k.mki_len - 1; b >= 0; --b, v >>= 8) k.mki[static_cast<size_t>(b)] = v & 0xff;
  }
  if (c.lifetime) k.lifetime = *c.lifetime;
  return k;
}

bool is_srtp_protocol(std::string_view proto) {
  return proto.find("SAVP") != std::string_view::npos;
}

Result<bool> srtp_take_offer(SrtpSide& side, const sdp::Session& s, const sdp::Media& m,
                             const SrtpOptions& opt) {
  side.enabled = is_srtp_protocol(m.proto);
  side.offered.clear();
  side.dtls_offered = false;
  if (!side.enabled || m.port == 0) {
    side.agreed = false;
    return true;
  }
  const bool fingerprint = media_or_session(s, m, "fingerprint") != nullptr;
  if (fingerprint && !opt.dtls_off) {
    if (auto r = take_fingerprint(side, s, m); !r) return r;
    // rtpxd answers: a party that can be either lets rtpxd be the client (as rtpengine does).
    const auto setup = setup_of(s, m).value_or(sdp::Setup::actpass);
    dtls::Role role = dtls::Role::client;
    if (setup == sdp::Setup::active) role = dtls::Role::server;
    if (setup == sdp::Setup::actpass && opt.dtls_role) role = *opt.dtls_role;
    set_role(side, role);
    side.agreed = true;
    return true;
  }
  // SDES: the first line with a suite rtpxd has and is allowed to use.
  std::string first_error;
  for (const sdp::Attribute* a : m.find_attributes("crypto")) {
    std::string why;
    auto c = a->value ? sdp::parse_crypto(*a->value, &why) : std::nullopt;
    if (!c) {
      if (first_error.empty()) first_error = why;
      continue;
    }
    if (!suite_allowed(c->suite, opt)) continue;
    if (auto r = check_key(*c); !r) {
      if (first_error.empty()) first_error = r.error().message;
      continue;
    }
    const bool same_local =
        side.local && side.local->suite == c->suite && side.local->tag == c->tag;
    if (!side.remote || side.remote->key_salt != c->key_salt || !same_local ||
        side.kx != engine::KeyExchange::sdes)
      ++side.generation;
    if (!same_local) {
      sdp::Crypto mine;
      mine.tag = c->tag;
      mine.suite = c->suite;
      mine.key_salt = new_key_salt(*srtp::suite_by_name(c->suite));
      side.local = mine;
    }
    side.remote = std::move(*c);
    side.kx = engine::KeyExchange::sdes;
    side.agreed = true;
    return true;
  }
  return bad_field("sdp", "media '" + m.type + "' is " + m.proto +
                              " without a usable a=crypto or a=fingerprint" +
                              (first_error.empty() ? std::string{} : " (" + first_error + ")"));
}

void srtp_make_offer(SrtpSide& side, const std::string& protocol, const SrtpOptions& opt) {
  side.enabled = is_srtp_protocol(protocol);
  if (!side.enabled) {
    side.offered.clear();
    side.dtls_offered = false;
    side.agreed = false;
    return;
  }
  // Keep what was offered before (a re-offer must not change keys under a running call).
  std::vector<sdp::Crypto> keep = std::move(side.offered);
  side.offered.clear();
  if (!opt.sdes_off) {
    uint32_t tag = 1;
    for (const srtp::SuiteInfo& i : srtp::all_suites()) {
      const std::string name(i.name);
      if (!suite_allowed(name, opt)) continue;
      sdp::Crypto c;
      c.tag = tag++;
      c.suite = name;
      auto old = std::find_if(keep.begin(), keep.end(),
                              [&](const sdp::Crypto& k) { return k.suite == name; });
      if (side.agreed && side.kx == engine::KeyExchange::sdes && side.local &&
          side.local->suite == name) {
        c.key_salt = side.local->key_salt;  // the key in use stays
      } else if (old != keep.end()) {
        c.key_salt = old->key_salt;
      } else {
        c.key_salt = new_key_salt(i.suite);
      }
      side.offered.push_back(std::move(c));
    }
  }
  side.dtls_offered = !opt.dtls_off;
}

Result<bool> srtp_take_answer(SrtpSide& side, const sdp::Session& s, const sdp::Media& m) {
  const bool srtp = is_srtp_protocol(m.proto) && m.port != 0;
  if (!side.enabled) {
    if (srtp)
      return bad_field("sdp", "the answer's media '" + m.type + "' is " + m.proto +
                                  " but plain RTP was offered");
    return true;
  }
  if (!srtp) {  // the party declined SRTP (or the media)
    side.enabled = false;
    side.agreed = false;
    return true;
  }
  if (auto crypto = m.find_attributes("crypto"); !crypto.empty()) {
    std::string why;
    auto c = crypto.front()->value ? sdp::parse_crypto(*crypto.front()->value, &why) : std::nullopt;
    if (!c) return bad_field("sdp", why);
    auto mine = std::find_if(side.offered.begin(), side.offered.end(),
                             [&](const sdp::Crypto& o) { return o.tag == c->tag; });
    if (mine == side.offered.end() || mine->suite != c->suite)
      return bad_field("sdp", "a=crypto:" + std::to_string(c->tag) + " " + c->suite +
                                  " answers no a=crypto line of the offer");
    if (auto r = check_key(*c); !r) return r;
    if (!side.remote || side.remote->key_salt != c->key_salt || !side.local ||
        side.local->key_salt != mine->key_salt || side.kx != engine::KeyExchange::sdes)
      ++side.generation;
    side.local = *mine;
    side.remote = std::move(*c);
    side.kx = engine::KeyExchange::sdes;
    side.agreed = true;
    return true;
  }
  if (side.dtls_offered && media_or_session(s, m, "fingerprint") != nullptr) {
    if (auto r = take_fingerprint(side, s, m); !r) return r;
    // An answerer is active unless it says passive (RFC 4145: active is the answer's default).
    const auto setup = setup_of(s, m).value_or(sdp::Setup::active);
    set_role(side, setup == sdp::Setup::passive ? dtls::Role::client : dtls::Role::server);
    side.agreed = true;
    return true;
  }
  return bad_field("sdp", "the answer's media '" + m.type + "' is " + m.proto +
                              " without an a=crypto or a=fingerprint rtpxd offered");
}

std::vector<sdp::Attribute> srtp_attributes(const SrtpSide& side, bool answer,
                                            const dtls::Certificate& cert, const SrtpOptions& opt) {
  std::vector<sdp::Attribute> out;
  if (!side.enabled) return out;
  auto fingerprint = [&] {
    std::string fp = opt.fingerprint_hash == "sha-256"
                         ? cert.fingerprint()
                         : dtls::fingerprint_of(cert.x509(), opt.fingerprint_hash);
    return fp.empty() ? cert.fingerprint() : fp;
  };
  if (answer) {
    if (!side.agreed) return out;
    if (side.kx == engine::KeyExchange::sdes) {
      if (side.local) out.push_back({"crypto", side.local->to_string(opt.sdes_pad)});
    } else {
      out.push_back({"setup", side.role == dtls::Role::client ? "active" : "passive"});
      out.push_back({"fingerprint", fingerprint()});
    }
    return out;
  }
  for (const sdp::Crypto& c : side.offered) out.push_back({"crypto", c.to_string(opt.sdes_pad)});
  if (side.dtls_offered) {
    out.push_back({"setup", "actpass"});
    out.push_back({"fingerprint", fingerprint()});
  }
  return out;
}

Result<std::unique_ptr<engine::EndpointCrypto>> make_endpoint_crypto(
    const SrtpSide& side, bool with_dtls, std::shared_ptr<const dtls::Certificate> cert) {
  auto c = std::make_unique<engine::EndpointCrypto>();
  c->kx = side.kx;
  if (!side.agreed) {
    c->await_dtls = side.dtls_offered && with_dtls;
    return c;
  }
  std::string error;
  if (side.kx == engine::KeyExchange::sdes) {
    if (!side.remote || !side.local) return c;
    c->inbound = engine::srtp::Context::create(sdes_master_key(*side.remote),
                                               engine::srtp::Context::Direction::inbound, &error);
    if (c->inbound)
      c->outbound = engine::srtp::Context::create(
          sdes_master_key(*side.local), engine::srtp::Context::Direction::outbound, &error);
    if (!c->inbound || !c->outbound)
      return Error{ErrorCode::internal, "sdp", "SRTP keys refused: " + error};
    c->suite.store(static_cast<int>(*srtp::suite_by_name(side.local->suite)));
    c->keyed.store(true);
    return c;
  }
  if (!with_dtls) return c;
  dtls::Options o;
  o.role = side.role;
  o.peer_fingerprint = side.remote_fingerprint;
  c->dtls = dtls::Connection::create(std::move(cert), o, &error);
  if (!c->dtls) return Error{ErrorCode::internal, "sdp", "DTLS set-up failed: " + error};
  return c;
}

}  // namespace rtpx::control
