// Per-frame cost of encoding and decoding 20 ms of speech with each codec rtpx transcodes, and of
// resampling 20 ms between the rates a transcoding path uses. One iteration = one 20 ms frame;
// the input cycles through one second of a speech-like signal (tests/unit/codecs), so VBR codecs
// see voiced and quieter frames alike. Opus runs at 32 kbit/s (a common VoIP rate); its decode cost
// depends on the PCM rate, not on the complexity the packets were encoded with.

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/micro/micro_common.hpp"
#include "codecs/codec/codec_registry.hpp"
#include "codecs/resample/resampler.hpp"
#include "tests/unit/codecs/signal_quality.hpp"

namespace rtpx::bench::codecs {
namespace {

using namespace rtpx::codecs;

constexpr uint32_t kOpusBitrate = 32000;

struct Setup {
  std::string label;  // in the benchmark name
  std::string name;
  uint32_t clock;
  uint32_t rate;  // PCM rate (0: the codec's own)
  int complexity;
};

CodecParams params_of(const Setup& s) {
  CodecParams p;
  p.sample_rate = s.rate;
  p.channels = find_codec(s.name, s.clock)->channels;
  p.complexity = s.complexity;
  if (s.name == "opus") p.bitrate = kOpusBitrate;
  return p;
}

// One second of speech-like input cut into 20 ms frames.
std::vector<std::vector<int16_t>> frames_of(uint32_t rate) {
  const auto sig = rtpx::codecs::test::speech_like(rate, rate);
  std::vector<std::vector<int16_t>> out;
  for (size_t at = 0; at + rate / 50 <= sig.size(); at += rate / 50)
    out.emplace_back(sig.begin() + long(at), sig.begin() + long(at + rate / 50));
  return out;
}

void bm_encode(benchmark::State& state, Setup s) {
  std::string error;
  auto enc = find_codec(s.name, s.clock)->make_encoder(params_of(s), &error);
  if (enc == nullptr) {
    state.SkipWithError(error.c_str());
    return;
  }
  const auto frames = frames_of(enc->sample_rate());
  std::vector<uint8_t> out(4000);
  size_t i = 0;
  for (auto _ : state) {
    const int n = enc->encode(frames[i], out);
    if (n < 0) {
      state.SkipWithError("encode failed");
      break;
    }
    benchmark::DoNotOptimize(out.data());
    if (++i == frames.size()) i = 0;
  }
  report_items(state, state.iterations());
}

void bm_decode(benchmark::State& state, Setup s) {
  std::string error;
  const CodecDescriptor* d = find_codec(s.name, s.clock);
  auto enc = d->make_encoder(params_of(s), &error);
  auto dec = d->make_decoder(params_of(s), &error);
  if (enc == nullptr || dec == nullptr) {
    state.SkipWithError(error.c_str());
    return;
  }
  std::vector<std::vector<uint8_t>> payloads;
  std::vector<uint8_t> buf(4000);
  for (const auto& f : frames_of(enc->sample_rate())) {
    const int n = enc->encode(f, buf);
    payloads.emplace_back(buf.begin(), buf.begin() + n);
  }
  std::vector<int16_t> pcm(5760);
  size_t i = 0;
  for (auto _ : state) {
    if (dec->decode(payloads[i], pcm) < 0) {
      state.SkipWithError("decode failed");
      break;
    }
    benchmark::DoNotOptimize(pcm.data());
    if (++i == payloads.size()) i = 0;
  }
  report_items(state, state.iterations());
}

void bm_resample(benchmark::State& state, uint32_t in_rate, uint32_t out_rate, int quality) {
  std::string error;
  auto r = Resampler::create(in_rate, out_rate, quality, &error);
  if (r == nullptr) {
    state.SkipWithError(error.c_str());
    return;
  }
  const auto frames = frames_of(in_rate);
  std::vector<int16_t> out(r->max_output(in_rate / 50));
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(r->process(frames[i], out));
    benchmark::DoNotOptimize(out.data());
    if (++i == frames.size()) i = 0;
  }
  report_items(state, state.iterations());
}

void register_all() {
  std::vector<Setup> encode = {
      {"PCMU", "PCMU", 8000, 0, -1},
      {"PCMA", "PCMA", 8000, 0, -1},
      {"G722", "G722", 8000, 0, -1},
      {"L16@8k", "L16", 8000, 0, -1},
  };
  std::vector<Setup> decode = encode;
  for (uint32_t rate : {8000u, 16000u, 48000u}) {
    const std::string label = "opus@" + std::to_string(rate / 1000) + "k";
    for (int c : {0, 5, 10})
      encode.push_back({label + "/c" + std::to_string(c), "opus", 48000, rate, c});
    decode.push_back({label, "opus", 48000, rate, 5});
  }
  for (const Setup& s : encode)
    with_min_max(benchmark::RegisterBenchmark(("encode/" + s.label).c_str(), bm_encode, s));
  for (const Setup& s : decode)
    with_min_max(benchmark::RegisterBenchmark(("decode/" + s.label).c_str(), bm_decode, s));
  struct Rates {
    uint32_t in, out;
    int quality;
  };
  for (Rates r : {Rates{8000, 48000, Resampler::kDefaultQuality},
                  Rates{48000, 8000, Resampler::kDefaultQuality},
                  Rates{8000, 16000, Resampler::kDefaultQuality},
                  Rates{16000, 8000, Resampler::kDefaultQuality}, Rates{8000, 48000, 10}}) {
    const std::string name = "resample/" + std::to_string(r.in) + "->" + std::to_string(r.out) +
                             "/q" + std::to_string(r.quality);
    with_min_max(benchmark::RegisterBenchmark(name.c_str(), bm_resample, r.in, r.out, r.quality));
  }
}

}  // namespace
}  // namespace rtpx::bench::codecs

int main(int argc, char** argv) {
  rtpx::bench::codecs::register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
