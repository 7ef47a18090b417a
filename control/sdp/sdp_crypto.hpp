#pragma once
// The SDP attributes of SRTP key exchange: a=crypto (SDES, RFC 4568), a=fingerprint (RFC 8122)
// and a=setup (RFC 4145). Parsing never throws: a value that does not parse gives nullopt and a
// reason naming what is wrong.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rtpx::sdp {

// a=crypto:<tag> <suite> inline:<key||salt base64>[|<lifetime>][|<mki>:<length>] [params...]
// Only the first key-param is kept (several are allowed for MKI-based rekeying).
struct Crypto {
  uint32_t tag = 0;
  std::string suite;                        // "AES_CM_128_HMAC_SHA1_80"
  std::string key_salt;                     // decoded bytes, key then salt
  std::optional<uint64_t> lifetime;         // packets ("2^31" or a number)
  std::optional<uint64_t> mki_value;        // with mki_length
  uint8_t mki_length = 0;                   // bytes, 1..128
  std::vector<std::string> session_params;  // UNENCRYPTED_SRTP, KDR=, ... verbatim

  // The attribute value. `pad` writes base64 with '=' padding (rtpengine writes none).
  std::string to_string(bool pad = false) const;
};
std::optional<Crypto> parse_crypto(std::string_view value, std::string* error);

// a=fingerprint:<hash> <hex:hex:...>
struct Fingerprint {
  std::string hash;  // lower-case: "sha-256"
  std::string hex;   // upper-case, colon separated
  std::string to_string() const { return hash + " " + hex; }
};
std::optional<Fingerprint> parse_fingerprint(std::string_view value, std::string* error);

// a=setup
enum class Setup : uint8_t { actpass, active, passive, holdconn };
std::optional<Setup> parse_setup(std::string_view value);
std::string_view to_string(Setup s);

// Base64 (RFC 4648) with or without padding.
std::string base64_encode(std::string_view bytes, bool pad);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace rtpx::sdp
