// Codec negotiation through rtpxd (ng `codec` options, rtpengine's meaning): what the answerer is
// offered, what the offerer is answered, when media passes through and when it is transcoded, and
// the errors that name the field.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "control/session/codec_negotiation.hpp"
#include "tests/unit/control/session_fixture.hpp"

namespace rtpx::control {
namespace {

std::string offer_sdp(uint16_t port, const std::string& formats, const std::string& attrs) {
  return "v=0\r\no=- 7 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio " +
         std::to_string(port) + " RTP/AVP " + formats + "\r\n" + attrs;
}

const std::string kPcmuTe =
    "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 "
    "0-16\r\na=ptime:20\r\n";
const std::string kOpusTe =
    "a=rtpmap:96 opus/48000/2\r\na=fmtp:96 useinbandfec=1\r\na=rtpmap:97 telephone-event/48000\r\n"
    "a=fmtp:97 0-16\r\n";

sdp::Media media_of(const std::string& text) {
  auto r = sdp::parse(text);
  EXPECT_TRUE(r.ok()) << r.error.message;
  return r.session->media.at(0);
}

std::vector<std::string> rtpmaps(const std::string& text) {
  std::vector<std::string> out;
  const sdp::Media m = media_of(text);
  for (const sdp::Attribute* a : m.find_attributes("rtpmap")) out.push_back(*a->value);
  return out;
}

std::string formats(const std::string& text) {
  std::string out;
  for (const std::string& f : media_of(text).formats) out += (out.empty() ? "" : " ") + f;
  return out;
}

TEST(PayloadFormats, StaticAndDynamicTypes) {
  const auto f = payload_formats(media_of(offer_sdp(4000, "0 8 9 101 96",
                                                    kPcmuTe + "a=rtpmap:96 opus/48000/2\r\n"
                                                              "a=fmtp:96 useinbandfec=1\r\n")));
  ASSERT_EQ(f.size(), 5u);
  EXPECT_EQ(f[0].rtpmap(), "PCMU/8000");
  EXPECT_EQ(f[1].rtpmap(), "PCMA/8000");  // static, no rtpmap line
  EXPECT_EQ(f[2].rtpmap(), "G722/8000");
  EXPECT_TRUE(f[3].telephone_event());
  EXPECT_EQ(f[3].fmtp, "0-16");
  EXPECT_EQ(f[4].rtpmap(), "opus/48000/2");
  EXPECT_EQ(f[4].fmtp, "useinbandfec=1");
}

class CodecNegotiation : public SessionServiceTest {
 protected:
  std::string offer(const std::string& body, const CodecOptions& o, uint32_t ptime = 0) {
    SignalRequest r = req("c1", body);
    r.codec = o;
    r.ptime = ptime;
    auto out = svc_->offer(r);
    EXPECT_TRUE(out) << (out ? "" : out.error().message);
    settle();
    return out ? *out : "";
  }
  std::string answer(const std::string& body) {
    SignalRequest r = req("c1", body, "B");
    auto out = svc_->answer(r);
    EXPECT_TRUE(out) << (out ? "" : out.error().message);
    settle();
    return out ? *out : "";
  }
  nlohmann::json stream(int leg) {
    auto q = svc_->query("c1");
    EXPECT_TRUE(q);
    nlohmann::json j;
    const StreamSnapshot& s = q->legs.at(leg).media.at(0).streams.at(0);
    j["codec"] = s.codec;
    if (s.transcode) {
      j["from"] = s.transcode->from_codec;
      j["to"] = s.transcode->to_codec;
      j["ptime"] = s.transcode->to_ptime;
    }
    return j;
  }
};

TEST_F(CodecNegotiation, WithoutOptionsTheCodecsPassUnchanged) {
  const std::string o = offer(offer_sdp(4000, "0 8 101", kPcmuTe), {});
  EXPECT_EQ(formats(o), "0 8 101");
  const std::string a = answer(offer_sdp(5000, "8 101", kPcmuTe));
  EXPECT_EQ(formats(a), "8 101");
  EXPECT_EQ(stream(0)["codec"], "PCMA/8000");
  EXPECT_FALSE(stream(0).contains("to")) << "no transcoding";
}

// rtpengine 10.5: the added codec goes before the first telephone-event, a telephone-event at its
// clock rate (fmtp 0-15) right after it; opus is written without fmtp.
TEST_F(CodecNegotiation, TranscodeAddsTheCodecAndItsTelephoneEvent) {
  CodecOptions o;
  o.transcode = {"opus"};
  const std::string out = offer(offer_sdp(4000, "0 8 101", kPcmuTe), o);
  EXPECT_EQ(formats(out), "0 8 96 97 101");
  EXPECT_EQ(rtpmaps(out),
            (std::vector<std::string>{"0 PCMU/8000", "8 PCMA/8000", "96 opus/48000/2",
                                      "97 telephone-event/48000", "101 telephone-event/8000"}));
  std::vector<std::string> fmtps;
  const sdp::Media m = media_of(out);
  for (const sdp::Attribute* a : m.find_attributes("fmtp")) fmtps.push_back(*a->value);
  EXPECT_EQ(fmtps, (std::vector<std::string>{"97 0-15", "101 0-16"}));
}

TEST_F(CodecNegotiation, AddedCodecsGoBeforeTheFirstTelephoneEventAndSkipTakenNumbers) {
  CodecOptions o;
  o.transcode = {"opus", "G722"};
  const std::string out = offer(
      offer_sdp(4000, "101 96 0", "a=rtpmap:101 telephone-event/8000\r\na=rtpmap:96 iLBC/8000\r\n"),
      o);
  // opus 97 (96 is taken by iLBC), G722 static 9, then the event for opus's clock (numbers are
  // given to the codecs first, then to the events), then the original event.
  EXPECT_EQ(formats(out), "97 9 98 101 96 0");
}

TEST_F(CodecNegotiation, AnswerWithTheAddedCodecTranscodesBothWays) {
  CodecOptions o;
  o.transcode = {"opus"};
  offer(offer_sdp(4000, "0 101", kPcmuTe), o);
  const std::string a = answer(offer_sdp(5000, "96 97", kOpusTe));
  // The offerer is answered with its own codec and telephone-event.
  EXPECT_EQ(formats(a), "0 101");
  EXPECT_EQ(rtpmaps(a), (std::vector<std::string>{"0 PCMU/8000", "101 telephone-event/8000"}));
  EXPECT_EQ(stream(0)["from"], "PCMU/8000");
  EXPECT_EQ(stream(0)["to"], "opus/48000/2");
  EXPECT_EQ(stream(1)["from"], "opus/48000/2");
  EXPECT_EQ(stream(1)["to"], "PCMU/8000");
  EXPECT_EQ(stream(1)["ptime"], 20);
}

TEST_F(CodecNegotiation, AnswerWithAnOfferedCodecPassesThrough) {
  CodecOptions o;
  o.transcode = {"opus"};
  offer(offer_sdp(4000, "0 101", kPcmuTe), o);
  const std::string a = answer(offer_sdp(5000, "0 101", kPcmuTe));
  EXPECT_EQ(formats(a), "0 101");
  EXPECT_FALSE(stream(0).contains("to"));
  EXPECT_FALSE(stream(1).contains("to"));
}

TEST_F(CodecNegotiation, StripRemovesCodecsButKeepsTheRest) {
  CodecOptions o;
  o.strip = {"PCMA"};
  EXPECT_EQ(formats(offer(offer_sdp(4000, "8 0 101", kPcmuTe), o)), "0 101");
}

TEST_F(CodecNegotiation, StripAllExceptKeepsOnlyTheNamedInTheirOrder) {
  CodecOptions o;
  o.strip = {"all"};
  o.except = {"PCMA", "PCMU"};
  EXPECT_EQ(formats(offer(offer_sdp(4000, "0 8 9 101", kPcmuTe), o)), "0 8");  // events too
}

TEST_F(CodecNegotiation, OfferBringsStrippedCodecsBackInItsOrder) {
  CodecOptions o;
  o.strip = {"all"};
  o.offer = {"PCMA", "PCMU", "G729"};  // G729 was not offered: ignored
  EXPECT_EQ(formats(offer(offer_sdp(4000, "0 9 8 101", kPcmuTe), o)), "8 0");
}

TEST_F(CodecNegotiation, OfferAloneDoesNotReorder) {
  CodecOptions o;
  o.offer = {"PCMA", "PCMU"};
  EXPECT_EQ(formats(offer(offer_sdp(4000, "0 8 101", kPcmuTe), o)), "0 8 101");
}

TEST_F(CodecNegotiation, ConsumeKeepsTheCodecForTheOffererAndTranscodes) {
  CodecOptions o;
  o.consume = {"PCMU"};
  EXPECT_EQ(formats(offer(offer_sdp(4000, "0 8 101", kPcmuTe), o)), "8 101");
  EXPECT_EQ(formats(answer(offer_sdp(5000, "8 101", kPcmuTe))), "0 101");
  EXPECT_EQ(stream(0)["to"], "PCMA/8000");
  EXPECT_EQ(stream(1)["to"], "PCMU/8000");
}

TEST_F(CodecNegotiation, MaskHidesACodecYetTranscodesFromIt) {
  CodecOptions o;
  o.mask = {"PCMU"};
  o.transcode = {"PCMA"};
  const std::string out = offer(offer_sdp(4000, "0 101", kPcmuTe), o);
  EXPECT_EQ(formats(out), "8 101");
  const std::string a = answer(offer_sdp(5000, "8 101", kPcmuTe));
  EXPECT_EQ(formats(a), "0 101");
  EXPECT_EQ(stream(0)["to"], "PCMA/8000");
  EXPECT_EQ(stream(1)["to"], "PCMU/8000");
}

// The bitrate field of a transcode entry sets the encoder towards the answerer, `set` the one
// towards the offerer; neither shows in the SDP (rtpengine 10.5).
TEST(CodecBitrate, SetGoesToTheEncoderTowardsTheOfferer) {
  sdp::Media m = media_of(offer_sdp(4000, "96", "a=rtpmap:96 opus/48000/2\r\n"));
  CodecOptions o;
  o.mask = {"opus"};
  o.transcode = {"PCMU"};
  o.set = {"opus/48000/2/16000"};
  CodecSide a, b;
  ASSERT_TRUE(codec_offer(o, 0, m, a, b));
  EXPECT_EQ(m.formats, (std::vector<std::string>{"0"}));
  EXPECT_TRUE(m.find_attributes("fmtp").empty());  // no bitrate in the SDP
  sdp::Media ans = media_of(offer_sdp(5000, "0", "a=rtpmap:0 PCMU/8000\r\n"));
  ASSERT_TRUE(codec_answer(ans, a, b));
  EXPECT_EQ(ans.formats, (std::vector<std::string>{"96"}));
  EXPECT_EQ(transcoder_config(b, a, 5).output_params.bitrate, 16000u);  // towards A
  EXPECT_EQ(transcoder_config(a, b, 5).output->name, "PCMU");
}

TEST(CodecBitrate, TranscodeEntryBitrateGoesToTheEncoderTowardsTheAnswerer) {
  sdp::Media m = media_of(offer_sdp(4000, "0", "a=rtpmap:0 PCMU/8000\r\n"));
  CodecOptions o;
  o.transcode = {"opus/48000/2/32000"};
  CodecSide a, b;
  ASSERT_TRUE(codec_offer(o, 0, m, a, b));
  EXPECT_EQ(m.formats, (std::vector<std::string>{"0", "96"}));
  sdp::Media ans = media_of(offer_sdp(5000, "96", "a=rtpmap:96 opus/48000/2\r\n"));
  ASSERT_TRUE(codec_answer(ans, a, b));
  EXPECT_EQ(transcoder_config(a, b, 5).output_params.bitrate, 32000u);
  EXPECT_EQ(transcoder_config(a, b, 5).output_params.complexity, 5);
}

TEST(CodecOptionsParse, OpusFmtpInTheCodecString) {
  sdp::Media m = media_of(offer_sdp(4000, "0", "a=rtpmap:0 PCMU/8000\r\n"));
  CodecOptions o;
  o.transcode = {"opus/48000/2///useinbandfec--1;stereo--0"};
  CodecSide a, b;
  ASSERT_TRUE(codec_offer(o, 0, m, a, b));
  ASSERT_EQ(m.find_attributes("fmtp").size(), 1u);
  EXPECT_EQ(*m.find_attributes("fmtp")[0]->value, "96 useinbandfec=1;stereo=0");
}

TEST_F(CodecNegotiation, PtimeRepacketisesTowardsTheRecipient) {
  const std::string out =
      offer(offer_sdp(4000, "0", "a=rtpmap:0 PCMU/8000\r\na=ptime:20\r\n"), {}, 30);
  const sdp::Media m = media_of(out);
  ASSERT_NE(m.find_attribute("ptime"), nullptr);
  EXPECT_EQ(m.find_attribute("ptime")->value, "30");
  answer(offer_sdp(5000, "0", "a=rtpmap:0 PCMU/8000\r\na=ptime:30\r\n"));
  EXPECT_EQ(stream(0)["to"], "PCMU/8000");
  EXPECT_EQ(stream(0)["ptime"], 30);  // what the offerer sends goes out in 30 ms packets
  EXPECT_FALSE(stream(1).contains("to")) << "the answerer's media passes through (rtpengine)";
}

TEST_F(CodecNegotiation, UnknownTranscodeCodecIsRefusedNamingTheField) {
  SignalRequest r = req("c1", offer_sdp(4000, "0", "a=rtpmap:0 PCMU/8000\r\n"));
  r.codec.transcode = {"G729"};
  auto out = svc_->offer(r);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "codec");
  EXPECT_NE(out.error().message.find("G729"), std::string::npos);
  EXPECT_FALSE(svc_->query("c1")) << "no call is left behind";
}

TEST_F(CodecNegotiation, StrippingEverythingLeavesTheOriginalList) {
  CodecOptions o;
  o.strip = {"all"};
  EXPECT_EQ(formats(offer(offer_sdp(4000, "0 8 101", kPcmuTe), o)), "0 8 101");
}

TEST_F(CodecNegotiation, AlwaysTranscodeKeepsTheOfferersTelephoneEvent) {
  CodecOptions o;
  o.always_transcode = true;
  offer(offer_sdp(4000, "0 101", kPcmuTe), o);
  EXPECT_EQ(formats(answer(offer_sdp(5000, "0", "a=rtpmap:0 PCMU/8000\r\n"))), "0 101");
  EXPECT_EQ(stream(0)["to"], "PCMU/8000");  // decoded and encoded: DTMF becomes tones for B
}

}  // namespace
}  // namespace rtpx::control
