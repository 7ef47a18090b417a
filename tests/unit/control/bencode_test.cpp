#include "control/ng/bencode.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace rtpx::ng {
namespace {

Value decode_ok(std::string_view in) {
  auto r = decode(in);
  EXPECT_TRUE(r.value.has_value())
      << "input: " << in << " error at " << r.error.offset << ": " << r.error.message;
  return r.value.value_or(Value{});
}

// Expects decoding to fail at `offset` with a message containing `needle`.
void expect_error(std::string_view in, size_t offset, std::string_view needle) {
  auto r = decode(in);
  ASSERT_FALSE(r.value.has_value()) << "unexpectedly decoded: " << in;
  EXPECT_EQ(r.error.offset, offset) << "input: " << in << " message: " << r.error.message;
  EXPECT_NE(r.error.message.find(needle), std::string::npos)
      << "input: " << in << " message: " << r.error.message;
}

TEST(Bencode, KnownEncodings) {
  EXPECT_EQ(encode(Value(0)), "i0e");
  EXPECT_EQ(encode(Value(42)), "i42e");
  EXPECT_EQ(encode(Value(-42)), "i-42e");
  EXPECT_EQ(encode(Value(std::numeric_limits<int64_t>::max())), "i9223372036854775807e");
  EXPECT_EQ(encode(Value(std::numeric_limits<int64_t>::min())), "i-9223372036854775808e");
  EXPECT_EQ(encode(Value("")), "0:");
  EXPECT_EQ(encode(Value("spam")), "4:spam");
  EXPECT_EQ(encode(Value(List{})), "le");
  EXPECT_EQ(encode(Value(Dict{})), "de");
  EXPECT_EQ(encode(Value(List{"spam", "eggs", 7})), "l4:spam4:eggsi7ee");
  // Keys are written in stored order, not sorted.
  EXPECT_EQ(encode(Value(Dict{{"zz", 1}, {"aa", "x"}})), "d2:zzi1e2:aa1:xe");
}

TEST(Bencode, DecodesKnownValues) {
  EXPECT_EQ(decode_ok("i0e"), Value(0));
  EXPECT_EQ(decode_ok("i-7e"), Value(-7));
  EXPECT_EQ(decode_ok("i9223372036854775807e"), Value(std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(decode_ok("i-9223372036854775808e"), Value(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(decode_ok("0:"), Value(""));
  EXPECT_EQ(decode_ok("4:spam"), Value("spam"));
  EXPECT_EQ(decode_ok("l4:spami3ee"), Value(List{"spam", 3}));
  const Value d = decode_ok("d3:cow3:moo4:spam4:eggse");
  ASSERT_TRUE(d.is_dict());
  ASSERT_EQ(d.as_dict().size(), 2u);
  EXPECT_EQ(d.as_dict()[0].first, "cow");
  EXPECT_EQ(d.as_dict()[1].first, "spam");
  ASSERT_NE(d.find("spam"), nullptr);
  EXPECT_EQ(d.find("spam")->as_string(), "eggs");
  EXPECT_EQ(d.find("nope"), nullptr);
}

TEST(Bencode, BinaryStringsKeepEveryByte) {
  const std::string raw("a\0b\xff:e", 6);
  const std::string enc = encode(Value(raw));
  EXPECT_EQ(enc, std::string("6:a\0b\xff:e", 8));
  EXPECT_EQ(decode_ok(enc).as_string(), raw);
}

TEST(Bencode, RtpenginePing) {
  auto m = split_cookie("5323_1 d7:command4:pinge");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->cookie, "5323_1");
  const Value req = decode_ok(m->body);
  ASSERT_NE(req.find("command"), nullptr);
  EXPECT_EQ(req.find("command")->as_string(), "ping");

  Value reply(Dict{});
  reply.set("result", "pong");
  EXPECT_EQ(std::string(m->cookie) + " " + encode(reply), "5323_1 d6:result4:ponge");
}

TEST(Bencode, RtpengineOffer) {
  const std::string sdp =
      "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
      "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
  Value req(Dict{});
  req.set("sdp", sdp);
  req.set("call-id", "abc@host");
  req.set("from-tag", "tagA");
  req.set("flags", List{"trust-address"});
  req.set("replace", List{"origin", "session-connection"});
  req.set("ICE", "remove");
  req.set("command", "offer");
  const std::string wire = "2_9 " + encode(req);
  EXPECT_EQ(wire.substr(0, 14), "2_9 d3:sdp" + std::to_string(sdp.size()) + ":");

  auto m = split_cookie(wire);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->cookie, "2_9");
  const Value back = decode_ok(m->body);
  EXPECT_EQ(back, req);
  EXPECT_EQ(back.find("sdp")->as_string(), sdp);
  ASSERT_TRUE(back.find("replace")->is_list());
  EXPECT_EQ(back.find("replace")->as_list()[1].as_string(), "session-connection");

  // A literal message as Kamailio sends it (keys not sorted).
  const Value k = decode_ok(
      "d3:sdp5:v=0\r\n7:call-id3:c-18:from-tag2:ft5:flagsl13:trust-addresse"
      "7:command5:offere");
  EXPECT_EQ(k.find("command")->as_string(), "offer");
  EXPECT_EQ(k.find("flags")->as_list().size(), 1u);
}

TEST(Bencode, SetReplacesAndAppends) {
  Value d(Dict{});
  d.set("a", 1);
  d.set("b", 2);
  d.set("a", "x");
  ASSERT_EQ(d.as_dict().size(), 2u);
  EXPECT_EQ(d.as_dict()[0].first, "a");
  EXPECT_EQ(d.find("a")->as_string(), "x");
  EXPECT_EQ(encode(d), "d1:a1:x1:bi2ee");
}

TEST(Bencode, FindOnNonDictIsNull) {
  EXPECT_EQ(Value(3).find("a"), nullptr);
  EXPECT_EQ(Value(List{}).find("a"), nullptr);
}

TEST(Bencode, ErrorEmptyAndTrailing) {
  expect_error("", 0, "empty input");
  expect_error("i1ei2e", 3, "trailing data");
  expect_error("dee", 2, "trailing data");
  expect_error("4:spamX", 6, "trailing data");
}

TEST(Bencode, ErrorUnknownType) {
  expect_error("x", 0, "expected 'i', 'l', 'd'");
  expect_error("l?e", 1, "expected 'i', 'l', 'd'");
  expect_error("-1:a", 0, "expected 'i', 'l', 'd'");
}

TEST(Bencode, ErrorIntegers) {
  expect_error("ie", 1, "expected a digit");
  expect_error("i-e", 2, "expected a digit");
  expect_error("i", 1, "unexpected end of input in integer");
  expect_error("i12", 3, "unexpected end of input in integer");
  expect_error("i-", 2, "unexpected end of input in integer");
  expect_error("i03e", 1, "leading zero");
  expect_error("i00e", 1, "leading zero");
  expect_error("i-0e", 0, "negative zero");
  expect_error("i-03e", 0, "negative zero");
  expect_error("i1x", 2, "expected 'e'");
  expect_error("i+1e", 1, "expected a digit");
  expect_error("i 1e", 1, "expected a digit");
  expect_error("i9223372036854775808e", 1, "overflow");
  expect_error("i-9223372036854775809e", 2, "overflow");
  expect_error("i99999999999999999999999e", 1, "overflow");
}

TEST(Bencode, ErrorStrings) {
  expect_error("5:abc", 0, "exceeds remaining input");
  expect_error("1:", 0, "exceeds remaining input");
  expect_error("3", 1, "unexpected end of input after string length");
  expect_error("3abc", 1, "expected ':'");
  expect_error("03:abc", 0, "leading zero");
  expect_error("99999999999999999999999:a", 0, "overflows");
  // Length that fits in 64 bits but is far beyond the input.
  expect_error("18446744073709551615:a", 0, "exceeds remaining input");
}

TEST(Bencode, ErrorLists) {
  expect_error("l", 1, "unexpected end of input in list");
  expect_error("li1e", 4, "unexpected end of input in list");
  expect_error("l4:spam", 7, "unexpected end of input in list");
}

TEST(Bencode, ErrorDicts) {
  expect_error("d", 1, "unexpected end of input in dict");
  expect_error("di1ei2ee", 1, "dict key must be a string");
  expect_error("dle", 1, "dict key must be a string");
  expect_error("d1:a", 4, "expected a value");
  expect_error("d1:ai1e", 7, "unexpected end of input in dict");
  expect_error("d1:ai1e1:ai2ee", 7, "duplicate dict key");
}

TEST(Bencode, DuplicateKeysInLargeDicts) {
  std::string in = "d";
  for (int i = 0; i < 100; ++i)
    in += "3:k" + std::string(1, static_cast<char>('0' + i / 10)) +
          std::string(1, static_cast<char>('0' + i % 10)) + "i0e";
  EXPECT_TRUE(decode(in + "e").value.has_value());
  const size_t dup_at = in.size();
  expect_error(in + "3:k05i1ee", dup_at, "duplicate dict key");
  expect_error(in + "3:k99i1ee", dup_at, "duplicate dict key");
}

std::string nested_lists(int depth) {
  return std::string(static_cast<size_t>(depth), 'l') +
         std::string(static_cast<size_t>(depth), 'e');
}

TEST(Bencode, NestingLimit) {
  EXPECT_TRUE(decode(nested_lists(32)).value.has_value());
  expect_error(nested_lists(33), 32, "nesting deeper than 32");
  // Mixed dict/list nesting counts every container.
  std::string mixed;
  size_t last_open = 0;
  for (int i = 0; i < 33; ++i) {
    last_open = mixed.size();
    mixed += (i % 2) ? "l" : "d1:k";
  }
  expect_error(mixed, last_open, "nesting deeper than 32");
  // Very deep hostile input fails quickly without exhausting the stack.
  expect_error(std::string(1'000'000, 'l'), 32, "nesting deeper than 32");
}

TEST(Bencode, RoundTrips) {
  const Value v(Dict{
      {"result", "ok"},
      {"sdp", "v=0\r\n"},
      {"created", 1732350000},
      {"neg", -1},
      {"tags", Dict{{"a", Dict{{"medias", List{Dict{{"index", 1}, {"streams", List{}}}}}}}}},
      {"empty", List{}},
      {"bin", std::string("\0\1\2", 3)},
  });
  const std::string enc = encode(v);
  EXPECT_EQ(decode_ok(enc), v);
  EXPECT_EQ(encode(decode_ok(enc)), enc);

  for (const char* in : {"i0e", "le", "de", "0:", "ld1:alee1:be", "d1:zi1e1:ai2ee",
                         "l"
                         "i-9223372036854775808e"
                         "i9223372036854775807e"
                         "e"}) {
    EXPECT_EQ(encode(decode_ok(in)), in);
  }
}

TEST(Bencode, SplitCookie) {
  auto m = split_cookie("abc d1:ai1ee");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->cookie, "abc");
  EXPECT_EQ(m->body, "d1:ai1ee");
  // Only the first space splits; the body may contain spaces.
  m = split_cookie("c1 d3:key5:a b ce");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->body, "d3:key5:a b ce");

  EXPECT_FALSE(split_cookie("").has_value());
  EXPECT_FALSE(split_cookie("nocookie").has_value());
  EXPECT_FALSE(split_cookie(" d1:ai1ee").has_value());
  EXPECT_FALSE(split_cookie("cookie ").has_value());
}

}  // namespace
}  // namespace rtpx::ng
