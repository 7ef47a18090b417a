// ng stream framing: where a message ends in a TCP byte stream, in both of rtpengine's framings.

#include "control/ng/ng_stream_frame.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rtpx::ng {
namespace {

TEST(NgStreamFrame, BencodeExtentFindsTheEndOrAsksForMore) {
  size_t n = 0;
  EXPECT_EQ(bencode_extent("d7:command4:pingeXYZ", &n), FrameStatus::complete);
  EXPECT_EQ(n, 17u);
  EXPECT_EQ(bencode_extent("d3:keyli-12ei7e4:spamee", &n), FrameStatus::complete);
  EXPECT_EQ(n, 23u);
  EXPECT_EQ(bencode_extent("d7:command4:pin", &n), FrameStatus::incomplete);
  EXPECT_EQ(bencode_extent("d7:comm", &n), FrameStatus::incomplete);
  EXPECT_EQ(bencode_extent("d3:key", &n), FrameStatus::incomplete);
  EXPECT_EQ(bencode_extent("dxe", &n), FrameStatus::invalid);
  EXPECT_EQ(bencode_extent("e", &n), FrameStatus::invalid);
  EXPECT_EQ(bencode_extent(std::string(33, 'l'), &n), FrameStatus::invalid) << "too deep";
  EXPECT_EQ(bencode_extent("99999999999:x", &n), FrameStatus::invalid) << "absurd length";
}

TEST(NgStreamFrame, PlainAndLengthPrefixedFramesFollowEachOther) {
  const std::string stream = "c1 d7:command4:pinge20:c2 d7:command4:pinge5323_1 d1:ai1ee";
  std::string_view rest = stream;
  StreamFrame f;
  ASSERT_EQ(next_frame(rest, &f), FrameStatus::complete);
  EXPECT_EQ(f.message, "c1 d7:command4:pinge");
  EXPECT_FALSE(f.length_prefixed);
  rest.remove_prefix(f.consumed);
  ASSERT_EQ(next_frame(rest, &f), FrameStatus::complete);
  EXPECT_EQ(f.message, "c2 d7:command4:pinge");
  EXPECT_TRUE(f.length_prefixed);
  rest.remove_prefix(f.consumed);
  // A numeric cookie is not a length prefix.
  ASSERT_EQ(next_frame(rest, &f), FrameStatus::complete);
  EXPECT_EQ(f.message, "5323_1 d1:ai1ee");
  rest.remove_prefix(f.consumed);
  EXPECT_TRUE(rest.empty());
  EXPECT_EQ(next_frame("", &f), FrameStatus::incomplete);
}

TEST(NgStreamFrame, EveryTruncationIsIncompleteNeverWrong) {
  const std::string full = "40:abc d7:command5:offer3:sdp10:v=0\r\no=x 1e";
  for (size_t i = 0; i < full.size(); ++i) {
    StreamFrame f;
    EXPECT_EQ(next_frame(std::string_view(full).substr(0, i), &f), FrameStatus::incomplete) << i;
  }
  const std::string plain = "abc d7:command5:offer3:sdp10:v=0\r\no=x 1e";
  for (size_t i = 0; i < plain.size(); ++i) {
    StreamFrame f;
    EXPECT_EQ(next_frame(std::string_view(plain).substr(0, i), &f), FrameStatus::incomplete) << i;
  }
  StreamFrame f;
  ASSERT_EQ(next_frame(full, &f), FrameStatus::complete);
  EXPECT_EQ(f.message, plain);
  ASSERT_EQ(next_frame(plain, &f), FrameStatus::complete);
  EXPECT_EQ(f.consumed, plain.size());
  EXPECT_EQ(next_frame(" d1:ai1ee", &f), FrameStatus::invalid) << "empty cookie";
  EXPECT_EQ(next_frame(std::string(300, 'x'), &f), FrameStatus::invalid) << "no cookie end";
}

}  // namespace
}  // namespace rtpx::ng
