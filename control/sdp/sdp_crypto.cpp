#include "control/sdp/sdp_crypto.hpp"

#include <cctype>
#include <charconv>

#include <openssl/evp.h>

namespace rtpx::sdp {
namespace {

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

template <typename T>
std::optional<T> number(std::string_view s) {
  T v{};
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<Crypto> fail(std::string* error, std::string why) {
  if (error != nullptr) *error = std::move(why);
  return std::nullopt;
}

}  // namespace

std::string base64_encode(std::string_view bytes, bool pad) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  if (!pad)
    while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string in(text);
  while (!in.empty() && in.back() == '=') in.pop_back();
  const size_t stripped = in.size();
  if (stripped % 4 == 1) return std::nullopt;
  for (char c : in)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/') return std::nullopt;
  while (in.size() % 4 != 0) in.push_back('=');
  std::string out(3 * in.size() / 4 + 1, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  out.resize(static_cast<size_t>(n) - (in.size() - stripped));
  return out;
}

std::optional<Crypto> parse_crypto(std::string_view value, std::string* error) {
  const std::vector<std::string_view> f = split_ws(value);
  if (f.size() < 3) return fail(error, "a=crypto needs a tag, a suite and key parameters");
  Crypto c;
  auto tag = number<uint32_t>(f[0]);
  if (!tag || f[0].size() > 9) return fail(error, "a=crypto tag '" + std::string(f[0]) + "'");
  c.tag = *tag;
  c.suite = std::string(f[1]);
  std::string_view kp = f[2].substr(0, f[2].find(';'));  // the first key-param
  if (kp.substr(0, 7) != "inline:") return fail(error, "a=crypto key method is not inline:");
  kp.remove_prefix(7);
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t bar = kp.find('|', start);
    parts.push_back(kp.substr(start, bar == std::string_view::npos ? kp.npos : bar - start));
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  auto key = base64_decode(parts[0]);
  if (!key || key->empty()) return fail(error, "a=crypto key is not base64");
  c.key_salt = std::move(*key);
  for (size_t i = 1; i < parts.size(); ++i) {
    std::string_view p = parts[i];
    if (size_t colon = p.find(':'); colon != std::string_view::npos) {
      auto v = number<uint64_t>(p.substr(0, colon));
      auto len = number<uint32_t>(p.substr(colon + 1));
      if (!v || !len || *len < 1 || *len > 128 || c.mki_value)
        return fail(error, "a=crypto MKI '" + std::string(p) + "'");
      c.mki_value = *v;
      c.mki_length = static_cast<uint8_t>(*len);
    } else if (p.substr(0, 2) == "2^") {
      auto exp = number<uint32_t>(p.substr(2));
      if (!exp || *exp > 63 || c.lifetime)
        return fail(error, "a=crypto lifetime '" + std::string(p) + "'");
      c.lifetime = uint64_t{1} << *exp;
    } else {
      auto v = number<uint64_t>(p);
      if (!v || c.lifetime) return fail(error, "a=crypto lifetime '" + std::string(p) + "'");
      c.lifetime = *v;
    }
  }
  for (size_t i = 3; i < f.size(); ++i) c.session_params.emplace_back(f[i]);
  return c;
}

std::string Crypto::to_string(bool pad) const {
  std::string s = std::to_string(tag) + " " + suite + " inline:" + base64_encode(key_salt, pad);
  if (lifetime) {
    const uint64_t v = *lifetime;
    if (v != 0 && (v & (v - 1)) == 0) {
      int exp = 0;
      while ((uint64_t{1} << exp) != v) ++exp;
      s += "|2^" + std::to_string(exp);
    } else {
      s += "|" + std::to_string(v);
    }
  }
  if (mki_value) s += "|" + std::to_string(*mki_value) + ":" + std::to_string(mki_length);
  for (const std::string& p : session_params) s += " " + p;
  return s;
}

std::optional<Fingerprint> parse_fingerprint(std::string_view value, std::string* error) {
  const std::vector<std::string_view> f = split_ws(value);
  if (f.size() != 2) {
    if (error != nullptr) *error = "a=fingerprint needs a hash function and a value";
    return std::nullopt;
  }
  Fingerprint fp;
  for (char c : f[0]) fp.hash += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (char c : f[1]) fp.hex += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  // 1..64 bytes of two hex digits, colon separated.
  const std::string& h = fp.hex;
  bool ok = h.size() >= 2 && (h.size() + 1) % 3 == 0 && h.size() <= 64 * 3 - 1;
  for (size_t i = 0; ok && i < h.size(); ++i)
    ok = (i % 3 == 2) ? h[i] == ':' : std::isxdigit(static_cast<unsigned char>(h[i])) != 0;
  if (!ok) {
    if (error != nullptr) *error = "a=fingerprint value '" + std::string(f[1]) + "'";
    return std::nullopt;
  }
  return fp;
}

std::optional<Setup> parse_setup(std::string_view v) {
  if (v == "actpass") return Setup::actpass;
  if (v == "active") return Setup::active;
  if (v == "passive") return Setup::passive;
  if (v == "holdconn") return Setup::holdconn;
  return std::nullopt;
}

std::string_view to_string(Setup s) {
  switch (s) {
    case Setup::actpass:
      return "actpass";
    case Setup::active:
      return "active";
    case Setup::passive:
      return "passive";
    case Setup::holdconn:
      return "holdconn";
  }
  return "actpass";
}

}  // namespace rtpx::sdp
