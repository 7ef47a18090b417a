#pragma once
// SDP (RFC 8866 / RFC 4566) parser and writer shared by the native control protocol and the
// rtpengine ng protocol. The model keeps every line of the input, in order, so that writing a
// parsed SDP reproduces CRLF input byte for byte; LF-only input is accepted and written back with
// CRLF.
//
// Parsing never throws and never reads outside its input: it returns a Session or a ParseError
// naming the 1-based line ("line 3: expected 'o=' line"). Limits: 64 KiB of text, 64 media
// sections.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rtpx::sdp {

inline constexpr size_t kMaxSdpBytes = size_t{64} * 1024;
inline constexpr size_t kMaxMediaSections = 64;

// "IN IP4 192.0.2.1", used by c= lines and a=rtcp.
struct Connection {
  std::string nettype;   // "IN"
  std::string addrtype;  // "IP4" / "IP6"
  std::string address;   // may carry a multicast "/ttl[/count]" suffix, kept verbatim

  // "IN IP6 <addr>" when addr contains ':', else "IN IP4 <addr>".
  static Connection for_address(std::string_view addr);
  std::string to_string() const;  // "IN IP4 1.2.3.4"
  bool operator==(const Connection&) const = default;
};

// o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
struct Origin {
  std::string username;
  std::string session_id;
  std::string session_version;
  std::string nettype;
  std::string addrtype;
  std::string address;
  std::string to_string() const;  // the value after "o="
  bool operator==(const Origin&) const = default;
};

// a=<name>[:<value>]. "a=sendrecv" has no value; "a=rtpmap:0 PCMU/8000" has name "rtpmap" and
// value "0 PCMU/8000"; "a=foo:" has an empty value (kept distinct so it writes back unchanged).
struct Attribute {
  std::string name;
  std::optional<std::string> value;
  std::string to_string() const;  // the text after "a="
  bool operator==(const Attribute&) const = default;
};

// Any line kept verbatim: i= u= e= p= b= t= r= z= k= and unknown types.
struct Line {
  char type = 0;
  std::string value;  // text after "<type>="
  bool operator==(const Line&) const = default;
};

// Order of a section's lines as they appeared in the input. The writer follows it, taking the next
// element of the matching list for each slot; elements without a slot (added by the caller) are
// written at their RFC 8866 position, removed ones are skipped. Leave it empty for RFC order.
enum class LineKind : uint8_t { kOrigin, kName, kConnection, kAttribute, kOther };

enum class Direction : uint8_t { kSendRecv, kSendOnly, kRecvOnly, kInactive };
std::string_view to_string(Direction d);                       // "sendrecv", ...
std::optional<Direction> parse_direction(std::string_view s);  // attribute name -> direction

// a=rtcp:<port> [<nettype> <addrtype> <address>] (RFC 3605).
struct Rtcp {
  uint16_t port = 0;
  std::optional<Connection> connection;
  std::string to_string() const;  // attribute value: "49171" or "49171 IN IP4 192.0.2.1"
  bool operator==(const Rtcp&) const = default;
};
// nullopt unless the value is a port 1..65535, optionally followed by exactly 3 address tokens.
std::optional<Rtcp> parse_rtcp(std::string_view value);

// Attribute list helpers; names compare case-sensitively (RFC 8866 section 5.13).
const Attribute* find_attribute(const std::vector<Attribute>& attrs, std::string_view name);
Attribute* find_attribute(std::vector<Attribute>& attrs, std::string_view name);
std::vector<const Attribute*> find_attributes(const std::vector<Attribute>& attrs,
                                              std::string_view name);
size_t remove_attributes(std::vector<Attribute>& attrs, std::string_view name);  // count removed
// Replaces the value of the first `name` attribute in place and removes later ones; appends a new
// attribute when there is none.
void set_attribute(std::vector<Attribute>& attrs, std::string_view name,
                   std::optional<std::string_view> value = std::nullopt);

// The a= lines of a section (session or media) and the helpers over them.
struct AttributeList {
  std::vector<Attribute> attributes;

  const Attribute* find_attribute(std::string_view name) const {
    return sdp::find_attribute(attributes, name);
  }
  Attribute* find_attribute(std::string_view name) { return sdp::find_attribute(attributes, name); }
  std::vector<const Attribute*> find_attributes(std::string_view name) const {
    return sdp::find_attributes(attributes, name);
  }
  bool has_attribute(std::string_view name) const { return find_attribute(name) != nullptr; }
  size_t remove_attributes(std::string_view name) {
    return sdp::remove_attributes(attributes, name);
  }
  void set_attribute(std::string_view name, std::optional<std::string_view> value = std::nullopt) {
    sdp::set_attribute(attributes, name, value);
  }

  bool operator==(const AttributeList&) const = default;
};

struct Media : AttributeList {
  std::string type;  // audio, video, image, application, ...
  uint16_t port = 0;
  std::optional<uint16_t> port_count;  // m=audio 49170/2 ...
  std::string proto;                   // RTP/AVP, UDP/TLS/RTP/SAVPF, udptl, ...
  std::vector<std::string> formats;    // payload types or format names, in order
  std::optional<Connection> connection;
  // attributes: inherited from AttributeList
  std::vector<Line> other_lines;  // i= b= k= ... verbatim
  std::vector<LineKind> layout;   // lines after m=, see LineKind

  std::string to_string() const;  // the m= value: "audio 49170 RTP/AVP 0 8"

  std::optional<Rtcp> rtcp() const;  // first a=rtcp that parses
  bool rtcp_mux() const { return has_attribute("rtcp-mux"); }
  std::optional<Direction> own_direction() const;  // first direction attribute in this media
  // Replaces every direction attribute with one for d (at the first one's place, else appended).
  void set_direction(Direction d);

  bool operator==(const Media&) const = default;
};

struct Session : AttributeList {
  int version = 0;  // v=, always 0
  Origin origin;
  std::optional<std::string> name;  // s= (rtpengine tolerates its absence, so do we)
  std::optional<Connection> connection;
  // attributes: inherited from AttributeList
  std::vector<Line> other_lines;  // i= u= e= p= b= t= r= z= k= ... verbatim
  std::vector<LineKind> layout;   // session lines after v=, see LineKind
  std::vector<Media> media;

  bool operator==(const Session&) const = default;
};

// Media direction: the media's own attribute, else the session's, else sendrecv.
Direction direction(const Session& s, const Media& m);
// Media-level c= else session-level c=; nullptr when neither exists.
const Connection* effective_connection(const Session& s, const Media& m);

struct ParseError {
  size_t line = 0;      // 1-based; 0 when the error concerns the whole input (size)
  std::string message;  // complete text for the client: "line 3: expected 'o=' line"
};

struct ParseResult {
  std::optional<Session> session;  // set on success
  ParseError error;                // meaningful when session is empty
  bool ok() const { return session.has_value(); }
};

ParseResult parse(std::string_view text);
// Always CRLF line endings. Values are written as stored: the caller must not put CR or LF in them.
std::string write(const Session& s);

}  // namespace rtpx::sdp
