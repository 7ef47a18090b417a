// SRTP protect and unprotect of one 172-byte RTP packet, per packet: rtpx's Context next to
// libsrtp2 (the peer) and the bare OpenSSL primitives the transform is made of (the limit, in
// srtp_raw_bench.cpp), for AES_CM_128_HMAC_SHA1_80 and AEAD_AES_128_GCM.
//
// Names: srtp_<op>/<suite>/<rtpx | peer:libsrtp2 | limit:openssl>.

#include <srtp2/srtp.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "bench/srtp/srtp_bench_common.hpp"
#include "engine/srtp/srtp_context.hpp"

namespace rtpx::bench::srtp {
namespace {

namespace es = rtpx::engine::srtp;

es::MasterKey master_key(es::Suite s) {
  const es::SuiteInfo& i = es::info(s);
  const auto k = random_key(i.key_len + i.salt_len);
  es::MasterKey mk;
  mk.suite = s;
  std::memcpy(mk.key.data(), k.data(), i.key_len);
  std::memcpy(mk.salt.data(), k.data() + i.key_len, i.salt_len);
  return mk;
}

std::unique_ptr<es::Context> context(es::Suite s, es::Context::Direction d) {
  std::string error;
  auto c = es::Context::create(master_key(s), d, &error);
  if (!c) {
    std::fprintf(stderr, "srtp_bench: %s\n", error.c_str());
    std::abort();
  }
  return c;
}

// --- rtpx ---

void rtpx_protect(benchmark::State& state, es::Suite suite) {
  auto tx = context(suite, es::Context::Direction::outbound);
  const auto plain = pcmu_packet(1, kSsrc);
  Buffer buf{};
  uint16_t seq = 0;
  for (auto _ : state) {
    std::memcpy(buf.data(), plain.data(), plain.size());
    set_seq(buf.data(), seq++);
    uint32_t len = kPcmuPacketBytes;
    if (tx->protect_rtp(buf.data(), &len, buf.size()) != es::Status::ok) {
      state.SkipWithError("protect failed");
      break;
    }
    benchmark::DoNotOptimize(buf.data());
  }
  report_items(state, state.iterations());
}

void rtpx_unprotect(benchmark::State& state, es::Suite suite) {
  auto tx = context(suite, es::Context::Direction::outbound);
  std::vector<Buffer> ring(kRing);
  std::vector<uint32_t> lens(kRing);
  for (size_t i = 0; i < kRing; ++i) {
    const auto p = pcmu_packet(static_cast<uint16_t>(i), kSsrc);
    std::memcpy(ring[i].data(), p.data(), p.size());
    lens[i] = kPcmuPacketBytes;
    if (tx->protect_rtp(ring[i].data(), &lens[i], ring[i].size()) != es::Status::ok) std::abort();
  }
  auto rx = context(suite, es::Context::Direction::inbound);
  Buffer buf{};
  size_t i = 0;
  for (auto _ : state) {
    if (i == kRing) {
      state.PauseTiming();
      rx = context(suite, es::Context::Direction::inbound);
      i = 0;
      state.ResumeTiming();
    }
    std::memcpy(buf.data(), ring[i].data(), lens[i]);
    uint32_t len = lens[i];
    ++i;
    if (rx->unprotect_rtp(buf.data(), &len) != es::Status::ok) {
      state.SkipWithError("unprotect failed");
      break;
    }
    benchmark::DoNotOptimize(buf.data());
  }
  report_items(state, state.iterations());
}

// --- libsrtp2 ---

srtp_t libsrtp_session(es::Suite suite, bool sender) {
  static const bool initialised = srtp_init() == srtp_err_status_ok;
  if (!initialised) std::abort();
  const es::SuiteInfo& i = es::info(suite);
  auto key = random_key(i.key_len + i.salt_len);
  srtp_policy_t p;
  std::memset(&p, 0, sizeof(p));
  if (suite == es::Suite::aead_aes_128_gcm) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
  } else {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
  }
  p.ssrc.type = sender ? ssrc_any_outbound : ssrc_any_inbound;
  p.key = key.data();
  p.window_size = 128;
  srtp_t s = nullptr;
  if (srtp_create(&s, &p) != srtp_err_status_ok) std::abort();
  return s;
}

void libsrtp_protect(benchmark::State& state, es::Suite suite) {
  srtp_t tx = libsrtp_session(suite, true);
  const auto plain = pcmu_packet(1, kSsrc);
  Buffer buf{};
  uint16_t seq = 0;
  for (auto _ : state) {
    std::memcpy(buf.data(), plain.data(), plain.size());
    set_seq(buf.data(), seq++);
    int len = kPcmuPacketBytes;
    if (srtp_protect(tx, buf.data(), &len) != srtp_err_status_ok) {
      state.SkipWithError("srtp_protect failed");
      break;
    }
    benchmark::DoNotOptimize(buf.data());
  }
  srtp_dealloc(tx);
  report_items(state, state.iterations());
}

void libsrtp_unprotect(benchmark::State& state, es::Suite suite) {
  srtp_t tx = libsrtp_session(suite, true);
  std::vector<Buffer> ring(kRing);
  std::vector<int> lens(kRing);
  for (size_t i = 0; i < kRing; ++i) {
    const auto p = pcmu_packet(static_cast<uint16_t>(i), kSsrc);
    std::memcpy(ring[i].data(), p.data(), p.size());
    lens[i] = kPcmuPacketBytes;
    if (srtp_protect(tx, ring[i].data(), &lens[i]) != srtp_err_status_ok) std::abort();
  }
  srtp_dealloc(tx);
  srtp_t rx = libsrtp_session(suite, false);
  Buffer buf{};
  size_t i = 0;
  for (auto _ : state) {
    if (i == kRing) {
      state.PauseTiming();
      srtp_dealloc(rx);
      rx = libsrtp_session(suite, false);
      i = 0;
      state.ResumeTiming();
    }
    std::memcpy(buf.data(), ring[i].data(), static_cast<size_t>(lens[i]));
    int len = lens[i];
    ++i;
    if (srtp_unprotect(rx, buf.data(), &len) != srtp_err_status_ok) {
      state.SkipWithError("srtp_unprotect failed");
      break;
    }
    benchmark::DoNotOptimize(buf.data());
  }
  srtp_dealloc(rx);
  report_items(state, state.iterations());
}

}  // namespace

void register_context_benchmarks() {
  for (es::Suite s : {es::Suite::aes_cm_128_hmac_sha1_80, es::Suite::aead_aes_128_gcm}) {
    const std::string name(es::info(s).name);
    with_min_max(
        benchmark::RegisterBenchmark(("srtp_protect/" + name + "/rtpx").c_str(), rtpx_protect, s));
    with_min_max(benchmark::RegisterBenchmark(("srtp_protect/" + name + "/peer:libsrtp2").c_str(),
                                              libsrtp_protect, s));
    with_min_max(benchmark::RegisterBenchmark(("srtp_unprotect/" + name + "/rtpx").c_str(),
                                              rtpx_unprotect, s));
    with_min_max(benchmark::RegisterBenchmark(("srtp_unprotect/" + name + "/peer:libsrtp2").c_str(),
                                              libsrtp_unprotect, s));
  }
}

}  // namespace rtpx::bench::srtp

int main(int argc, char** argv) {
  rtpx::bench::srtp::register_context_benchmarks();
  rtpx::bench::srtp::register_raw_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
