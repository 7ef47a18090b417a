// Runs a libFuzzer target without libFuzzer (g++ builds, CI): every seed in a corpus folder, then
// a fixed number of deterministic mutations of them (bit flips, byte edits, truncation, splices).
// Not coverage-guided: a regression net for the parsers under ASan/UBSan. Real fuzzing uses the
// clang build (RTPX_BUILD_FUZZ=ON) with the same targets.
//
//   usage: <target> CORPUS_DIR [ITERATIONS]

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

struct Rng {
  uint64_t s = 0x9e3779b97f4a7c15ull;
  uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  size_t below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(next() % n); }
};

std::vector<uint8_t> mutate(std::vector<uint8_t> in, const std::vector<std::vector<uint8_t>>& seeds,
                            Rng& rng) {
  const int edits = 1 + static_cast<int>(rng.below(8));
  for (int e = 0; e < edits; ++e) {
    switch (rng.below(7)) {
      case 0:  // flip a bit
        if (!in.empty()) in[rng.below(in.size())] ^= static_cast<uint8_t>(1u << rng.below(8));
        break;
      case 1:  // overwrite a byte with an interesting value
        if (!in.empty()) {
          static const uint8_t kValues[] = {0,   0xff, 0x7f, 0x80, '\r', '\n',
                                            ':', ' ',  'e',  'i',  '-',  '9'};
          in[rng.below(in.size())] = kValues[rng.below(sizeof kValues)];
        }
        break;
      case 2:  // insert a random byte
        in.insert(in.begin() + static_cast<long>(rng.below(in.size() + 1)),
                  static_cast<uint8_t>(rng.next()));
        break;
      case 3:  // delete a range
        if (!in.empty()) {
          size_t at = rng.below(in.size());
          size_t n = 1 + rng.below(std::min<size_t>(16, in.size() - at));
          in.erase(in.begin() + static_cast<long>(at), in.begin() + static_cast<long>(at + n));
        }
        break;
      case 4:  // truncate
        in.resize(rng.below(in.size() + 1));
        break;
      case 5: {  // splice in part of another seed
        const auto& other = seeds[rng.below(seeds.size())];
        if (other.empty()) break;
        size_t from = rng.below(other.size());
        size_t n = 1 + rng.below(other.size() - from);
        in.insert(in.begin() + static_cast<long>(rng.below(in.size() + 1)),
                  other.begin() + static_cast<long>(from),
                  other.begin() + static_cast<long>(from + n));
        break;
      }
      default:  // duplicate a range
        if (!in.empty()) {
          size_t at = rng.below(in.size());
          size_t n = 1 + rng.below(std::min<size_t>(32, in.size() - at));
          std::vector<uint8_t> part(in.begin() + static_cast<long>(at),
                                    in.begin() + static_cast<long>(at + n));
          in.insert(in.begin() + static_cast<long>(at), part.begin(), part.end());
        }
        break;
    }
  }
  return in;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR [ITERATIONS]\n", argv[0]);
    return 2;
  }
  const long iterations = argc > 2 ? std::strtol(argv[2], nullptr, 10) : 20000;
  std::vector<std::vector<uint8_t>> seeds;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
    std::ifstream f(entry.path(), std::ios::binary);
    seeds.emplace_back(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  if (seeds.empty()) {
    std::fprintf(stderr, "%s: no seeds in %s\n", argv[0], argv[1]);
    return 2;
  }
  for (const auto& s : seeds) LLVMFuzzerTestOneInput(s.data(), s.size());
  Rng rng;
  for (long i = 0; i < iterations; ++i) {
    std::vector<uint8_t> in = mutate(seeds[rng.below(seeds.size())], seeds, rng);
    LLVMFuzzerTestOneInput(in.data(), in.size());
  }
  std::printf("%zu seeds and %ld mutated inputs: no crash\n", seeds.size(), iterations);
  return 0;
}
