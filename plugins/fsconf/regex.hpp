#pragma once
// Dialplan regular expressions as FreeSWITCH's switch_regex_perform reads them (PCRE2):
//   "_NXXXXXX"   an Asterisk pattern (N = [2-9], X = [0-9], Z = [1-9], '.' = .*), anchored
//   "/re/flags"  a delimited expression, flags i (caseless) and s (dotall)
//   anything else, a PCRE2 pattern as written
// and the $1 / ${1} substitution of captures into action data (switch_perform_substitution).

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace rtpx::fsconf {

struct RegexError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Group 0 is the whole match; an unset group is nullopt.
using Captures = std::vector<std::optional<std::string>>;

class Pattern {
 public:
  // Throws RegexError naming the problem and its offset.
  static std::shared_ptr<const Pattern> compile(std::string_view expression);
  ~Pattern();
  Pattern(const Pattern&) = delete;
  Pattern& operator=(const Pattern&) = delete;

  // The captures when `subject` matches, nullopt otherwise.
  std::optional<Captures> match(std::string_view subject) const;
  const std::string& expression() const { return expression_; }

 private:
  struct Code;  // the compiled PCRE2 code, freed with the Pattern
  Pattern(std::string expression, std::unique_ptr<Code> code);
  std::string expression_;
  std::unique_ptr<Code> code_;
};

// FreeSWITCH's Asterisk pattern translation ("_1NXX" -> "^1[2-9][0-9][0-9]$").
std::string asterisk_to_regex(std::string_view pattern);

// data with $N and ${N} replaced by capture N ("" when unset or absent); other '$' kept.
std::string substitute_captures(std::string_view data, const Captures& captures);

}  // namespace rtpx::fsconf
