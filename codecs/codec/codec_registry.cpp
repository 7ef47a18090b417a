#include "codecs/codec/codec_registry.hpp"

#include "codecs/codec/ascii.hpp"
#include "codecs/g711/g711_codec.hpp"
#include "codecs/g722/g722_codec.hpp"
#include "codecs/l16/l16_codec.hpp"
#include "codecs/opus/opus_codec.hpp"

namespace rtpx::codecs {
namespace {

template <uint32_t kRate, uint8_t kChannels>
std::unique_ptr<Decoder> l16_decoder(const CodecParams& p, std::string* error) {
  return make_l16_decoder(kRate, kChannels, p, error);
}
template <uint32_t kRate, uint8_t kChannels>
std::unique_ptr<Encoder> l16_encoder(const CodecParams& p, std::string* error) {
  return make_l16_encoder(kRate, kChannels, p, error);
}

template <uint32_t kRate, uint8_t kChannels>
constexpr CodecDescriptor l16(int static_pt) {
  return {"L16",
          kRate,
          kChannels,
          static_pt,
          kRate,
          "",
          false,
          &l16_decoder<kRate, kChannels>,
          &l16_encoder<kRate, kChannels>};
}

// In the order rtpx prefers them: opus, then wideband G.722, then the G.711 pair everyone has,
// then L16 (uncompressed, rarely wanted on a network).
constexpr CodecDescriptor kCodecs[] = {
    // name, clock, channels, static PT, PCM rate, fmtp rtpx offers, has_plc, factories
    // opus is offered without fmtp, as rtpengine 10.5 offers it (an ng codec string can add one:
    // "opus/48000/2///useinbandfec--1").
    {"opus", 48000, 2, -1, 48000, "", true, &make_opus_decoder, &make_opus_encoder},
    {"G722", 8000, 1, 9, 16000, "", false, &make_g722_decoder, &make_g722_encoder},
    {"PCMU", 8000, 1, 0, 8000, "", false, &make_pcmu_decoder, &make_pcmu_encoder},
    {"PCMA", 8000, 1, 8, 8000, "", false, &make_pcma_decoder, &make_pcma_encoder},
    l16<8000, 1>(-1),
    l16<16000, 1>(-1),
    l16<44100, 1>(11),
    l16<44100, 2>(10),
    l16<48000, 1>(-1),
};

}  // namespace

std::span<const CodecDescriptor> all_codecs() {
  return kCodecs;
}

const CodecDescriptor* find_codec(std::string_view name, uint32_t clock_rate, uint8_t channels) {
  for (const CodecDescriptor& d : kCodecs) {
    if ((clock_rate == 0 || d.clock_rate == clock_rate) &&
        (channels == 0 || channels == d.channels) && iequals_ascii(d.name, name))
      return &d;
  }
  return nullptr;
}

}  // namespace rtpx::codecs
