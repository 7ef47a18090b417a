// Helpers on the SDP model: attribute lists, a=rtcp, direction, connection addresses.

#include "control/sdp/sdp.hpp"

#include "control/sdp/sdp_text.hpp"

#include <algorithm>
#include <array>

namespace rtpx::sdp {

using detail::parse_u16;
using detail::split_spaces;

namespace {

constexpr std::array<std::string_view, 4> kDirectionNames = {"sendrecv", "sendonly", "recvonly",
                                                             "inactive"};

}  // namespace

Connection Connection::for_address(std::string_view addr) {
  bool v6 = addr.find(':') != std::string_view::npos;
  return Connection{"IN", v6 ? "IP6" : "IP4", std::string(addr)};
}

std::string Connection::to_string() const {
  return nettype + ' ' + addrtype + ' ' + address;
}

std::string Origin::to_string() const {
  return username + ' ' + session_id + ' ' + session_version + ' ' + nettype + ' ' + addrtype +
         ' ' + address;
}

std::string Attribute::to_string() const {
  return value ? name + ':' + *value : name;
}

std::string Media::to_string() const {
  std::string out = type + ' ' + std::to_string(port);
  if (port_count) out += '/' + std::to_string(*port_count);
  out += ' ';
  out += proto;
  for (const std::string& f : formats) {
    out += ' ';
    out += f;
  }
  return out;
}

std::string_view to_string(Direction d) {
  return kDirectionNames[static_cast<size_t>(d)];
}

std::optional<Direction> parse_direction(std::string_view s) {
  for (size_t i = 0; i < kDirectionNames.size(); ++i)
    if (kDirectionNames[i] == s) return static_cast<Direction>(i);
  return std::nullopt;
}

std::string Rtcp::to_string() const {
  std::string out = std::to_string(port);
  if (connection) out += ' ' + connection->to_string();
  return out;
}

std::optional<Rtcp> parse_rtcp(std::string_view value) {
  std::vector<std::string_view> tok = split_spaces(value, 4);
  if (tok.size() != 1 && tok.size() != 4) return std::nullopt;
  std::optional<uint16_t> port = parse_u16(tok[0]);
  if (!port || *port == 0) return std::nullopt;
  Rtcp r;
  r.port = *port;
  if (tok.size() == 4)
    r.connection = Connection{std::string(tok[1]), std::string(tok[2]), std::string(tok[3])};
  return r;
}

const Attribute* find_attribute(const std::vector<Attribute>& attrs, std::string_view name) {
  for (const Attribute& a : attrs)
    if (a.name == name) return &a;
  return nullptr;
}

Attribute* find_attribute(std::vector<Attribute>& attrs, std::string_view name) {
  for (Attribute& a : attrs)
    if (a.name == name) return &a;
  return nullptr;
}

std::vector<const Attribute*> find_attributes(const std::vector<Attribute>& attrs,
                                              std::string_view name) {
  std::vector<const Attribute*> out;
  for (const Attribute& a : attrs)
    if (a.name == name) out.push_back(&a);
  return out;
}

size_t remove_attributes(std::vector<Attribute>& attrs, std::string_view name) {
  return std::erase_if(attrs, [name](const Attribute& a) { return a.name == name; });
}

void set_attribute(std::vector<Attribute>& attrs, std::string_view name,
                   std::optional<std::string_view> value) {
  std::optional<std::string> v;
  if (value) v.emplace(*value);
  auto first = std::find_if(attrs.begin(), attrs.end(),
                            [name](const Attribute& a) { return a.name == name; });
  if (first == attrs.end()) {
    attrs.push_back(Attribute{std::string(name), std::move(v)});
    return;
  }
  first->value = std::move(v);
  attrs.erase(
      std::remove_if(first + 1, attrs.end(), [name](const Attribute& a) { return a.name == name; }),
      attrs.end());
}

std::optional<Rtcp> Media::rtcp() const {
  for (const Attribute& a : attributes) {
    if (a.name != "rtcp" || !a.value) continue;
    if (auto r = parse_rtcp(*a.value)) return r;
  }
  return std::nullopt;
}

std::optional<Direction> Media::own_direction() const {
  for (const Attribute& a : attributes)
    if (auto d = parse_direction(a.name); d && !a.value) return d;
  return std::nullopt;
}

void Media::set_direction(Direction d) {
  auto is_dir = [](const Attribute& a) { return parse_direction(a.name).has_value(); };
  Attribute attr{std::string(sdp::to_string(d)), std::nullopt};
  auto first = std::find_if(attributes.begin(), attributes.end(), is_dir);
  if (first == attributes.end()) {
    attributes.push_back(std::move(attr));
    return;
  }
  *first = std::move(attr);
  attributes.erase(std::remove_if(first + 1, attributes.end(), is_dir), attributes.end());
}

Direction direction(const Session& s, const Media& m) {
  if (auto d = m.own_direction()) return *d;
  for (const Attribute& a : s.attributes)
    if (auto d = parse_direction(a.name); d && !a.value) return *d;
  return Direction::kSendRecv;
}

const Connection* effective_connection(const Session& s, const Media& m) {
  if (m.connection) return &*m.connection;
  if (s.connection) return &*s.connection;
  return nullptr;
}

}  // namespace rtpx::sdp
