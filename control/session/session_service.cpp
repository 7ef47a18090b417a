#include "control/session/session_service.hpp"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <functional>

#include <openssl/rand.h>

#include "control/session/codec_negotiation.hpp"
#include "control/session/sdp_rewrite.hpp"
#include "control/session/srtp_negotiation.hpp"

namespace rtpx::control {
namespace {

engine::Relatch to_engine(config::Relatch r) {
  switch (r) {
    case config::Relatch::never:
      return engine::Relatch::never;
    case config::Relatch::same_ssrc:
      return engine::Relatch::same_ssrc;
    case config::Relatch::any:
      return engine::Relatch::any;
  }
  return engine::Relatch::same_ssrc;
}

Result<sdp::Session> parse_sdp(const std::string& text) {
  if (text.empty()) return bad_field("sdp", "missing SDP body");
  sdp::ParseResult r = sdp::parse(text);
  if (!r.ok()) return bad_field("sdp", r.error.message);
  return std::move(*r.session);
}

Result<bool> require(const std::string& value, const char* field) {
  if (value.empty()) return bad_field(field, std::string("missing ") + field);
  return true;
}

// `n` characters from the ICE alphabet (RFC 8445 ice-char), from the OpenSSL CSPRNG.
std::string random_token(size_t n) {
  static constexpr char kChars[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
  std::vector<unsigned char> bytes(n);
  if (RAND_bytes(bytes.data(), static_cast<int>(n)) != 1) {
    throw std::runtime_error("the OpenSSL random generator failed");
  }
  std::string out(n, 'a');
  for (size_t i = 0; i < n; ++i) out[i] = kChars[bytes[i] % 64];
  return out;
}

IceCredentials new_ice_credentials() {
  // rtpengine's lengths; the password carries 156 random bits (RFC 8445 wants 128).
  return IceCredentials{random_token(8), random_token(26)};
}

std::string attribute_value(const sdp::Media& m, const char* name) {
  const sdp::Attribute* a = m.find_attribute(name);
  return a != nullptr && a->value ? *a->value : std::string{};
}

// Addresses and the transport protocol are checked before anything changes.
Result<bool> check_request(const SignalRequest& req) {
  if (!req.media_address.empty() && !net::SockAddr::from_ip(req.media_address, 0))
    return bad_field("media-address", "'" + req.media_address + "' is not an IP address");
  if (req.received_from && !net::SockAddr::from_ip(*req.received_from, 0))
    return bad_field("received-from", "'" + *req.received_from + "' is not an IP address");
  if (auto r = check_codec_options(req.codec); !r) return r;
  if (req.ptime > 200)
    return bad_field("ptime", "ptime " + std::to_string(req.ptime) + " ms is out of range");
  if (!req.transport_protocol.empty() && !known_transport_protocol(req.transport_protocol)) {
    return Error{ErrorCode::not_supported, "transport-protocol",
                 "transport-protocol '" + req.transport_protocol + "' is not supported"};
  }
  return true;
}

}  // namespace

double SessionService::wall_now() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

int64_t SessionService::mono_now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

SessionService::SessionService(engine::Engine& engine, const config::MediaConfig& media)
    : engine_(engine),
      media_(media),
      loop_id_(random_token(12)),
      certificate_(engine::dtls::Certificate::generate()) {
  for (char& c : loop_id_)
    if (c == '+' || c == '/') c = 'x';
  const auto range = static_cast<io::SocketId>(uint32_t{media.port_max} + 1 - media.port_min);
  const net::SockAddr bind = net::SockAddr::from_ip(media.interface, 0).value_or(net::SockAddr{});
  Family first{bind.family() == AF_INET6 ? AF_INET6 : AF_INET, bind,
               media.advertised.empty() ? media.interface : media.advertised,
               PortAllocator(bind, media.port_min, media.port_max), 0};
  (first.af == AF_INET6 ? v6_ : v4_).emplace(std::move(first));
  if (!media.interface6.empty() && !v6_) {
    const net::SockAddr bind6 =
        net::SockAddr::from_ip(media.interface6, 0).value_or(net::SockAddr{});
    v6_.emplace(Family{AF_INET6, bind6,
                       media.advertised6.empty() ? media.interface6 : media.advertised6,
                       PortAllocator(bind6, media.port_min, media.port_max, true), range});
  }
}

uint32_t SessionService::endpoint_slots(const config::MediaConfig& media) {
  const uint32_t range = uint32_t{media.port_max} + 1 - media.port_min;
  const bool dual = !media.interface6.empty() && media.interface.find(':') == std::string::npos;
  return dual ? 2 * range : range;
}

SessionService::~SessionService() {
  clear();
  // A running shard may still hold SRTP state of the calls just deleted: let it move on first.
  // (A stopped shard drains its queue without looking at that state.)
  for (const Retired& r : retired_) {
    engine::Shard& shard = engine_.shard(r.shard);
    if (shard.running()) shard.wait_applied(r.ticket, 1000);
  }
}

Result<Call*> SessionService::find_or_create(const SignalRequest& req, bool create) {
  if (auto it = calls_.find(req.call_id); it != calls_.end()) return it->second.get();
  if (!create) return Error{ErrorCode::not_found, "call_id", "Unknown call-id"};
  auto call = std::make_unique<Call>();
  call->call_id = req.call_id;
  call->created = wall_now();
  call->shard =
      static_cast<uint32_t>(std::hash<std::string>{}(req.call_id) % engine_.shard_count());
  call->strict_source = req.strict_source.value_or(media_.strict_source);
  call->legs[0].tag = req.from_tag;
  call->legs[0].created = call->created;
  Call* raw = call.get();
  calls_.emplace(req.call_id, std::move(call));
  ++counters_.total;
  emit("session_created", req.call_id);
  return raw;
}

void SessionService::mark_for_wake(uint32_t shard) {
  if (wake_.size() < engine_.shard_count()) wake_.resize(engine_.shard_count(), false);
  wake_[shard] = true;
}

void SessionService::flush() {
  for (uint32_t i = 0; i < wake_.size(); ++i) {
    if (!wake_[i]) continue;
    wake_[i] = false;
    engine_.shard(i).wake();
  }
}

void SessionService::reap_released_ports() const {
  std::erase_if(releasing_, [this](const Releasing& r) {
    if (!engine_.shard(r.shard).applied(r.ticket)) return false;
    family(r.family).ports.release(r.port);
    return true;
  });
  std::erase_if(retired_,
                [this](const Retired& r) { return engine_.shard(r.shard).applied(r.ticket); });
}

// Sockets of family `af` (or the other one when rtpxd has no `af`) facing the party of `side`.
// A side that has sockets keeps them, family included.
Result<bool> SessionService::allocate(MediaSide& side, int af) {
  if (side.rtp.port != 0) return true;
  reap_released_ports();
  const Family& f = family(af);
  auto pair = f.ports.allocate();
  if (!pair) return Error{ErrorCode::no_ports, "", "Ran out of ports"};
  side.family = f.af;
  side.rtp.port = pair->rtp_port;
  side.rtp.slot = static_cast<io::SocketId>(f.slot_base + pair->rtp_port - media_.port_min);
  side.rtp.fd = pair->rtp_fd;
  side.rtcp.port = static_cast<uint16_t>(pair->rtp_port + 1);
  side.rtcp.slot = side.rtp.slot + 1;
  side.rtcp.fd = pair->rtcp_fd;
  return true;
}

// Records what leg `from` signaled and makes sure both legs have sockets for every media.
Result<bool> SessionService::take_sdp(Call& call, int from, const sdp::Session& s,
                                      const SignalRequest& req) {
  Leg& own = call.legs[from];
  Leg& other = call.legs[1 - from];
  if (own.media.size() < s.media.size()) own.media.resize(s.media.size());
  if (other.media.size() < s.media.size()) other.media.resize(s.media.size());
  std::optional<net::SockAddr> sip_source;
  if (req.sip_source && req.received_from)
    sip_source = net::SockAddr::from_ip(*req.received_from, 0);
  for (size_t i = 0; i < s.media.size(); ++i) {
    const sdp::Media& m = s.media[i];
    MediaSide& a = own.media[i];
    MediaSide& b = other.media[i];
    a.type = b.type = m.type;
    a.protocol = m.proto;
    if (b.protocol.empty()) b.protocol = m.proto;
    a.disabled = m.port == 0;
    a.ice_remote = has_ice(s, m);
    a.ptime = attribute_value(m, "ptime");
    a.mid = attribute_value(m, "mid");
    SignaledMedia sig = signaled_addresses(s, m);
    if (sip_source && sig.rtp.valid()) {
      net::SockAddr rtp = *sip_source, rtcp = *sip_source;
      rtp.set_port(sig.rtp.port());
      rtcp.set_port(sig.rtcp.port());
      sig = {rtp, rtcp};
    }
    a.rtp.signaled = sig.rtp;
    a.rtcp.signaled = sig.rtcp;
    if (a.disabled) continue;
    // The sender's side speaks the family of its SDP; the recipient's the one asked for, else
    // the sender's.
    if (auto r = allocate(a, sig.rtp.family()); !r) return r.error();
    if (auto r = allocate(b, req.address_family.value_or(a.family)); !r) return r.error();
  }
  return true;
}

// An offer from leg `from`: what rtpxd offers the other party (rtcp-mux, ICE).
Result<bool> SessionService::negotiate_offer(Call& call, int from, sdp::Session& s,
                                             const SignalRequest& req) {
  const RtcpMuxPolicy& p = req.rtcp_mux;
  call.mux_policy = p;
  for (size_t i = 0; i < s.media.size(); ++i) {
    MediaSide& a = call.legs[from].media[i];
    MediaSide& b = call.legs[1 - from].media[i];
    const sdp::Media& m = s.media[i];
    if (!req.transport_protocol.empty() && m.proto.find("RTP/") != std::string::npos)
      b.protocol = req.transport_protocol;
    else
      b.protocol = m.proto;
    if (auto r = srtp_take_offer(a.srtp, s, m, req.srtp); !r) return r;
    auto fax = fax_offer(a, b, m, req);
    if (!fax) return fax.error();
    if (m.port != 0 && !*fax && m.proto.find("RTP/") != std::string::npos) {
      if (auto r = codec_offer(req.codec, req.ptime, s.media[i], a.codec, b.codec); !r) return r;
    }
    if (m.port != 0) srtp_make_offer(b.srtp, b.protocol, req.srtp);
    a.mux_offered = s.media[i].rtcp_mux();
    b.mux_offered = (a.mux_offered && !p.demux) || p.offer || p.require;
    const bool ice = req.ice == IceMode::kForce || (req.ice == IceMode::kDefault && a.ice_remote);
    if (!ice) {
      b.ice_local = {};
    } else if (b.ice_local.empty()) {
      b.ice_local = new_ice_credentials();
    }
  }
  return true;
}

// An answer to leg `offerer`'s offer: what is agreed with each party, what the offerer gets.
Result<bool> SessionService::negotiate_answer(Call& call, int offerer, sdp::Session& s,
                                              const SignalRequest& req) {
  RtcpMuxPolicy p = call.mux_policy;
  p.accept = p.accept || req.rtcp_mux.accept;
  p.reject = p.reject || req.rtcp_mux.reject;
  for (size_t i = 0; i < s.media.size(); ++i) {
    MediaSide& a = call.legs[offerer].media[i];
    MediaSide& b = call.legs[1 - offerer].media[i];
    if (auto r = srtp_take_answer(b.srtp, s, s.media[i]); !r) return r;
    auto fax = fax_answer(a, b, s.media[i]);
    if (!fax) return fax.error();
    if (s.media[i].port != 0 && !*fax && s.media[i].proto.find("RTP/") != std::string::npos) {
      if (auto r = codec_answer(s.media[i], a.codec, b.codec); !r) return r;
    }
    b.rtcp_mux = b.mux_offered && s.media[i].rtcp_mux();
    a.rtcp_mux = a.mux_offered && !p.reject && (p.accept || p.demux || p.require || b.rtcp_mux);
    if (!b.ice_remote) b.ice_local = {};  // offered ICE, the party declined it
    const bool ice = req.ice == IceMode::kForce || (req.ice == IceMode::kDefault && a.ice_remote);
    if (!ice) {
      a.ice_local = {};
    } else if (a.ice_local.empty()) {
      a.ice_local = new_ice_credentials();
    }
  }
  return true;
}

uint64_t SessionService::post_stream(Call& call, StreamSlot& s, const engine::EndpointConfig& cfg) {
  engine::ShardCommand cmd;
  cmd.id = s.slot;
  cmd.cfg = cfg;
  if (!s.posted) {
    cmd.op = engine::ShardCommand::Op::add;
    cmd.fd = s.fd;
    s.fd = -1;
    s.posted = true;
  } else {
    cmd.op = engine::ShardCommand::Op::update;
  }
  return engine_.shard(call.shard).queue(cmd);  // the caller wakes the shard once for them all
}

// Configures the four endpoints of media `i`: what arrives facing one leg leaves facing the other.
Result<bool> SessionService::wire(Call& call, size_t i) {
  if (i >= call.legs[0].media.size() || i >= call.legs[1].media.size()) return true;
  MediaSide* sides[2] = {&call.legs[0].media[i], &call.legs[1].media[i]};
  if (sides[0]->rtp.port == 0 || sides[1]->rtp.port == 0) return true;
  for (int k = 0; k < 2; ++k) {
    MediaSide& x = *sides[k];
    const MediaSide& y = *sides[1 - k];
    const io::SocketId y_rtcp = y.rtcp_mux ? y.rtp.slot : y.rtcp.slot;
    engine::EndpointConfig cfg;
    cfg.strict_source = call.strict_source;
    cfg.relatch = to_engine(media_.relatch);
    if (call.latching == Latching::kPortLatching) cfg.relatch = engine::Relatch::never;
    if (call.latching == Latching::kMediaHandover) cfg.relatch = engine::Relatch::any;
    cfg.symmetric = call.latching != Latching::kAsymmetric;
    cfg.stun.set(x.ice_local.ufrag, x.ice_local.pwd);
    // Muxed RTCP may arrive as soon as mux is offered (RFC 5761 section 5.1.3).
    cfg.rtcp_mux = x.rtcp_mux || x.mux_offered;
    std::unique_ptr<engine::EndpointCrypto> old_rtp, old_rtcp;
    auto rtp_crypto = crypto_for(x, x.rtp, false, &old_rtp);
    if (!rtp_crypto) return rtp_crypto.error();
    auto rtcp_crypto = crypto_for(x, x.rtcp, true, &old_rtcp);
    if (!rtcp_crypto) return rtcp_crypto.error();
    std::unique_ptr<codecs::Transcoder> old_transcode;
    std::unique_ptr<codecs::t38::FaxGateway> old_fax;
    if (x.fax.role == FaxRole::none && x.fax.gateway) old_fax = std::move(x.fax.gateway);
    cfg.fax = fax_gateway(x, y);
    std::unique_ptr<codecs::t38::FaxToneDetector> old_tone;
    auto tone = fax_detector(call, x, &old_tone);
    if (!tone) return tone.error();
    cfg.fax_detect = *tone;
    if (x.fax.role != FaxRole::none) {  // a gateway converts this media: no transcoding
      old_transcode = std::move(x.rtp.transcode);
      x.rtp.transcode_key.clear();
    } else {
      auto transcode = transcoder_for(x, y, &old_transcode);
      if (!transcode) return transcode.error();
      cfg.transcode = *transcode;
    }
    // UDPTL (T.38 passthrough) and other non-RTP transports are relayed as plain datagrams.
    cfg.opaque = !x.protocol.empty() && x.protocol.find("RTP/") == std::string::npos;
    cfg.component = engine::Component::rtp;
    cfg.signaled = x.rtp.signaled;
    cfg.forward_to = y.rtp.slot;
    cfg.rtcp_forward_to = y_rtcp;
    cfg.crypto = *rtp_crypto;
    const uint64_t rtp_ticket = post_stream(call, x.rtp, cfg);
    retire(call.shard, rtp_ticket, std::move(old_rtp));
    cfg.component = engine::Component::rtcp;
    cfg.rtcp_mux = false;
    cfg.signaled = x.rtcp.signaled;
    cfg.forward_to = y_rtcp;
    cfg.rtcp_forward_to = y_rtcp;
    cfg.crypto = *rtcp_crypto;
    const uint64_t rtcp_ticket = post_stream(call, x.rtcp, cfg);
    retire(call.shard, rtcp_ticket, std::move(old_rtcp));
    retire(call.shard, std::max(rtp_ticket, rtcp_ticket), nullptr, std::move(old_transcode),
           std::move(old_fax), std::move(old_tone));
  }
  return true;
}

// The SDP goes to the party of leg `to_leg`: it must send to the sockets facing it, which are
// that leg's own.
std::string SessionService::rewritten_for(const Call& call, int to_leg, sdp::Session s,
                                          const SignalRequest& req, bool answer) const {
  const Leg& leg = call.legs[to_leg];
  const Leg& from = call.legs[1 - to_leg];
  std::vector<LocalMedia> local(s.media.size());
  for (size_t i = 0; i < s.media.size() && i < leg.media.size(); ++i)
    fax_convert(leg.media[i], s.media[i], answer);
  for (size_t i = 0; i < s.media.size() && i < leg.media.size(); ++i) {
    if (s.media[i].port == 0) continue;
    const MediaSide& side = leg.media[i];
    LocalMedia& l = local[i];
    const bool mux = answer ? side.rtcp_mux : side.mux_offered;
    l.rtp_port = side.rtp.port;
    l.address = req.media_address.empty() ? advertised_address(side.family) : req.media_address;
    // An answer that agrees to mux, or an offer that requires it, names no separate RTCP port.
    const bool mux_only = mux && (answer || call.mux_policy.require);
    l.rtcp_port = mux_only ? side.rtp.port : side.rtcp.port;
    l.rtcp_mux = mux;
    l.ice = side.ice_local.empty() ? nullptr : &side.ice_local;
    l.ice_rtcp_candidate = !mux_only;
    if (s.media[i].proto.find("RTP/") != std::string::npos) {
      if (answer && !req.transport_protocol.empty())
        l.protocol = req.transport_protocol;
      else if (!side.protocol.empty())
        l.protocol = side.protocol;
      l.srtp = srtp_attributes(side.srtp, answer, *certificate_, req.srtp);
    }
    if (answer && i < from.media.size()) {
      l.ptime_fallback = side.ptime;
      l.mid_fallback = side.mid;
    }
  }
  RewriteOptions opt;
  opt.address = req.media_address.empty() ? primary().advertised : req.media_address;
  opt.replace_origin = req.replace_origin;
  opt.replace_session_connection = req.replace_session_connection;
  opt.rtcp_attribute = req.rtcp_attribute;
  if (req.loop_protect) opt.loop_protect_id = loop_id_;
  rewrite_sdp(s, local, opt);
  return sdp::write(s);
}

Result<std::string> SessionService::offer(const SignalRequest& req) {
  if (auto r = require(req.call_id, "call-id"); !r) return r.error();
  if (auto r = require(req.from_tag, "from-tag"); !r) return r.error();
  auto parsed = parse_sdp(req.sdp);
  if (!parsed) return parsed.error();
  // Our own SDP coming back through a loop: hand it on untouched (rtpengine's loop-protect).
  if (req.loop_protect && loop_marker(*parsed) == loop_id_) return req.sdp;
  if (auto r = check_request(req); !r) return r.error();

  const bool existed = calls_.count(req.call_id) != 0;
  auto found = find_or_create(req, true);
  if (!found) return found.error();
  Call& call = **found;
  int from = call.leg_index(req.from_tag);
  if (from < 0) {
    if (!call.legs[1].tag.empty() || call.legs[1].media.empty()) {
      return bad_field("from-tag", "from-tag '" + req.from_tag + "' is not a party of this call");
    }
    call.legs[1].tag = req.from_tag;  // the answerer re-offers before its tag was known
    from = 1;
  }
  if (auto r = take_sdp(call, from, *parsed, req); !r) {
    if (!existed) destroy(req.call_id, "error");
    return r.error();
  }
  if (req.latching != Latching::kDefault) call.latching = req.latching;
  if (req.fax_detect) call.fax_detect = true;
  if (auto r = negotiate_offer(call, from, *parsed, req); !r) {
    if (!existed) destroy(req.call_id, "error");
    return r.error();
  }
  for (size_t i = 0; i < parsed->media.size(); ++i) {
    if (auto r = wire(call, i); !r) {
      mark_for_wake(call.shard);
      if (!existed) destroy(req.call_id, "error");
      return r.error();
    }
  }
  mark_for_wake(call.shard);
  call.last_signal = wall_now();
  call.last_signal_mono = mono_now_ns();
  // Sent to the other party: it must send to the sockets facing it.
  return rewritten_for(call, 1 - from, std::move(*parsed), req, false);
}

Result<std::string> SessionService::answer(const SignalRequest& req) {
  if (auto r = require(req.call_id, "call-id"); !r) return r.error();
  if (auto r = require(req.from_tag, "from-tag"); !r) return r.error();
  if (auto r = require(req.to_tag, "to-tag"); !r) return r.error();
  auto parsed = parse_sdp(req.sdp);
  if (!parsed) return parsed.error();
  if (auto r = check_request(req); !r) return r.error();
  auto found = find_or_create(req, false);
  if (!found) return found.error();
  Call& call = **found;
  const int offerer = call.leg_index(req.from_tag);
  if (offerer < 0) return Error{ErrorCode::not_found, "from-tag", "Unknown from-tag"};
  const int answerer = 1 - offerer;
  Leg& ans = call.legs[answerer];
  if (ans.tag != req.to_tag) {
    ans.tag = req.to_tag;
    ans.created = wall_now();
  }
  if (auto r = take_sdp(call, answerer, *parsed, req); !r) return r.error();
  if (req.latching != Latching::kDefault) call.latching = req.latching;
  if (req.fax_detect) call.fax_detect = true;
  if (auto r = negotiate_answer(call, offerer, *parsed, req); !r) return r.error();
  for (size_t i = 0; i < parsed->media.size(); ++i) {
    if (auto r = wire(call, i); !r) {
      mark_for_wake(call.shard);
      return r.error();
    }
  }
  mark_for_wake(call.shard);
  call.last_signal = wall_now();
  call.last_signal_mono = mono_now_ns();
  return rewritten_for(call, offerer, std::move(*parsed), req, true);
}

void SessionService::destroy(const std::string& call_id_ref, const char* reason) {
  const std::string call_id = call_id_ref;  // the caller may pass the map's own key
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return;
  Call& call = *it->second;
  for (Leg& leg : call.legs) {
    for (MediaSide& side : leg.media) {
      uint64_t ticket = 0;  // the pair is free once the shard has closed its sockets
      for (StreamSlot* s : {&side.rtp, &side.rtcp}) {
        if (s->posted) {
          engine::ShardCommand cmd;
          cmd.op = engine::ShardCommand::Op::remove;
          cmd.id = s->slot;
          ticket = engine_.shard(call.shard).queue(cmd);
          const bool last = s == &side.rtcp;
          retire(call.shard, ticket, std::move(s->crypto), std::move(s->transcode),
                 last ? std::move(side.fax.gateway) : nullptr,
                 last ? std::move(side.fax.detector) : nullptr);
        } else if (s->fd >= 0) {
          ::close(s->fd);
        }
        s->fd = -1;
        s->posted = false;
      }
      if (side.rtp.port != 0) {
        if (ticket == 0) {
          family(side.family).ports.release(side.rtp.port);
        } else {
          releasing_.push_back({call.shard, ticket, side.rtp.port, side.family});
        }
      }
      side.rtp.port = 0;
    }
  }
  mark_for_wake(call.shard);
  calls_.erase(it);
  ++counters_.deleted;
  emit("session_deleted", call_id, reason);
}

Result<CallSnapshot> SessionService::remove(const std::string& call_id, const std::string&) {
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return Error{ErrorCode::not_found, "call-id", "Unknown call-id"};
  CallSnapshot snap = snapshot(*it->second);
  destroy(call_id, "request");
  return snap;
}

Result<CallSnapshot> SessionService::query(const std::string& call_id) const {
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return Error{ErrorCode::not_found, "call-id", "Unknown call-id"};
  return snapshot(*it->second);
}

size_t SessionService::expire_idle(int64_t now) {
  report_dtls_failures();
  if (media_.timeout == 0) return 0;
  const int64_t limit = int64_t{media_.timeout} * 1'000'000'000;
  std::vector<std::string> idle;
  for (const auto& [id, call] : calls_) {
    int64_t last = call->last_signal_mono;
    for (const Leg& leg : call->legs)
      for (const MediaSide& side : leg.media)
        for (const StreamSlot* s : {&side.rtp, &side.rtcp})
          if (s->posted)
            last = std::max(last,
                            engine_.endpoint(s->slot).last_seen_ns.load(std::memory_order_relaxed));
    if (now - last > limit) idle.push_back(id);
  }
  for (const std::string& id : idle) {
    emit("media_timeout", id);
    ++counters_.timed_out;
    destroy(id, "timeout");
  }
  return idle.size();
}

void SessionService::clear() {
  while (!calls_.empty()) destroy(calls_.begin()->first, "shutdown");
  flush();
}

SessionCounters SessionService::counters() const {
  // Reported port use must not lag a delete: give the shards a moment to close the sockets.
  if (!releasing_.empty()) {
    std::vector<uint64_t> last(engine_.shard_count(), 0);
    for (const Releasing& r : releasing_) last[r.shard] = std::max(last[r.shard], r.ticket);
    for (uint32_t i = 0; i < last.size(); ++i) {
      if (last[i] == 0) continue;
      engine_.shard(i).wake();
      engine_.shard(i).wait_applied(last[i], 100);
    }
  }
  reap_released_ports();
  SessionCounters c = counters_;
  c.current = calls_.size();
  for (const std::optional<Family>* f : {&v4_, &v6_}) {
    if (!f->has_value()) continue;
    c.port_pairs_used += (*f)->ports.pairs_used();
    c.port_pairs_total += (*f)->ports.pairs_total();
  }
  return c;
}

void SessionService::emit(const char* name, const std::string& call_id, const char* reason) {
  if (sink_) sink_(SessionEvent{name, call_id, reason, wall_now(), std::nullopt, std::nullopt});
}

}  // namespace rtpx::control
