#include "plugins/fsconf/regex.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace rtpx::fsconf {

struct Pattern::Code {
  explicit Code(pcre2_code* compiled) : re(compiled) {}
  ~Code() { pcre2_code_free(re); }
  Code(const Code&) = delete;
  Code& operator=(const Code&) = delete;
  pcre2_code* re;
};

Pattern::Pattern(std::string expression, std::unique_ptr<Code> code)
    : expression_(std::move(expression)), code_(std::move(code)) {}

Pattern::~Pattern() = default;

std::string asterisk_to_regex(std::string_view pattern) {
  std::string out = "^";
  for (char c : pattern) {
    switch (c) {
      case 'N':
        out += "[2-9]";
        break;
      case 'X':
        out += "[0-9]";
        break;
      case 'Z':
        out += "[1-9]";
        break;
      case '.':
        out += ".*";
        break;
      default:
        out += c;
    }
  }
  return out + "$";
}

std::shared_ptr<const Pattern> Pattern::compile(std::string_view expression) {
  std::string source(expression);
  uint32_t flags = 0;
  if (!source.empty() && source.front() == '_') {
    source = asterisk_to_regex(std::string_view(source).substr(1));
  } else if (!source.empty() && source.front() == '/') {
    const size_t end = source.rfind('/');
    if (end == 0) throw RegexError("missing the closing '/' of \"" + source + "\"");
    const std::string opts = source.substr(end + 1);
    if (opts.find('i') != std::string::npos) flags |= PCRE2_CASELESS;
    if (opts.find('s') != std::string::npos) flags |= PCRE2_DOTALL;
    source = source.substr(1, end - 1);
  }
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(source.data()), source.size(), flags,
                                 &error, &offset, nullptr);
  if (re == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof message);
    throw RegexError("bad regular expression \"" + std::string(expression) +
                     "\": " + reinterpret_cast<const char*>(message) + " at offset " +
                     std::to_string(offset));
  }
  auto code = std::make_unique<Code>(re);
  return std::shared_ptr<const Pattern>(new Pattern(std::string(expression), std::move(code)));
}

std::optional<Captures> Pattern::match(std::string_view subject) const {
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(code_->re, nullptr);
  if (md == nullptr) return std::nullopt;
  const int rc = pcre2_match(code_->re, reinterpret_cast<PCRE2_SPTR>(subject.data()),
                             subject.size(), 0, 0, md, nullptr);
  std::optional<Captures> out;
  if (rc > 0) {
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    out.emplace();
    for (int i = 0; i < rc; ++i) {
      if (ov[2 * i] == PCRE2_UNSET) {
        out->emplace_back(std::nullopt);
      } else {
        out->emplace_back(std::string(subject.substr(ov[2 * i], ov[2 * i + 1] - ov[2 * i])));
      }
    }
  }
  pcre2_match_data_free(md);
  return out;
}

std::string substitute_captures(std::string_view data, const Captures& captures) {
  std::string out;
  size_t x = 0;
  while (x < data.size()) {
    if (data[x] != '$') {
      out += data[x++];
      continue;
    }
    size_t y = x + 1;
    const bool brace = y < data.size() && data[y] == '{';
    if (brace) ++y;
    size_t digits_end = y;
    while (digits_end < data.size() && digits_end - y < 9 && data[digits_end] >= '0' &&
           data[digits_end] <= '9')
      ++digits_end;
    if (digits_end == y || (brace && (digits_end >= data.size() || data[digits_end] != '}'))) {
      out += '$';  // not a capture reference: "${var}" and a lone '$' stay as they are
      ++x;
      continue;
    }
    const size_t n = std::stoul(std::string(data.substr(y, digits_end - y)));
    if (n < captures.size() && captures[n]) out += *captures[n];
    x = digits_end + (brace ? 1 : 0);
  }
  return out;
}

}  // namespace rtpx::fsconf
