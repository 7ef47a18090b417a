// The fax test endpoints themselves (tools/faxload/fax_terminals), without a gateway: test TIFFs
// and their comparison, two audio terminals back to back, two T.38 terminals back to back. The
// gateway tests rely on these being right.

#include "tools/faxload/fax_terminals.hpp"

#include <gtest/gtest.h>
#include <spandsp.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

namespace rtpx::testing {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/faxterm_XXXXXX";
    if (const char* d = mkdtemp(tmpl)) path_ = d;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const char* name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

TEST(FaxTerminals, TestTiffsCompare) {
  TempDir dir;
  const std::string a = dir.file("a.tif"), b = dir.file("b.tif"), c = dir.file("c.tif");
  write_test_tiff(a, 3, 60);
  write_test_tiff(b, 3, 60);
  write_test_tiff(c, 2, 60);
  std::string why;
  EXPECT_TRUE(same_pages(a, b, &why)) << why;
  const std::vector<PageDiff> d = compare_tiff_pages(a, c);
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].differing_pixels, 0);
  EXPECT_EQ(d[0].width_a, 1728);
  EXPECT_EQ(d[0].rows_a, 60);
  EXPECT_EQ(d[2].rows_b, 0);  // c has no third page
  EXPECT_FALSE(same_pages(a, c, &why));
  EXPECT_NE(why.find("page 3"), std::string::npos) << why;
  EXPECT_FALSE(same_pages(dir.file("missing.tif"), a, &why));
  EXPECT_THROW(compare_tiff_pages(dir.file("missing.tif"), a), std::runtime_error);
}

struct Case {
  bool ecm;
  int modems;
  int rate;
};

class AudioBackToBack : public ::testing::TestWithParam<Case> {};

TEST_P(AudioBackToBack, DeliversThePages) {
  const Case c = GetParam();
  TempDir dir;
  const std::string sent = dir.file("s.tif"), got = dir.file("r.tif");
  write_test_tiff(sent, 2, 100);
  FaxOptions so, ro;
  so.tiff_send = sent;
  so.ecm = ro.ecm = c.ecm;
  so.supported_modems = ro.supported_modems = c.modems;
  ro.calling = false;
  ro.tiff_receive = got;
  AudioFaxTerminal s(so), r(ro);
  int16_t a[160], b[160];
  for (int step = 0; step < 15000 && !(s.result().done && r.result().done); ++step) {
    s.tx(a, 160);
    r.tx(b, 160);
    s.rx(b, 160);
    r.rx(a, 160);
  }
  ASSERT_TRUE(s.result().done);
  ASSERT_TRUE(r.result().done);
  EXPECT_EQ(s.result().completion, T30_ERR_OK) << s.result().completion_text;
  EXPECT_EQ(r.result().completion, T30_ERR_OK) << r.result().completion_text;
  EXPECT_EQ(s.result().pages, 2);
  EXPECT_EQ(r.result().pages, 2);
  EXPECT_EQ(r.result().bit_rate, c.rate);
  EXPECT_EQ(r.result().ecm, c.ecm);
  std::string why;
  EXPECT_TRUE(same_pages(sent, got, &why)) << why;
}

INSTANTIATE_TEST_SUITE_P(
    Modes, AudioBackToBack,
    ::testing::Values(Case{true, T30_SUPPORT_V17, 14400}, Case{false, T30_SUPPORT_V17, 14400},
                      Case{true, T30_SUPPORT_V29, 9600},
                      Case{false, T30_SUPPORT_V29 | T30_SUPPORT_V27TER, 9600}));

TEST(FaxTerminals, T38BackToBack) {
  TempDir dir;
  const std::string sent = dir.file("s.tif"), got = dir.file("r.tif");
  write_test_tiff(sent, 2, 100);
  FaxOptions so, ro;
  so.tiff_send = sent;
  ro.calling = false;
  ro.tiff_receive = got;
  struct Ifp {
    std::vector<uint8_t> bytes;
  };
  std::vector<Ifp> to_r, to_s;
  T38FaxTerminal s(so, [&](const uint8_t* p, int n, int) { to_r.push_back({{p, p + n}}); });
  T38FaxTerminal r(ro, [&](const uint8_t* p, int n, int) { to_s.push_back({{p, p + n}}); });
  uint16_t seq_r = 0, seq_s = 0;
  for (int step = 0; step < 15000 && !(s.result().done && r.result().done); ++step) {
    s.advance(160);
    r.advance(160);
    for (const Ifp& i : to_r) r.rx_ifp(i.bytes.data(), static_cast<int>(i.bytes.size()), seq_r++);
    for (const Ifp& i : to_s) s.rx_ifp(i.bytes.data(), static_cast<int>(i.bytes.size()), seq_s++);
    to_r.clear();
    to_s.clear();
  }
  ASSERT_TRUE(r.result().done);
  EXPECT_EQ(r.result().completion, T30_ERR_OK) << r.result().completion_text;
  EXPECT_EQ(r.result().pages, 2);
  std::string why;
  EXPECT_TRUE(same_pages(sent, got, &why)) << why;
}

}  // namespace
}  // namespace rtpx::testing
