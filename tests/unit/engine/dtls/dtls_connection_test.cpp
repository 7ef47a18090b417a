#include "engine/dtls/dtls_connection.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <random>
#include <thread>
#include <vector>

namespace rtpx::engine::dtls {
namespace {

using Datagram = std::vector<uint8_t>;
using srtp::Suite;

int64_t real_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

const std::shared_ptr<const Certificate>& client_cert() {
  static const auto c = Certificate::generate();
  return c;
}
const std::shared_ptr<const Certificate>& server_cert() {
  static const auto c = Certificate::generate();
  return c;
}

std::vector<Datagram> drain(Connection& c) {
  std::vector<Datagram> out;
  Datagram buf(Connection::kMaxDatagram);
  uint32_t len = 0;
  while (c.pop_datagram(buf, &len)) out.emplace_back(buf.begin(), buf.begin() + len);
  return out;
}

bool same_key(const srtp::MasterKey& a, const srtp::MasterKey& b) {
  const srtp::SuiteInfo& si = srtp::info(a.suite);
  return a.suite == b.suite &&
         std::equal(a.key.begin(), a.key.begin() + si.key_len, b.key.begin()) &&
         std::equal(a.salt.begin(), a.salt.begin() + si.salt_len, b.salt.begin());
}

struct Pair {
  std::unique_ptr<Connection> client;
  std::unique_ptr<Connection> server;
  // Called for each datagram in flight; true drops it.
  std::function<bool(Role from, const Datagram&)> drop = [](Role, const Datagram&) {
    return false;
  };
  std::vector<Datagram> seen_from_client;

  static Pair make(Options c, Options s) {
    c.role = Role::client;
    s.role = Role::server;
    if (c.peer_fingerprint == "-") c.peer_fingerprint = server_cert()->fingerprint();
    if (s.peer_fingerprint == "-") s.peer_fingerprint = client_cert()->fingerprint();
    Pair p;
    std::string error;
    p.client = Connection::create(client_cert(), c, &error);
    EXPECT_NE(p.client, nullptr) << error;
    p.server = Connection::create(server_cert(), s, &error);
    EXPECT_NE(p.server, nullptr) << error;
    return p;
  }

  // Moves datagrams both ways until none is left in flight.
  void pump(int64_t now) {
    for (int round = 0; round < 50; ++round) {
      bool moved = false;
      for (const Datagram& d : drain(*client)) {
        moved = true;
        seen_from_client.push_back(d);
        if (!drop(Role::client, d)) server->receive(d, now);
      }
      for (const Datagram& d : drain(*server)) {
        moved = true;
        if (!drop(Role::server, d)) client->receive(d, now);
      }
      if (!moved) return;
    }
    ADD_FAILURE() << "datagrams still moving after 50 rounds";
  }

  void handshake(int64_t now = 0) {
    server->start(now);
    client->start(now);
    pump(now);
  }
};

Options with_suites(std::vector<Suite> suites, std::string peer_fingerprint = "-") {
  Options o;
  o.suites = std::move(suites);
  o.peer_fingerprint = std::move(peer_fingerprint);
  return o;
}

void expect_connected_with(const Pair& p, Suite suite) {
  ASSERT_EQ(p.client->state(), State::connected) << p.client->failure();
  ASSERT_EQ(p.server->state(), State::connected) << p.server->failure();
  ASSERT_TRUE(p.client->keying().has_value());
  ASSERT_TRUE(p.server->keying().has_value());
  const Keying& c = *p.client->keying();
  const Keying& s = *p.server->keying();
  EXPECT_EQ(c.suite, suite);
  EXPECT_EQ(s.suite, suite);
  EXPECT_EQ(c.local.suite, suite);
  EXPECT_TRUE(same_key(c.local, s.remote));
  EXPECT_TRUE(same_key(c.remote, s.local));
  EXPECT_FALSE(same_key(c.local, c.remote));
  EXPECT_EQ(c.local.mki_len, 0);
  EXPECT_EQ(p.client->next_timer_ns(), INT64_MAX);
  EXPECT_EQ(p.server->next_timer_ns(), INT64_MAX);
  EXPECT_TRUE(p.client->failure().empty());
}

TEST(DtlsConnection, HandshakeWithEachSuite) {
  for (const srtp::SuiteInfo& si : srtp::all_suites()) {
    SCOPED_TRACE(std::string(si.name));
    Pair p = Pair::make(with_suites({si.suite}), with_suites({si.suite}));
    EXPECT_EQ(p.client->state(), State::idle);
    p.handshake();
    expect_connected_with(p, si.suite);
    EXPECT_EQ(p.client->role(), Role::client);
    EXPECT_EQ(p.server->role(), Role::server);
  }
}

TEST(DtlsConnection, AllSuitesOfferedAgreesOnTheFirstPreference) {
  Pair p = Pair::make(with_suites({}), with_suites({}));
  p.handshake();
  expect_connected_with(p, srtp::all_suites()[0].suite);
}

TEST(DtlsConnection, ServerPicksAmongTheClientsOffer) {
  Pair p = Pair::make(with_suites({Suite::aes_cm_128_hmac_sha1_32, Suite::aead_aes_128_gcm}),
                      with_suites({Suite::aead_aes_128_gcm}));
  p.handshake();
  expect_connected_with(p, Suite::aead_aes_128_gcm);
}

TEST(DtlsConnection, AnyCertificateWhenNoFingerprintIsGiven) {
  Pair p = Pair::make(with_suites({}, ""), with_suites({}, ""));
  p.handshake();
  expect_connected_with(p, srtp::all_suites()[0].suite);
}

TEST(DtlsConnection, FingerprintComparisonIgnoresCase) {
  std::string fp = server_cert()->fingerprint();
  for (char& ch : fp) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  Pair p = Pair::make(with_suites({}, "  " + fp + " "), with_suites({}));
  p.handshake();
  expect_connected_with(p, srtp::all_suites()[0].suite);
}

TEST(DtlsConnection, OtherHashAlgorithmsAreChecked) {
  Pair p = Pair::make(with_suites({}, fingerprint_of(server_cert()->x509(), "sha-1")),
                      with_suites({}, fingerprint_of(client_cert()->x509(), "sha-512")));
  p.handshake();
  expect_connected_with(p, srtp::all_suites()[0].suite);
}

TEST(DtlsConnection, ClientRefusesServerWithWrongFingerprint) {
  // The client expects its own certificate's fingerprint: the server's does not match.
  Pair p = Pair::make(with_suites({}, client_cert()->fingerprint()), with_suites({}));
  p.handshake();
  EXPECT_EQ(p.client->state(), State::failed);
  EXPECT_EQ(p.client->failure(), "peer certificate fingerprint mismatch");
  EXPECT_FALSE(p.client->keying().has_value());
  // The server hears the client's alert.
  EXPECT_EQ(p.server->state(), State::failed);
  EXPECT_NE(p.server->failure().find("alert"), std::string::npos) << p.server->failure();
  EXPECT_FALSE(p.server->keying().has_value());
}

TEST(DtlsConnection, ServerRefusesClientWithWrongFingerprint) {
  Pair p = Pair::make(with_suites({}),
                      with_suites({}, fingerprint_of(server_cert()->x509(), "sha-256")));
  p.handshake();
  EXPECT_EQ(p.server->state(), State::failed);
  EXPECT_EQ(p.server->failure(), "peer certificate fingerprint mismatch");
  EXPECT_EQ(p.client->state(), State::failed);
  EXPECT_NE(p.client->failure().find("alert"), std::string::npos) << p.client->failure();
}

TEST(DtlsConnection, BadFingerprintOptionIsRefusedAtCreate) {
  std::string error;
  Options o;
  o.peer_fingerprint = "md5 AB:CD";
  EXPECT_EQ(Connection::create(server_cert(), o, &error), nullptr);
  EXPECT_NE(error.find("md5"), std::string::npos) << error;
  o.peer_fingerprint = "AB:CD";
  EXPECT_EQ(Connection::create(server_cert(), o, &error), nullptr);
  o.peer_fingerprint.clear();
  o.mtu = 100;
  EXPECT_EQ(Connection::create(server_cert(), o, &error), nullptr);
  EXPECT_NE(error.find("mtu"), std::string::npos) << error;
}

TEST(DtlsConnection, NoCommonProfileFailsBothSides) {
  Pair p = Pair::make(with_suites({Suite::aes_cm_128_hmac_sha1_80}),
                      with_suites({Suite::aead_aes_128_gcm}));
  p.handshake();
  EXPECT_EQ(p.client->state(), State::failed);
  EXPECT_EQ(p.server->state(), State::failed);
  EXPECT_NE(p.client->failure().find("SRTP"), std::string::npos) << p.client->failure();
  EXPECT_NE(p.server->failure().find("SRTP"), std::string::npos) << p.server->failure();
  EXPECT_FALSE(p.client->keying().has_value());
}

TEST(DtlsConnection, LostFlightIsRetransmitted) {
  Pair p = Pair::make(with_suites({}), with_suites({}));
  int dropped = 0;
  bool server_flight_lost = false;
  p.drop = [&](Role from, const Datagram&) {
    if (from != Role::server || server_flight_lost) return false;
    ++dropped;
    return true;
  };
  const int64_t t0 = real_now();
  p.handshake(t0);
  server_flight_lost = dropped > 0;
  ASSERT_GT(dropped, 0);
  ASSERT_EQ(p.client->state(), State::connecting);
  ASSERT_EQ(p.server->state(), State::connecting);

  // OpenSSL's first retransmission comes after about a second.
  const int64_t due = std::min(p.client->next_timer_ns(), p.server->next_timer_ns());
  EXPECT_GT(due, t0 + 500'000'000);
  EXPECT_LT(due, t0 + 2'000'000'000);
  while (p.client->state() == State::connecting && real_now() < t0 + 2'500'000'000) {
    const int64_t next = std::min(p.client->next_timer_ns(), p.server->next_timer_ns());
    const int64_t wait = std::clamp<int64_t>(next - real_now(), 0, 100'000'000);
    std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
    const int64_t now = real_now();
    p.client->on_timer(now);
    p.server->on_timer(now);
    p.pump(now);
  }
  expect_connected_with(p, srtp::all_suites()[0].suite);
}

// The server is connected once it sent its last flight; when that is lost the client sends its
// own again, and the connected server must answer it.
TEST(DtlsConnection, LostLastFlightIsAnsweredAfterConnecting) {
  Pair p = Pair::make(with_suites({}), with_suites({}));
  bool lost = false;
  p.drop = [&](Role from, const Datagram&) {
    if (from != Role::server || p.server->state() != State::connected || lost) return false;
    return true;
  };
  const int64_t t0 = real_now();
  p.handshake(t0);
  lost = true;
  ASSERT_EQ(p.server->state(), State::connected) << p.server->failure();
  ASSERT_EQ(p.client->state(), State::connecting);
  while (p.client->state() == State::connecting && real_now() < t0 + 2'500'000'000) {
    const int64_t wait =
        std::clamp<int64_t>(p.client->next_timer_ns() - real_now(), 0, 100'000'000);
    std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
    p.client->on_timer(real_now());
    p.pump(real_now());
  }
  expect_connected_with(p, srtp::all_suites()[0].suite);
}

TEST(DtlsConnection, HandshakeTimesOut) {
  Options o = with_suites({}, server_cert()->fingerprint());
  o.role = Role::client;
  o.handshake_timeout_ns = 200'000'000;
  std::string error;
  auto c = Connection::create(client_cert(), o, &error);
  ASSERT_NE(c, nullptr) << error;
  EXPECT_EQ(c->next_timer_ns(), INT64_MAX);
  c->start(0);
  EXPECT_EQ(c->state(), State::connecting);
  EXPECT_FALSE(drain(*c).empty());  // the ClientHello, to nowhere
  EXPECT_EQ(c->next_timer_ns(), 200'000'000);
  c->on_timer(100'000'000);
  EXPECT_EQ(c->state(), State::connecting);
  c->on_timer(200'000'000);
  EXPECT_EQ(c->state(), State::failed);
  EXPECT_EQ(c->failure(), "DTLS handshake timed out after 0.2 s");
  EXPECT_EQ(c->next_timer_ns(), INT64_MAX);
}

TEST(DtlsConnection, ServerArmsOnlyTheHandshakeTimeout) {
  Options o;
  o.handshake_timeout_ns = 5'000'000'000;
  std::string error;
  auto s = Connection::create(server_cert(), o, &error);
  ASSERT_NE(s, nullptr) << error;
  s->start(1'000);
  EXPECT_EQ(s->state(), State::connecting);
  EXPECT_TRUE(drain(*s).empty());
  EXPECT_EQ(s->next_timer_ns(), 5'000'001'000);
}

TEST(DtlsConnection, DatagramsRespectTheMtu) {
  Options c = with_suites({});
  Options s = with_suites({});
  c.mtu = s.mtu = 300;
  Pair p = Pair::make(c, s);
  size_t largest = 0;
  p.drop = [&](Role, const Datagram& d) {
    largest = std::max(largest, d.size());
    return false;
  };
  p.handshake();
  expect_connected_with(p, srtp::all_suites()[0].suite);
  EXPECT_LE(largest, 300u);
  EXPECT_GT(largest, 200u);
}

TEST(DtlsConnection, CloseNotifyClosesThePeer) {
  Pair p = Pair::make(with_suites({}), with_suites({}));
  p.handshake();
  expect_connected_with(p, srtp::all_suites()[0].suite);
  p.client->close();
  EXPECT_EQ(p.client->state(), State::closed);
  p.pump(0);
  EXPECT_EQ(p.server->state(), State::closed);
  EXPECT_TRUE(p.server->keying().has_value());
}

// Random bytes, and damaged copies of `real`: truncated, a record length beyond the datagram, and
// (with `flip`) one byte changed, which in a ClientHello still leaves a valid ClientHello.
std::vector<Datagram> garbage(const std::vector<Datagram>& real, std::mt19937& rng, bool flip) {
  std::vector<Datagram> out;
  std::uniform_int_distribution<int> byte(0, 255);
  for (size_t len : {1u, 2u, 12u, 13u, 14u, 25u, 100u, 1200u, 1500u, 3000u}) {
    Datagram d(len);
    for (auto& b : d) b = static_cast<uint8_t>(byte(rng));
    out.push_back(d);
    d[0] = 22;  // handshake record: gets past the content-type check
    if (len > 2) d[1] = 0xfe, d[2] = 0xfd;
    out.push_back(d);
    d[0] = 21;  // alert
    out.push_back(d);
    d[0] = 23;  // application data
    out.push_back(d);
  }
  for (const Datagram& r : real) {
    for (size_t cut : {size_t{1}, size_t{13}, r.size() / 2, r.size() - 1}) {
      if (cut < r.size()) out.emplace_back(r.begin(), r.begin() + cut);
    }
    if (flip) {
      Datagram flipped = r;
      flipped[flipped.size() / 2] ^= 0x55;
      out.push_back(flipped);
    }
    Datagram longer_length = r;  // record header claims more than the datagram holds
    if (longer_length.size() > 12) longer_length[11] = 0xff, longer_length[12] = 0xff;
    out.push_back(longer_length);
  }
  return out;
}

TEST(DtlsConnection, GarbageToAServerDoesNotStopTheHandshake) {
  std::mt19937 rng(1234);
  Pair p = Pair::make(with_suites({}), with_suites({}));
  // A real ClientHello to make truncated copies of, from another client.
  Options o = with_suites({}, server_cert()->fingerprint());
  o.role = Role::client;
  std::string error;
  auto other = Connection::create(client_cert(), o, &error);
  ASSERT_NE(other, nullptr) << error;
  other->start(0);
  const std::vector<Datagram> hello = drain(*other);
  ASSERT_FALSE(hello.empty());

  p.server->start(0);
  for (const Datagram& d : garbage(hello, rng, false)) p.server->receive(d, 0);
  p.server->receive({}, 0);
  EXPECT_EQ(p.server->state(), State::connecting) << p.server->failure();
  drain(*p.server);  // whatever it answered to the garbage goes nowhere
  p.client->start(0);
  p.pump(0);
  expect_connected_with(p, srtp::all_suites()[0].suite);
}

TEST(DtlsConnection, GarbageToAConnectedConnectionChangesNothing) {
  std::mt19937 rng(99);
  Pair p = Pair::make(with_suites({}), with_suites({}));
  p.handshake();
  expect_connected_with(p, srtp::all_suites()[0].suite);
  const Keying before = *p.server->keying();
  for (const Datagram& d : garbage(p.seen_from_client, rng, true)) {
    p.server->receive(d, 0);
    p.client->receive(d, 0);
  }
  // Replays of the client's real handshake datagrams, too.
  for (const Datagram& d : p.seen_from_client) p.server->receive(d, 0);
  EXPECT_EQ(p.server->state(), State::connected) << p.server->failure();
  EXPECT_EQ(p.client->state(), State::connected) << p.client->failure();
  EXPECT_TRUE(same_key(p.server->keying()->local, before.local));
  EXPECT_TRUE(same_key(p.server->keying()->remote, before.remote));
  p.pump(0);  // whatever they answered reaches the other side
  EXPECT_EQ(p.server->state(), State::connected) << p.server->failure();
  EXPECT_EQ(p.client->state(), State::connected) << p.client->failure();
}

}  // namespace
}  // namespace rtpx::engine::dtls
