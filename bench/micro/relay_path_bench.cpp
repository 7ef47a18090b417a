// The per-packet relay decision and one shard iteration, over an endpoint table shaped like a
// running relay: `calls` two-party calls, each with four endpoints (caller RTP/RTCP, callee
// RTP/RTCP), both parties latched, and packets arriving in an interleaved order across all RTP
// streams (50 pps per stream gives no useful order, so the order is a fixed pseudo-random one).
//
//   relay/relay_one         relay_one() over bursts of 32 packets.
//   relay/shard_poll_once   Shard::poll_once() over the loopback backend, 16 bursts of 32 per timed
//                           section: command queue check, rx_burst, relay_one, tx_burst, counters.
//                           Injecting and draining (the test side of the loopback) is not timed.
//   relay/limit:table_lookup  the least a table-driven relay can do: read the endpoint and its
//                           peer, write the output socket and address. Same table, same order.

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include "bench/micro/micro_common.hpp"
#include "engine/io/loopback_backend.hpp"
#include "engine/session/relay_path.hpp"
#include "engine/shard/shard.hpp"

namespace rtpx::bench {
namespace {

using engine::Endpoint;
using engine::EndpointConfig;

net::SockAddr party_addr(uint32_t call, bool caller) {
  // Callers in 10.1.0.0/16, callees in 10.2.0.0/16, even RTP ports.
  const uint32_t host = call % 65'000 + 1;
  auto a = net::SockAddr::from_ip(
      (caller ? "10.1." : "10.2.") + std::to_string(host >> 8) + "." + std::to_string(host & 0xff),
      static_cast<uint16_t>(20'000 + 2 * (call % 20'000)));
  return *a;
}

// Endpoint ids of call c: 4c caller-facing RTP, 4c+1 its RTCP, 4c+2 callee-facing RTP, 4c+3 RTCP.
std::vector<EndpointConfig> call_configs(uint32_t calls) {
  std::vector<EndpointConfig> cfgs(size_t{calls} * 4);
  for (uint32_t c = 0; c < calls; ++c) {
    for (uint32_t side = 0; side < 2; ++side) {
      const bool caller = side == 0;
      const uint32_t rtp_id = 4 * c + 2 * side;
      const uint32_t peer_rtp_id = 4 * c + 2 * (1 - side);
      net::SockAddr rtp = party_addr(c, caller);
      net::SockAddr rtcp = rtp;
      rtcp.set_port(static_cast<uint16_t>(rtp.port() + 1));

      EndpointConfig& r = cfgs[rtp_id];
      r.signaled = rtp;
      r.forward_to = peer_rtp_id;
      r.rtcp_forward_to = peer_rtp_id + 1;
      r.component = engine::Component::rtp;

      EndpointConfig& t = cfgs[rtp_id + 1];
      t.signaled = rtcp;
      t.forward_to = peer_rtp_id + 1;
      t.component = engine::Component::rtcp;
    }
  }
  return cfgs;
}

// One arriving packet's metadata: the socket it arrived on and its source.
struct Arrival {
  io::SocketId socket;
  net::SockAddr from;
};

// A fixed pseudo-random interleaving of all 2*calls RTP streams, every stream at least once.
std::vector<Arrival> arrivals(uint32_t calls) {
  const size_t streams = size_t{calls} * 2;
  const size_t n = std::max<size_t>(8192, streams);
  std::vector<Arrival> out;
  out.reserve(n);
  for (size_t s = 0; s < streams; ++s) {  // first every stream once: latches both parties
    const uint32_t c = static_cast<uint32_t>(s / 2);
    out.push_back({static_cast<io::SocketId>(4 * c + 2 * (s % 2)), party_addr(c, s % 2 == 0)});
  }
  std::mt19937 rng(12345);
  std::uniform_int_distribution<size_t> pick(0, streams - 1);
  while (out.size() < n) {
    const size_t s = pick(rng);
    const uint32_t c = static_cast<uint32_t>(s / 2);
    out.push_back({static_cast<io::SocketId>(4 * c + 2 * (s % 2)), party_addr(c, s % 2 == 0)});
  }
  return out;
}

struct OwnTable {
  std::unique_ptr<Endpoint[]> slots;
  engine::EndpointTable view;
  explicit OwnTable(uint32_t calls) : slots(new Endpoint[size_t{calls} * 4]) {
    const auto cfgs = call_configs(calls);
    for (size_t i = 0; i < cfgs.size(); ++i) slots[i].reset(cfgs[i]);
    view = {slots.get(), static_cast<uint32_t>(cfgs.size())};
  }
};

// 32 packet buffers holding PCMU packets, as a backend would hand them out.
struct Burst {
  std::vector<std::array<uint8_t, kPcmuPacketBytes>> bytes;
  io::Packet pkts[kBurst];
  Burst() : bytes(kBurst) {
    for (size_t i = 0; i < kBurst; ++i) {
      bytes[i] = pcmu_packet(static_cast<uint16_t>(i), 0xABCD'0000u + static_cast<uint32_t>(i));
      pkts[i].data = bytes[i].data();
      pkts[i].len = kPcmuPacketBytes;
      pkts[i].cap = kPcmuPacketBytes;
    }
  }
  // What rx_burst does for the packet metadata.
  void arrive(const std::vector<Arrival>& seq, size_t* pos) {
    for (size_t i = 0; i < kBurst; ++i) {
      const Arrival& a = seq[*pos];
      *pos = *pos + 1 == seq.size() ? 0 : *pos + 1;
      pkts[i].socket = a.socket;
      pkts[i].addr = a.from;
    }
  }
};

void relay_one_burst(benchmark::State& state) {
  const auto calls = static_cast<uint32_t>(state.range(0));
  OwnTable table(calls);
  const auto seq = arrivals(calls);
  Burst burst;
  size_t pos = 0;
  int64_t now = 1'000'000'000;
  // Warm-up pass: every stream latches once.
  for (size_t done = 0; done < seq.size(); done += kBurst) {
    burst.arrive(seq, &pos);
    for (io::Packet& p : burst.pkts) (void)engine::relay_one(table.view, &p, now);
  }
  pos = 0;
  uint64_t drops = 0;
  for (auto _ : state) {
    burst.arrive(seq, &pos);
    now += 20'000'000;
    for (io::Packet& p : burst.pkts) {
      if (engine::relay_one(table.view, &p, now)) ++drops;
    }
    benchmark::DoNotOptimize(burst.pkts);
  }
  report_items(state, static_cast<int64_t>(state.iterations() * kBurst));
  state.counters["drops"] = static_cast<double>(drops);
}

void limit_table_lookup(benchmark::State& state) {
  const auto calls = static_cast<uint32_t>(state.range(0));
  OwnTable table(calls);
  const auto seq = arrivals(calls);
  Burst burst;
  size_t pos = 0;
  for (size_t done = 0; done < seq.size(); done += kBurst) {  // same latched state as above
    burst.arrive(seq, &pos);
    for (io::Packet& p : burst.pkts) (void)engine::relay_one(table.view, &p, 1);
  }
  pos = 0;
  for (auto _ : state) {
    burst.arrive(seq, &pos);
    for (io::Packet& p : burst.pkts) {
      const Endpoint& e = table.view.slots[p.socket];
      const io::SocketId out = e.cfg.forward_to;
      p.socket = out;
      p.addr = table.view.slots[out].latched_addr;
    }
    benchmark::DoNotOptimize(burst.pkts);
  }
  report_items(state, static_cast<int64_t>(state.iterations() * kBurst));
}

void shard_poll_once(benchmark::State& state) {
  constexpr size_t kBurstsPerSection = 16;
  const auto calls = static_cast<uint32_t>(state.range(0));
  const uint32_t endpoints = calls * 4;

  io::BackendOptions opts;
  opts.pool_packets = 4096;
  opts.buffer_size = 2048;
  opts.max_sockets = endpoints;
  opts.burst = kBurst;
  auto owned = std::make_unique<io::LoopbackBackend>(opts);
  io::LoopbackBackend* loop = owned.get();
  std::unique_ptr<Endpoint[]> slots(new Endpoint[endpoints]);
  engine::Shard shard(0, std::move(owned), {slots.get(), endpoints}, kBurst);

  const auto cfgs = call_configs(calls);
  for (uint32_t id = 0; id < endpoints; ++id) {
    engine::ShardCommand cmd;
    cmd.op = engine::ShardCommand::Op::add;
    cmd.id = id;
    cmd.fd = -1;
    cmd.cfg = cfgs[id];
    (void)shard.post(cmd);
    if (id % 1024 == 1023) (void)shard.poll_once(0);  // no thread: apply before the queue fills
  }
  (void)shard.poll_once(0);

  const auto seq = arrivals(calls);
  const auto payload = pcmu_packet(1, 0xABCD'0000u);
  const std::function<void(const io::Packet&)> discard = [](const io::Packet&) {};
  size_t pos = 0;
  auto inject = [&](size_t n) {
    for (size_t i = 0; i < n; ++i) {
      const Arrival& a = seq[pos];
      pos = pos + 1 == seq.size() ? 0 : pos + 1;
      if (!loop->inject(a.socket, a.from, payload)) state.SkipWithError("loopback inject failed");
    }
  };
  for (size_t done = 0; done < seq.size(); done += kBurst) {  // warm-up: latch every stream
    inject(kBurst);
    (void)shard.poll_once(0);
    loop->drain_sent(discard);
  }
  pos = 0;
  const uint64_t relayed_before = shard.counters().relayed_packets.get();

  ThreadCpuTimer timer;
  for (auto _ : state) {
    inject(kBurst * kBurstsPerSection);
    timer.start();
    for (size_t b = 0; b < kBurstsPerSection; ++b) (void)shard.poll_once(0);
    state.SetIterationTime(timer.stop());
    loop->drain_sent(discard);
  }
  const uint64_t packets = state.iterations() * kBurst * kBurstsPerSection;
  report_items(state, static_cast<int64_t>(packets));
  report_wall(state, timer, static_cast<int64_t>(packets));
  state.counters["drops"] =
      static_cast<double>(packets - (shard.counters().relayed_packets.get() - relayed_before));
}

void calls_args(benchmark::internal::Benchmark* b) {
  b->ArgName("calls")->Arg(1)->Arg(1000)->Arg(5000);
}

[[maybe_unused]] const bool kRegistered = [] {
  with_min_max(benchmark::RegisterBenchmark("relay/relay_one", relay_one_burst))->Apply(calls_args);
  with_min_max(benchmark::RegisterBenchmark("relay/shard_poll_once_loopback", shard_poll_once),
               Timing::manual)
      ->Apply(calls_args);
  with_min_max(benchmark::RegisterBenchmark("relay/limit:table_lookup", limit_table_lookup))
      ->Apply(calls_args);
  return true;
}();

}  // namespace
}  // namespace rtpx::bench
