// Reads configuration files the way chronyd does (line by line, include with glob patterns,
// confdir with *.conf files by name) and dispatches each line to its directive handler.
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>

#include "control/config/directive_context.h"

namespace chronon::ctl {

namespace config_detail {

namespace {

constexpr size_t kMaxLineLength = 2047;  // chronyd: MAX_LINE_LENGTH 2048 with the newline
constexpr int kMaxIncludeDepth = 10;     // chronyd: MAX_INCLUDE_LEVEL

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

const DirectiveSpec* find_directive(const std::string& name) {
  const auto& t = directive_table();
  auto it = std::lower_bound(t.begin(), t.end(), name, [](const DirectiveSpec& d, const std::string& n) {
    return std::string_view(d.name) < n;
  });
  return it != t.end() && name == it->name ? &*it : nullptr;
}

std::string suggestion(const std::string& name) {
  std::string best;
  size_t best_d = 3;
  for (const auto& d : directive_table()) {
    const size_t e = edit_distance(name, d.name);
    if (e < best_d) {
      best_d = e;
      best = d.name;
    }
  }
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

// Configuration files are small text files; anything else (a device, a FIFO, a runaway
// include of a huge file) is refused instead of read forever.
constexpr std::streamsize kMaxFileBytes = 16 << 20;

std::string read_file(const std::string& path, const std::string& context) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    throw ConfigError(context + "cannot read configuration file '" + path + "': " +
                      std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    throw ConfigError(context + "configuration file '" + path + "' is not a regular file");
  }
  if (st.st_size > kMaxFileBytes) {
    throw ConfigError(context + "configuration file '" + path + "' is larger than 16 MiB");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError(context + "cannot read configuration file '" + path + "': " +
                      std::strerror(errno));
  }
  // Read what the file holds (it may grow or shrink meanwhile; the limit still holds).
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > static_cast<size_t>(kMaxFileBytes)) {
      throw ConfigError(context + "configuration file '" + path + "' is larger than 16 MiB");
    }
  }
  if (in.bad()) throw ConfigError(context + "error reading '" + path + "'");
  return text;
}

}  // namespace

struct Loader {
  Config cfg;
  int depth = 0;
  struct Pending {
    SourceLocation first;
    int more = 0;
  };
  std::vector<std::string> pending_order;
  std::map<std::string, Pending> pending;

  void parse_text(std::string_view text, const std::string& name) {
    ++depth;
    int line_no = 0;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      parse_line(text.substr(pos, end - pos), SourceLocation{name, ++line_no});
      pos = end + 1;
    }
    --depth;
  }

  // `context` is "FILE:LINE: " of the include/confdir line, or empty for the main file.
  void parse_file(const std::string& path, const std::string& context) {
    if (depth >= kMaxIncludeDepth) {
      throw ConfigError(context + "includes nested more than " +
                        std::to_string(kMaxIncludeDepth) + " deep (an include loop?)");
    }
    parse_text(read_file(path, context), path);
  }

  void parse_line(std::string_view line, const SourceLocation& where) {
    if (line.size() > kMaxLineLength) {
      throw ConfigError(where.str() + ": line is longer than " + std::to_string(kMaxLineLength) +
                        " characters");
    }
    if (line.find('\0') != std::string_view::npos) {
      throw ConfigError(where.str() + ": line contains a NUL byte (not a text file?)");
    }
    std::vector<std::string> words = split_words(line);
    if (words.empty()) return;
    DirectiveContext c{cfg, where, lower(words[0]), {words.begin() + 1, words.end()}, this};
    const DirectiveSpec* spec = find_directive(c.directive);
    if (spec == nullptr) c.fail("unknown directive '" + words[0] + "'" + suggestion(c.directive));
    spec->handler(c);
    if (spec->status == DirectiveStatus::kNotImplemented) {
      auto [it, inserted] = pending.try_emplace(c.directive, Pending{where, 0});
      if (inserted) {
        pending_order.push_back(c.directive);
      } else {
        ++it->second.more;
      }
    } else if (spec->status == DirectiveStatus::kObsolete) {
      cfg.notices.push_back(where.str() + ": '" + c.directive +
                            "' is no longer supported (chronyd ignores it too); ignored");
    }
  }

  Config finish() {
    for (const auto& name : pending_order) {
      const Pending& p = pending[name];
      std::string s = p.first.str() + ": '" + name + "' accepted, not implemented yet";
      if (p.more > 0) {
        s += " (and " + std::to_string(p.more) + " more line" + (p.more > 1 ? "s" : "") + ")";
      }
      cfg.not_implemented.push_back(s);
    }
    if (cfg.noclientlog && cfg.ratelimit.enabled) {
      cfg.notices.push_back(cfg.ratelimit.where.str() +
                            ": 'noclientlog' with 'ratelimit': chronyd refuses to start with "
                            "both; chronon rate-limits as configured and noclientlog only turns "
                            "off client statistics");
    }
    return std::move(cfg);
  }
};

// include PATTERN: every file the glob matches, in order; a pattern without wildcards must
// name a readable file (chronyd: glob with GLOB_NOMAGIC, then open or fail).
void parse_include(DirectiveContext& c) {
  c.expect_args(1);
  glob_t g{};
  const int r = glob(c.args[0].c_str(), GLOB_ERR | GLOB_NOMAGIC, nullptr, &g);
  if (r != 0 && r != GLOB_NOMATCH) {
    globfree(&g);
    c.fail("cannot search for files matching '" + c.args[0] + "'");
  }
  std::vector<std::string> files(g.gl_pathv, g.gl_pathv + g.gl_pathc);
  globfree(&g);
  for (const auto& f : files) c.loader->parse_file(f, c.where.str() + ": ");
}

// confdir DIR...: the *.conf files of all directories by file name; a name already seen in an
// earlier directory is skipped (chronyd 4.3).
void parse_confdir(DirectiveContext& c) {
  c.expect_args(1, 10);
  std::map<std::string, std::string> by_name;
  for (const auto& dir : c.args) {
    glob_t g{};
    const std::string pattern = dir + "/*.conf";
    const int r = glob(pattern.c_str(), 0, nullptr, &g);
    if (r != 0 && r != GLOB_NOMATCH) {
      globfree(&g);
      c.fail("cannot search for files matching '" + pattern + "'");
    }
    for (size_t i = 0; i < g.gl_pathc; ++i) {
      const std::string path = g.gl_pathv[i];
      by_name.try_emplace(path.substr(path.rfind('/') + 1), path);
    }
    globfree(&g);
  }
  for (const auto& [name, path] : by_name) c.loader->parse_file(path, c.where.str() + ": ");
}

}  // namespace config_detail

namespace {

// The sourcedir sources join the configuration's own.
Config with_sourcedirs(Config cfg) {
  for (SourceConfig& s : read_sourcedirs(cfg.sourcedirs, &cfg.notices)) {
    cfg.sources.push_back(std::move(s));
  }
  return cfg;
}

}  // namespace

Config load_config(const std::string& path) {
  config_detail::Loader l;
  l.parse_file(path, "");
  return with_sourcedirs(l.finish());
}

Config parse_config_text(std::string_view text, const std::string& name) {
  config_detail::Loader l;
  l.parse_text(text, name);
  return with_sourcedirs(l.finish());
}

std::vector<SourceConfig> read_sourcedirs(const std::vector<std::string>& dirs,
                                          std::vector<std::string>* notes) {
  std::map<std::string, std::string> by_name;
  for (const auto& dir : dirs) {
    struct stat st {};
    if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      notes->push_back("sourcedir '" + dir + "' is not a readable directory; no sources from it");
      continue;
    }
    glob_t g{};
    const std::string pattern = dir + "/*.sources";
    const int r = glob(pattern.c_str(), 0, nullptr, &g);
    if (r != 0 && r != GLOB_NOMATCH) {
      notes->push_back("sourcedir '" + dir + "' cannot be searched; no sources from it");
    }
    for (size_t i = 0; i < g.gl_pathc; ++i) {
      const std::string file = g.gl_pathv[i];
      by_name.try_emplace(file.substr(file.rfind('/') + 1), file);
    }
    globfree(&g);
  }
  std::vector<SourceConfig> out;
  for (const auto& [name, file] : by_name) {
    const std::string text = config_detail::read_file(file, "");
    // Only source lines: a sourcedir file must not change anything else at a reload.
    int line_no = 0;
    for (size_t pos = 0; pos < text.size();) {
      size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      ++line_no;
      const auto words = config_detail::split_words(std::string_view(text).substr(pos, end - pos));
      pos = end + 1;
      if (words.empty()) continue;
      const std::string d = config_detail::lower(words[0]);
      if (d != "server" && d != "pool" && d != "peer") {
        throw ConfigError(file + ":" + std::to_string(line_no) + ": '" + words[0] +
                          "' in a sourcedir file (only server, pool and peer lines)");
      }
    }
    config_detail::Loader l;
    l.parse_text(text, file);
    Config part = l.finish();
    for (auto& n : part.not_implemented) notes->push_back(std::move(n));
    for (auto& n : part.notices) notes->push_back(std::move(n));
    for (SourceConfig& s : part.sources) {
      s.from_sourcedir = true;
      out.push_back(std::move(s));
    }
  }
  return out;
}

std::vector<std::string> known_directives() {
  std::vector<std::string> out;
  for (const auto& d : config_detail::directive_table()) out.emplace_back(d.name);
  return out;
}

}  // namespace chronon::ctl
