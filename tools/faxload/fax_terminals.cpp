#include "tools/faxload/fax_terminals.hpp"

#include <spandsp.h>
#include <tiffio.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace rtpx::testing {
namespace {

constexpr int kWidth = 1728;

struct TiffCloser {
  void operator()(TIFF* t) const { TIFFClose(t); }
};
using TiffPtr = std::unique_ptr<TIFF, TiffCloser>;

TiffPtr open_tiff(const std::string& path, const char* mode) {
  TIFFSetWarningHandler(nullptr);  // libtiff warns about SpanDSP's private tags
  TiffPtr t(TIFFOpen(path.c_str(), mode));
  if (!t) throw std::runtime_error("cannot open TIFF " + path);
  return t;
}

// Page p's pixel at (x, y): stripes whose width and phase depend on the page, a checker block
// whose place depends on the page, and a diagonal; 1 is black.
bool pixel(int p, int x, int y) {
  if (x / 16 == 20 + 7 * p && y % 40 < 20) return (x + y) % 2 == 0;  // the page's block
  if ((x + y + 3 * p) % 97 == 0) return true;                        // diagonals
  return ((x / (8 + 4 * p)) + (y / 10)) % 5 == 0;                    // stripes
}

bool env_logging() {
  const char* v = std::getenv("RTPX_FAX_LOG");
  return v != nullptr && v[0] == '1';
}

void set_logging(logging_state_t* s) {
  if (env_logging())
    span_log_set_level(s, SPAN_LOG_SHOW_SEVERITY | SPAN_LOG_SHOW_PROTOCOL | SPAN_LOG_FLOW);
}

void configure_t30(t30_state_t* t, const FaxOptions& o, bool* sender) {
  *sender = !o.tiff_send.empty();
  if (*sender)
    t30_set_tx_file(t, o.tiff_send.c_str(), -1, -1);
  else
    t30_set_rx_file(t, o.tiff_receive.c_str(), -1);
  t30_set_tx_ident(t, o.ident.c_str());
  t30_set_ecm_capability(t, o.ecm);
  t30_set_supported_modems(t, o.supported_modems);
  set_logging(t30_get_logging_state(t));
}

void record(t30_state_t* t, int completion, bool sender, FaxResult& r) {
  t30_stats_t st;
  t30_get_transfer_statistics(t, &st);
  r.done = true;
  r.completion = completion;
  r.completion_text = t30_completion_code_to_str(completion);
  r.pages = sender ? st.pages_tx : st.pages_rx;
  r.bit_rate = st.bit_rate;
  r.ecm = st.error_correcting_mode != 0;
}

}  // namespace

void write_test_tiff(const std::string& path, int pages, int rows_per_page) {
  TiffPtr t = open_tiff(path, "w");
  std::vector<uint8_t> row(kWidth / 8);
  for (int p = 0; p < pages; ++p) {
    TIFF* f = t.get();
    TIFFSetField(f, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
    TIFFSetField(f, TIFFTAG_IMAGEWIDTH, kWidth);
    TIFFSetField(f, TIFFTAG_IMAGELENGTH, rows_per_page);
    TIFFSetField(f, TIFFTAG_BITSPERSAMPLE, 1);
    TIFFSetField(f, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(f, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX3);
    TIFFSetField(f, TIFFTAG_T4OPTIONS, 0);  // 1-D
    TIFFSetField(f, TIFFTAG_FILLORDER, FILLORDER_LSB2MSB);
    TIFFSetField(f, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
    TIFFSetField(f, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(f, TIFFTAG_XRESOLUTION, 204.0f);
    TIFFSetField(f, TIFFTAG_YRESOLUTION, 196.0f);
    TIFFSetField(f, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
    TIFFSetField(f, TIFFTAG_ROWSPERSTRIP, rows_per_page);
    TIFFSetField(f, TIFFTAG_PAGENUMBER, p, pages);
    for (int y = 0; y < rows_per_page; ++y) {
      std::fill(row.begin(), row.end(), 0);
      for (int x = 0; x < kWidth; ++x)
        if (pixel(p, x, y)) row[x / 8] |= static_cast<uint8_t>(0x80 >> (x % 8));
      if (TIFFWriteScanline(f, row.data(), static_cast<uint32_t>(y), 0) < 0)
        throw std::runtime_error("cannot write TIFF " + path);
    }
    if (!TIFFWriteDirectory(f)) throw std::runtime_error("cannot write TIFF page in " + path);
  }
}

namespace {

// Every page of a bilevel TIFF as rows of bits, 1 = black whatever the file's photometric.
struct Page {
  int width = 0;
  std::vector<std::vector<uint8_t>> rows;
};

std::vector<Page> read_pages(const std::string& path) {
  TiffPtr t = open_tiff(path, "r");
  std::vector<Page> pages;
  do {
    Page pg;
    uint32_t w = 0, h = 0;
    uint16_t photometric = PHOTOMETRIC_MINISWHITE, bits = 1;
    TIFFGetField(t.get(), TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(t.get(), TIFFTAG_IMAGELENGTH, &h);
    TIFFGetFieldDefaulted(t.get(), TIFFTAG_BITSPERSAMPLE, &bits);
    TIFFGetField(t.get(), TIFFTAG_PHOTOMETRIC, &photometric);
    if (bits != 1) throw std::runtime_error(path + ": not a bilevel image");
    pg.width = static_cast<int>(w);
    std::vector<uint8_t> buf(static_cast<size_t>(TIFFScanlineSize(t.get())));
    for (uint32_t y = 0; y < h; ++y) {
      if (TIFFReadScanline(t.get(), buf.data(), y, 0) < 0)
        throw std::runtime_error(path + ": cannot read row " + std::to_string(y));
      std::vector<uint8_t> row(buf.begin(), buf.begin() + (w + 7) / 8);
      if (photometric == PHOTOMETRIC_MINISBLACK)
        for (uint8_t& b : row) b = static_cast<uint8_t>(~b);
      if (w % 8 != 0) row.back() &= static_cast<uint8_t>(0xFF << (8 - w % 8));
      pg.rows.push_back(std::move(row));
    }
    pages.push_back(std::move(pg));
  } while (TIFFReadDirectory(t.get()));
  return pages;
}

}  // namespace

std::vector<PageDiff> compare_tiff_pages(const std::string& a, const std::string& b) {
  const std::vector<Page> pa = read_pages(a), pb = read_pages(b);
  std::vector<PageDiff> out;
  for (size_t p = 0; p < std::max(pa.size(), pb.size()); ++p) {
    PageDiff d;
    d.page = static_cast<int>(p) + 1;
    const Page* x = p < pa.size() ? &pa[p] : nullptr;
    const Page* y = p < pb.size() ? &pb[p] : nullptr;
    if (x != nullptr) {
      d.rows_a = static_cast<int>(x->rows.size());
      d.width_a = x->width;
    }
    if (y != nullptr) {
      d.rows_b = static_cast<int>(y->rows.size());
      d.width_b = y->width;
    }
    if (x != nullptr && y != nullptr && x->width == y->width) {
      for (size_t r = 0; r < std::min(x->rows.size(), y->rows.size()); ++r)
        for (size_t i = 0; i < x->rows[r].size(); ++i)
          d.differing_pixels += __builtin_popcount(x->rows[r][i] ^ y->rows[r][i]);
    }
    out.push_back(d);
  }
  return out;
}

bool same_pages(const std::string& a, const std::string& b, std::string* why) {
  std::vector<PageDiff> diffs;
  try {
    diffs = compare_tiff_pages(a, b);
  } catch (const std::exception& e) {
    if (why != nullptr) *why = e.what();
    return false;
  }
  for (const PageDiff& d : diffs) {
    if (d.rows_a == d.rows_b && d.width_a == d.width_b && d.differing_pixels == 0) continue;
    if (why != nullptr)
      *why = "page " + std::to_string(d.page) + ": " + std::to_string(d.width_a) + "x" +
             std::to_string(d.rows_a) + " vs " + std::to_string(d.width_b) + "x" +
             std::to_string(d.rows_b) + ", " + std::to_string(d.differing_pixels) +
             " pixels differ";
    return false;
  }
  if (diffs.empty() && why != nullptr) *why = "no pages";
  return !diffs.empty();
}

// ---- audio terminal ----------------------------------------------------------------------------

AudioFaxTerminal::AudioFaxTerminal(const FaxOptions& o) {
  fax_ = fax_init(nullptr, o.calling);
  if (fax_ == nullptr) throw std::runtime_error("SpanDSP could not create a fax terminal");
  fax_set_transmit_on_idle(fax_, true);
  set_logging(fax_get_logging_state(fax_));
  t30_state_t* t = fax_get_t30_state(fax_);
  configure_t30(t, o, &sender_);
  t30_set_phase_e_handler(t, &AudioFaxTerminal::on_phase_e, this);
}

AudioFaxTerminal::~AudioFaxTerminal() {
  if (fax_ != nullptr) fax_free(fax_);
}

void AudioFaxTerminal::on_phase_e(t30_state_s* t, void* user, int completion) {
  auto* self = static_cast<AudioFaxTerminal*>(user);
  record(t, completion, self->sender_, self->result_);
}

void AudioFaxTerminal::rx(const int16_t* samples, int n) {
  std::vector<int16_t> buf(samples, samples + n);  // fax_rx takes a non-const buffer
  fax_rx(fax_, buf.data(), n);
}

int AudioFaxTerminal::tx(int16_t* out, int n) {
  const int made = fax_tx(fax_, out, n);
  for (int i = made < 0 ? 0 : made; i < n; ++i) out[i] = 0;
  return n;
}

// ---- T.38 terminal -----------------------------------------------------------------------------

T38FaxTerminal::T38FaxTerminal(const FaxOptions& o, IfpOut on_ifp) : on_ifp_(std::move(on_ifp)) {
  term_ = t38_terminal_init(nullptr, o.calling, &T38FaxTerminal::on_tx, this);
  if (term_ == nullptr) throw std::runtime_error("SpanDSP could not create a T.38 terminal");
  t38_core_state_t* core = t38_terminal_get_t38_core_state(term_);
  t38_set_t38_version(core, 0);
  t38_set_fastest_image_data_rate(core, 14400);
  t38_terminal_set_config(term_, 0);
  t38_terminal_set_tep_mode(term_, false);
  t38_terminal_set_fill_bit_removal(term_, false);
  set_logging(t38_terminal_get_logging_state(term_));
  set_logging(t38_core_get_logging_state(core));
  t30_state_t* t = t38_terminal_get_t30_state(term_);
  configure_t30(t, o, &sender_);
  t30_set_phase_e_handler(t, &T38FaxTerminal::on_phase_e, this);
}

T38FaxTerminal::~T38FaxTerminal() {
  if (term_ != nullptr) t38_terminal_free(term_);
}

int T38FaxTerminal::on_tx(t38_core_state_s*, void* user, const uint8_t* buf, int len, int count) {
  static_cast<T38FaxTerminal*>(user)->on_ifp_(buf, len, count);
  return 0;
}

void T38FaxTerminal::on_phase_e(t30_state_s* t, void* user, int completion) {
  auto* self = static_cast<T38FaxTerminal*>(user);
  record(t, completion, self->sender_, self->result_);
}

void T38FaxTerminal::rx_ifp(const uint8_t* ifp, int len, uint16_t seq) {
  t38_core_rx_ifp_packet(t38_terminal_get_t38_core_state(term_), ifp, len, seq);
}

void T38FaxTerminal::advance(int samples) {
  t38_terminal_send_timeout(term_, samples);
}

}  // namespace rtpx::testing
