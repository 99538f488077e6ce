// Strict value parsing and line splitting for the configuration; see directive_context.h.
#include "control/config/directive_context.h"

#include <cerrno>
#include <charconv>
#include <cctype>
#include <cmath>
#include <cstdlib>

namespace chronon::ctl::config_detail {

void DirectiveContext::fail(const std::string& problem) const {
  throw ConfigError(where.str() + ": " + problem);
}

void DirectiveContext::expect_args(size_t n) const { expect_args(n, n); }

void DirectiveContext::expect_args(size_t min, size_t max) const {
  if (args.size() < min) {
    fail("missing argument for '" + directive + "' (expected " +
         (min == max ? std::to_string(min) : "at least " + std::to_string(min)) + ")");
  }
  if (args.size() > max) {
    fail("too many arguments for '" + directive + "' (expected " +
         (max == 0 ? std::string("none") : min == max ? std::to_string(max)
                                                       : "at most " + std::to_string(max)) +
         "): '" + args[max] + "'");
  }
}

int DirectiveContext::to_int(std::string_view word, std::string_view what) const {
  int v = 0;
  const char* first = word.data();
  if (!word.empty() && word[0] == '+') ++first;
  const auto [p, ec] = std::from_chars(first, word.data() + word.size(), v);
  if (word.empty() || ec != std::errc() || p != word.data() + word.size()) {
    fail("invalid " + std::string(what) + " '" + std::string(word) + "' for '" + directive +
         "' (an integer is expected)");
  }
  return v;
}

int DirectiveContext::to_int(std::string_view word, std::string_view what, int lo, int hi) const {
  const int v = to_int(word, what);
  if (v < lo || v > hi) {
    fail(std::string(what) + " " + std::to_string(v) + " for '" + directive +
         "' is out of range (" + std::to_string(lo) + " to " + std::to_string(hi) + ")");
  }
  return v;
}

double DirectiveContext::to_double(std::string_view word, std::string_view what) const {
  const std::string s(word);
  char* end = nullptr;
  errno = 0;
  const double v = s.empty() ? 0.0 : std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(v)) {
    fail("invalid " + std::string(what) + " '" + s + "' for '" + directive +
         "' (a number is expected)");
  }
  return v;
}

uint64_t DirectiveContext::to_u64(std::string_view word, std::string_view what) const {
  uint64_t v = 0;
  const auto [p, ec] = std::from_chars(word.data(), word.data() + word.size(), v);
  if (word.empty() || ec != std::errc() || p != word.data() + word.size()) {
    fail("invalid " + std::string(what) + " '" + std::string(word) + "' for '" + directive +
         "' (a non-negative integer is expected)");
  }
  return v;
}

std::vector<std::string> parse_options(const DirectiveContext& c, size_t first,
                                       std::initializer_list<OptionSpec> specs) {
  std::vector<std::string> seen;
  for (size_t i = first; i < c.args.size(); ++i) {
    const std::string name = lower(c.args[i]);
    const OptionSpec* spec = nullptr;
    for (const OptionSpec& s : specs) {
      if (name == s.name) spec = &s;
    }
    if (spec == nullptr) c.fail("unknown option '" + c.args[i] + "' for '" + c.directive + "'");
    if (std::holds_alternative<bool*>(spec->target)) {
      *std::get<bool*>(spec->target) = true;
      seen.push_back(name);
      continue;
    }
    if (i + 1 >= c.args.size()) c.fail("option '" + name + "' of '" + c.directive + "' needs a value");
    const std::string& value = c.args[++i];
    const std::string what = "value of option '" + name + "'";
    if (auto* ip = std::get_if<int*>(&spec->target)) {
      **ip = c.to_int(value, what, spec->lo, spec->hi);
    } else if (auto* dp = std::get_if<double*>(&spec->target)) {
      **dp = c.to_double(value, what);
    } else {
      std::string v = value;
      if (spec->choices.size() != 0) {
        v = lower(value);
        bool ok = false;
        std::string list;
        for (const char* ch : spec->choices) {
          ok = ok || v == ch;
          list += (list.empty() ? "" : ", ") + std::string(ch);
        }
        if (!ok) c.fail("invalid " + what + " '" + value + "' (one of: " + list + ")");
      }
      *std::get<std::string*>(spec->target) = v;
    }
    seen.push_back(name + " " + value);
  }
  return seen;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

std::vector<std::string> split_words(std::string_view line) {
  std::vector<std::string> words;
  size_t i = 0;
  auto blank = [](char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
                                    ch == '\v' || ch == '\f'; };
  while (i < line.size() && blank(line[i])) ++i;
  if (i < line.size() && (line[i] == '!' || line[i] == ';' || line[i] == '#' || line[i] == '%'))
    return words;
  while (i < line.size()) {
    const size_t start = i;
    while (i < line.size() && !blank(line[i])) ++i;
    words.emplace_back(line.substr(start, i - start));
    while (i < line.size() && blank(line[i])) ++i;
  }
  return words;
}

}  // namespace chronon::ctl::config_detail
