// Drift file reading and atomic replacement; see driftfile.h.
#include "control/driftfile.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

namespace chronon::ctl {

namespace {

// chrony writes 42 bytes; anything much larger is not a drift file.
constexpr size_t kMaxDriftFileBytes = 4096;

std::string errno_text() { return std::strerror(errno); }

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// A whole token as a double, accepting a leading '+' as chrony's fscanf("%lf") does.
std::optional<double> parse_number(std::string_view token) {
  if (token.size() > 1 && token.front() == '+' && token[1] != '-') token.remove_prefix(1);
  double v = 0;
  const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
  if (ec != std::errc() || ptr != token.data() + token.size()) return std::nullopt;
  return v;
}

// Untrusted text for an error message: trailing blanks dropped, non-printables escaped,
// cut after ~40 characters.
std::string quote(std::string_view s) {
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  std::string out = "'";
  size_t i = 0;
  for (; i < s.size() && out.size() <= 40; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out + (i < s.size() ? "...'" : "'");
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

DriftRead read_driftfile(const std::string& path) {
  const auto fail = [&](const std::string& problem) {
    return DriftRead{std::nullopt, path + ": " + problem};
  };
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return {};  // first start: no frequency saved yet
    return fail("cannot open: " + errno_text());
  }
  std::string text;
  char buf[kMaxDriftFileBytes + 1];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string err = errno_text();
      close(fd);
      return fail("cannot read: " + err);
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxDriftFileBytes) {
      close(fd);
      return fail("larger than 4096 bytes, not a drift file");
    }
  }
  close(fd);

  std::vector<std::string_view> tokens;
  std::string_view rest = text;
  while (!rest.empty()) {
    if (is_space(rest.front())) {
      rest.remove_prefix(1);
      continue;
    }
    size_t len = 0;
    while (len < rest.size() && !is_space(rest[len])) ++len;
    tokens.push_back(rest.substr(0, len));
    rest.remove_prefix(len);
  }
  if (tokens.empty()) return fail("empty, expected 'FREQ_PPM SKEW_PPM'");
  if (tokens.size() != 2) return fail("expected 'FREQ_PPM SKEW_PPM', got " + quote(text));
  const std::optional<double> freq = parse_number(tokens[0]);
  const std::optional<double> skew = parse_number(tokens[1]);
  if (!freq || !std::isfinite(*freq))
    return fail("frequency " + quote(tokens[0]) + " is not a finite number");
  if (!skew || !std::isfinite(*skew))
    return fail("skew " + quote(tokens[1]) + " is not a finite number");
  if (*skew < 0) return fail("skew " + quote(tokens[1]) + " is negative");
  return {Drift{*freq, *skew}, {}};
}

std::optional<std::string> write_driftfile(const std::string& path, double freq_ppm,
                                           double skew_ppm) {
  if (!std::isfinite(freq_ppm) || !std::isfinite(skew_ppm) || skew_ppm < 0)
    return path + ": refusing to write frequency " + std::to_string(freq_ppm) + " ppm, skew " +
           std::to_string(skew_ppm) + " ppm";
  // Same precision as chrony's update_drift_file(), so either daemon reads the other's file.
  char line[1024];
  const int len = std::snprintf(line, sizeof line, "%20.6f %20.6f\n", freq_ppm, skew_ppm);
  if (len < 0 || static_cast<size_t>(len) >= sizeof line)
    return path + ": frequency or skew too large to write";

  const std::string tmp = path + ".tmp";
  int fd = -1;
  // As chrony's UTI_OpenFile(): O_EXCL, removing a stale temporary file left by a crash.
  for (int attempt = 0; attempt < 10 && fd < 0; ++attempt) {
    fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && (errno != EEXIST || unlink(tmp.c_str()) != 0))
      return path + ": cannot create " + tmp + ": " + errno_text();
  }
  if (fd < 0) return path + ": cannot create " + tmp + ": " + errno_text();

  std::string problem;
  if (!write_all(fd, std::string_view(line, static_cast<size_t>(len))))
    problem = "cannot write " + tmp + ": " + errno_text();
  else if (fsync(fd) != 0)  // a full disk may only show here, or at close
    problem = "cannot sync " + tmp + ": " + errno_text();
  if (close(fd) != 0 && problem.empty()) problem = "cannot close " + tmp + ": " + errno_text();
  if (problem.empty() && rename(tmp.c_str(), path.c_str()) != 0)
    problem = "cannot rename " + tmp + " to " + path + ": " + errno_text();
  if (problem.empty()) return std::nullopt;
  unlink(tmp.c_str());
  return path + ": " + problem;
}

}  // namespace chronon::ctl
