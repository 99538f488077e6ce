// What a directive handler sees: the configuration being built, where the line came from, the
// directive's words, and strict value parsers whose errors name the file and line.
#pragma once

#include <climits>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "control/config/config.h"

namespace chronon::ctl::config_detail {

struct Loader;  // include/confdir recursion; defined in config_loader.cc

struct DirectiveContext {
  Config& cfg;
  SourceLocation where;
  std::string directive;           // lower-case
  std::vector<std::string> args;   // words after the directive
  Loader* loader = nullptr;

  [[noreturn]] void fail(const std::string& problem) const;
  void expect_args(size_t n) const;               // exactly n
  void expect_args(size_t min, size_t max) const;

  int to_int(std::string_view word, std::string_view what) const;
  int to_int(std::string_view word, std::string_view what, int lo, int hi) const;
  double to_double(std::string_view word, std::string_view what) const;
  uint64_t to_u64(std::string_view word, std::string_view what) const;
};

// A "name [value]" option of server, refclock, hwtimestamp, local ... (chrony's option lists).
struct OptionSpec {
  const char* name;
  std::variant<bool*, int*, double*, std::string*> target;  // bool*: a flag without value
  int lo = INT_MIN, hi = INT_MAX;                           // for int options
  std::initializer_list<const char*> choices = {};          // for string options, if limited
};

// Parses c.args[first..] as options; unknown names, missing or bad values fail with the
// option named. Returns the options seen, in order, as written ("name" or "name value").
std::vector<std::string> parse_options(const DirectiveContext& c, size_t first,
                                       std::initializer_list<OptionSpec> specs);

// One handler per directive (or family); they live in the *_directives.cc files.
using DirectiveHandler = void (*)(DirectiveContext&);

enum class DirectiveStatus {
  kImplemented,     // chronon acts on it
  kNotImplemented,  // parsed and validated; warns at start-up until a later issue wires it
  kObsolete,        // chrony itself ignores it with a warning
};

struct DirectiveSpec {
  const char* name;
  DirectiveHandler handler;
  DirectiveStatus status;
};

// The full table, sorted by name.
const std::vector<DirectiveSpec>& directive_table();

// Handler groups (directive_table() points at these).
void parse_source(DirectiveContext& c);
void parse_refclock(DirectiveContext& c);
void parse_hwtimestamp(DirectiveContext& c);
void parse_access(DirectiveContext& c);
void parse_dataplane(DirectiveContext& c);
void parse_ratelimit(DirectiveContext& c);
void parse_local(DirectiveContext& c);
void parse_include(DirectiveContext& c);
void parse_confdir(DirectiveContext& c);
void parse_metrics(DirectiveContext& c);

std::string lower(std::string_view s);

// chrony's line normalisation: a line whose first non-blank character is one of "!;#%" is a
// comment; words are separated by runs of blanks. No continuation lines (as chrony).
std::vector<std::string> split_words(std::string_view line);

}  // namespace chronon::ctl::config_detail
