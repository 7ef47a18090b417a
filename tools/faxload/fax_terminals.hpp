#pragma once
// Real fax endpoints for tests, from SpanDSP: an audio fax terminal (T.30 modulated as 8 kHz
// audio, as a fax machine on a G.711 line sends it) and a T.38 terminal (T.30 as IFP packets),
// plus multi-page test TIFFs and a pixel comparison of what a receiving terminal wrote.
//
// The terminals are driven by the test in 20 ms steps: audio in and out through rx()/tx(), IFPs
// out through a callback and in through rx_ifp(), time through advance(). result() says when the
// fax call ended and how (T.30 phase E).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

struct fax_state_s;
struct t38_terminal_state_s;
struct t30_state_s;
struct t38_core_state_s;

namespace rtpx::testing {

// A bilevel multi-page TIFF as a fax machine sends it (1728 pixels wide, fine resolution, T.4
// compressed), each page with its own pattern so a lost, swapped or damaged page is seen.
// Throws std::runtime_error.
void write_test_tiff(const std::string& path, int pages, int rows_per_page = 200);

struct PageDiff {
  int page = 0;
  int rows_a = 0, rows_b = 0;
  int width_a = 0, width_b = 0;
  long differing_pixels = 0;  // over the rows both have
};
// One entry per page of the longer file (a page missing from one side has 0 rows there).
// Throws std::runtime_error when a file cannot be read.
std::vector<PageDiff> compare_tiff_pages(const std::string& a, const std::string& b);
// True when both files have the same pages, pixel for pixel; otherwise *why says where not.
bool same_pages(const std::string& a, const std::string& b, std::string* why);

struct FaxOptions {
  bool calling = true;  // dials (sends CNG); the sender may be either side
  bool ecm = true;
  int supported_modems = 0x07;  // T30_SUPPORT_V27TER | T30_SUPPORT_V29 | T30_SUPPORT_V17
  std::string tiff_send;        // exactly one of these two
  std::string tiff_receive;
  std::string ident = "rtpx test";
};

struct FaxResult {
  bool done = false;
  int completion = -1;  // T30_ERR_*; T30_ERR_OK (0) is success
  std::string completion_text;
  int pages = 0;  // sent by a sender, received by a receiver
  int bit_rate = 0;
  bool ecm = false;
};

class AudioFaxTerminal {
 public:
  explicit AudioFaxTerminal(const FaxOptions& o);
  ~AudioFaxTerminal();
  AudioFaxTerminal(const AudioFaxTerminal&) = delete;
  AudioFaxTerminal& operator=(const AudioFaxTerminal&) = delete;

  void rx(const int16_t* samples, int n);
  int tx(int16_t* out, int n);  // always n samples (silence when idle)
  const FaxResult& result() const { return result_; }

 private:
  static void on_phase_e(t30_state_s* t, void* user, int completion);
  fax_state_s* fax_ = nullptr;
  bool sender_ = false;
  FaxResult result_;
};

class T38FaxTerminal {
 public:
  // on_ifp(ifp, len, count): an IFP to send, `count` times (indicators are repeated).
  using IfpOut = std::function<void(const uint8_t* ifp, int len, int count)>;
  T38FaxTerminal(const FaxOptions& o, IfpOut on_ifp);
  ~T38FaxTerminal();
  T38FaxTerminal(const T38FaxTerminal&) = delete;
  T38FaxTerminal& operator=(const T38FaxTerminal&) = delete;

  void rx_ifp(const uint8_t* ifp, int len, uint16_t seq);
  void advance(int samples);  // its clock: call every 20 ms (160 samples)
  const FaxResult& result() const { return result_; }

 private:
  static int on_tx(t38_core_state_s* core, void* user, const uint8_t* buf, int len, int count);
  static void on_phase_e(t30_state_s* t, void* user, int completion);
  t38_terminal_state_s* term_ = nullptr;
  IfpOut on_ifp_;
  bool sender_ = false;
  FaxResult result_;
};

}  // namespace rtpx::testing
