// Leap second table: TZif and leap-seconds.list parsers and the end-of-day query; see
// leap_table.h. Inputs are untrusted bytes: every read is bounds-checked, nothing throws.
#include "timestamping/leap_table.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <iterator>

#include "timestamping/ntp_time.h"

namespace chronon::ts {

namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;

constexpr int64_t kDayS = 86400;
// Times beyond +-2^40 s (~35000 years) are rejected, so day arithmetic cannot overflow.
constexpr int64_t kMaxTimeS = int64_t{1} << 40;
// RFC 8536 §3.2: leap records are at least 28 days minus one second apart.
constexpr int64_t kMinLeapSpacingS = 2419199;
constexpr size_t kMaxFileBytes = 1 << 20;

int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }
bool is_midnight(int64_t unix_s) { return unix_s - floor_div(unix_s, kDayS) * kDayS == 0; }

// Untrusted text for an error message: non-printables escaped, cut after ~40 characters.
std::string quote(std::string_view s) {
  std::string out = "'";
  size_t i = 0;
  for (; i < s.size() && out.size() <= 40; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out + (i < s.size() ? "...'" : "'");
}

LeapTableResult fail(std::string_view name, const std::string& problem) {
  return {std::nullopt, std::string(name) + ": " + problem};
}
// "NAME:LINE: problem", as config errors are reported.
LeapTableResult fail_at(std::string_view name, int line_no, const std::string& problem) {
  return fail(std::string(name) + ":" + std::to_string(line_no), problem);
}

// ---- TZif (RFC 8536) ----

constexpr size_t kTzifHeaderBytes = 44;

uint32_t be32(std::span<const uint8_t> b, size_t at) {
  return (uint32_t{b[at]} << 24) | (uint32_t{b[at + 1]} << 16) | (uint32_t{b[at + 2]} << 8) |
         uint32_t{b[at + 3]};
}
int64_t be64s(std::span<const uint8_t> b, size_t at) {
  return static_cast<int64_t>((uint64_t{be32(b, at)} << 32) | be32(b, at + 4));
}

// RFC 8536 §3.1 header counts, in file order.
struct TzifCounts {
  uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
  // Bytes of the data block that follows (§3.2); 64-bit so 2^32-sized counts cannot wrap.
  uint64_t block_bytes(uint64_t time_size) const {
    return uint64_t{timecnt} * (time_size + 1) + uint64_t{typecnt} * 6 + charcnt +
           uint64_t{leapcnt} * (time_size + 4) + isstdcnt + isutcnt;
  }
};

TzifCounts read_counts(std::span<const uint8_t> b, size_t header_at) {
  const size_t c = header_at + 20;
  return {be32(b, c),      be32(b, c + 4),  be32(b, c + 8),
          be32(b, c + 12), be32(b, c + 16), be32(b, c + 20)};
}

}  // namespace

// Builds tables for the parsers below (the only code allowed to fill a LeapTable).
struct LeapTableBuilder {
  static LeapTableResult tzif(std::span<const uint8_t> b, std::string_view name);
  static LeapTableResult list(std::string_view text, std::string_view name);
};

LeapTableResult LeapTableBuilder::tzif(std::span<const uint8_t> b, std::string_view name) {
  if (b.size() < kTzifHeaderBytes)
    return fail(name, "truncated TZif header (" + std::to_string(b.size()) + " bytes, need 44)");
  if (std::memcmp(b.data(), "TZif", 4) != 0) return fail(name, "bad magic (not a TZif file)");
  int version = 0;
  if (b[4] == 0) {
    version = 1;
  } else if (b[4] >= '2' && b[4] <= '9') {
    version = b[4] - '0';  // RFC 9636 §3.1: treat newer versions as the newest we know
  } else {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", b[4]);
    return fail(name, std::string("unsupported TZif version byte ") + hex);
  }

  size_t header_at = 0;
  TzifCounts counts = read_counts(b, header_at);
  uint64_t time_size = 4;
  const auto overrun = [&](const char* what, uint64_t need, uint64_t have) {
    return fail(name, std::string(what) + " needs " + std::to_string(need) + " bytes but only " +
                          std::to_string(have) + " remain (leapcnt " +
                          std::to_string(counts.leapcnt) + ", timecnt " +
                          std::to_string(counts.timecnt) + ", typecnt " +
                          std::to_string(counts.typecnt) + ", charcnt " +
                          std::to_string(counts.charcnt) + ")");
  };
  if (const uint64_t need = counts.block_bytes(4); need > b.size() - kTzifHeaderBytes)
    return overrun("version 1 data block", need, b.size() - kTzifHeaderBytes);
  if (version >= 2) {
    // RFC 8536 §3: skip the 32-bit block; the second header and 64-bit block follow it.
    header_at = kTzifHeaderBytes + static_cast<size_t>(counts.block_bytes(4));
    if (b.size() - header_at < kTzifHeaderBytes)
      return fail(name, "truncated second TZif header (" + std::to_string(b.size() - header_at) +
                            " bytes, need 44)");
    if (std::memcmp(b.data() + header_at, "TZif", 4) != 0)
      return fail(name, "bad magic in second TZif header");
    counts = read_counts(b, header_at);
    time_size = 8;
    const size_t have = b.size() - header_at - kTzifHeaderBytes;
    if (const uint64_t need = counts.block_bytes(8); need > have)
      return overrun("64-bit data block", need, have);
  }
  // RFC 8536 §3.1 MUSTs that tell a real TZif block from noise.
  if (counts.typecnt == 0) return fail(name, "typecnt is 0");
  if (counts.charcnt == 0) return fail(name, "charcnt is 0");
  if (counts.isstdcnt != 0 && counts.isstdcnt != counts.typecnt)
    return fail(name, "isstdcnt is neither 0 nor typecnt");
  if (counts.isutcnt != 0 && counts.isutcnt != counts.typecnt)
    return fail(name, "isutcnt is neither 0 nor typecnt");

  LeapTable t;
  const size_t leap_at = header_at + kTzifHeaderBytes +
                         static_cast<size_t>(uint64_t{counts.timecnt} * (time_size + 1) +
                                             uint64_t{counts.typecnt} * 6 + counts.charcnt);
  const size_t record_bytes = static_cast<size_t>(time_size) + 4;
  int64_t prev_occurrence = 0, prev_correction = 0;
  for (uint32_t i = 0; i < counts.leapcnt; ++i) {
    const size_t at = leap_at + i * record_bytes;
    const int64_t occurrence = time_size == 4 ? static_cast<int32_t>(be32(b, at)) : be64s(b, at);
    const int64_t correction = static_cast<int32_t>(be32(b, at + time_size));
    const std::string rec =
        "leap record " + std::to_string(i + 1) + " of " + std::to_string(counts.leapcnt) + ": ";
    if (occurrence < 0 || occurrence > kMaxTimeS)
      return fail(name, rec + "occurrence " + std::to_string(occurrence) + " is out of range");
    if (i > 0 && occurrence <= prev_occurrence)
      return fail(name, rec + "occurrence " + std::to_string(occurrence) +
                            " is not after the previous one (" + std::to_string(prev_occurrence) +
                            ")");
    if (i > 0 && occurrence - prev_occurrence < kMinLeapSpacingS)
      return fail(name, rec + "occurrence " + std::to_string(occurrence) +
                            " is less than 28 days after the previous one");
    const bool last = i + 1 == counts.leapcnt;
    if (i == 0 && correction != 1 && correction != -1) {
      // RFC 9636 §3.2: a v4 file truncated at the start begins with the accumulated correction.
      if (version < 4)
        return fail(name, rec + "first correction is " + std::to_string(correction) +
                              " (must be +1 or -1)");
      t.base_tai_offset_ = kTaiOffsetAt1972 + seconds(correction);
    } else if (i > 0 && correction == prev_correction && last && version >= 4) {
      // RFC 9636 §3.2: a final record repeating the correction marks the table's expiry.
      t.expiry_ = sys_seconds(seconds(occurrence - correction));
    } else if (correction - prev_correction != 1 && correction - prev_correction != -1) {
      return fail(name, rec + "correction " + std::to_string(correction) +
                            " does not differ by one from the previous one (" +
                            std::to_string(prev_correction) + ")");
    } else {
      // Occurrences count leap seconds: an inserted 23:59:60 is at (midnight + previous
      // correction); a deleted second would have been 23:59:59, one second earlier.
      const int64_t midnight = occurrence - prev_correction + (correction < prev_correction);
      if (!is_midnight(midnight))
        return fail(name, rec + "occurrence " + std::to_string(occurrence) +
                              " is not at the end of a UTC day");
      t.changes_.push_back(
          {sys_seconds(seconds(midnight)), kTaiOffsetAt1972 + seconds(correction)});
    }
    prev_occurrence = occurrence;
    prev_correction = correction;
  }
  return {std::move(t), {}};
}

namespace {

// ---- leap-seconds.list ----

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }
void skip_space(std::string_view& s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
}

// An integer at the front of `s` (consumed); false if there is none or it does not fit.
template <typename Int>
bool take_int(std::string_view& s, Int& out) {
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc()) return false;
  s.remove_prefix(static_cast<size_t>(ptr - s.data()));
  return true;
}

// The rest of a line may be blank or a comment.
bool at_end_of_entry(std::string_view s) {
  skip_space(s);
  return s.empty() || s.front() == '#';
}

// An NTP-era time ("#@ 3991593600", "2287785600 11") within the supported range.
bool take_ntp_time(std::string_view& s, sys_seconds& out) {
  int64_t ntp_s = 0;
  if (s.empty() || s.front() < '0' || s.front() > '9' || !take_int(s, ntp_s) || ntp_s > kMaxTimeS)
    return false;
  out = sys_seconds(seconds(ntp_s - kNtpUnixOffsetS));
  return true;
}

}  // namespace

LeapTableResult LeapTableBuilder::list(std::string_view text, std::string_view name) {
  LeapTable t;
  std::optional<seconds> first_offset;
  std::optional<sys_seconds> last_time;
  int line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    std::string_view rest = line;
    skip_space(rest);
    if (rest.empty()) continue;
    if (rest.front() == '#') {
      if (rest.size() < 2 || (rest[1] != '@' && rest[1] != '$')) continue;  // a plain comment
      const bool expiry = rest[1] == '@';
      rest.remove_prefix(2);
      skip_space(rest);
      sys_seconds when;
      if (!take_ntp_time(rest, when) || !at_end_of_entry(rest))
        return fail_at(name, line_no,
                       std::string(expiry ? "'#@' (expiry)" : "'#$' (last update)") +
                           " is not followed by an NTP time: " + quote(line));
      (expiry ? t.expiry_ : t.updated_) = when;
      continue;
    }
    sys_seconds when;
    int32_t offset_s = 0;
    bool ok = take_ntp_time(rest, when) && !rest.empty() && is_space(rest.front());
    if (ok) {
      skip_space(rest);
      ok = take_int(rest, offset_s) && at_end_of_entry(rest);
    }
    if (!ok)
      return fail_at(name, line_no,
                     "expected 'NTP_SECONDS TAI_OFFSET [# comment]', got " + quote(line));
    const int64_t unix_s = when.time_since_epoch().count();
    if (!is_midnight(unix_s))
      return fail_at(name, line_no,
                     "time " + std::to_string(unix_s + kNtpUnixOffsetS) + " is not a UTC midnight");
    if (last_time && when <= *last_time)
      return fail_at(name, line_no,
                     "time " + std::to_string(unix_s + kNtpUnixOffsetS) +
                         " is not after the previous entry's");
    last_time = when;
    const seconds offset(offset_s);
    if (!first_offset) {
      // The first entry (1972-01-01, 10 s) sets the starting offset; it is not a leap.
      first_offset = offset;
      t.base_tai_offset_ = offset;
      continue;
    }
    const seconds prev = t.changes_.empty() ? *first_offset : t.changes_.back().tai_offset;
    if (offset - prev != seconds(1) && offset - prev != seconds(-1))
      return fail_at(name, line_no,
                     "TAI offset goes from " + std::to_string(prev.count()) + " to " +
                         std::to_string(offset.count()) + " (a leap is one second)");
    t.changes_.push_back({when, offset});
  }
  if (!first_offset) return fail(name, "no leap second entries");
  if (!t.expiry_) return fail(name, "no '#@' expiry line");
  if (!t.updated_) return fail(name, "no '#$' last update line");
  return {std::move(t), {}};
}

LeapInfo LeapTable::lookup(sys_seconds utc) const {
  const int64_t t =
      std::clamp<int64_t>(utc.time_since_epoch().count(), -2 * kMaxTimeS, 2 * kMaxTimeS);
  const int64_t day_end = (floor_div(t, kDayS) + 1) * kDayS;
  // Changes sit at midnights, so the first one after `utc` is the only one that can end its day.
  const auto next = std::upper_bound(
      changes_.begin(), changes_.end(), t,
      [](int64_t v, const Change& c) { return v < c.utc.time_since_epoch().count(); });
  LeapInfo info{LeapStatus::kNone,
                next == changes_.begin() ? base_tai_offset_ : std::prev(next)->tai_offset};
  if (next != changes_.end() && next->utc.time_since_epoch().count() == day_end)
    info.status = next->tai_offset > info.tai_offset ? LeapStatus::kInsert : LeapStatus::kDelete;
  return info;
}

LeapInfo LeapTable::lookup(const timespec& utc) const {
  return lookup(sys_seconds(seconds(static_cast<int64_t>(utc.tv_sec))));
}

bool LeapTable::matches_known_2012_leap() const {
  // chrony's leapdb.c check_leap_source(): 1341014400 is 2012-06-30, 1356912000 2012-12-31.
  return lookup(sys_seconds(seconds(1341014400))) == LeapInfo{LeapStatus::kInsert, seconds(34)} &&
         lookup(sys_seconds(seconds(1356912000))) == LeapInfo{LeapStatus::kNone, seconds(35)};
}

LeapTableResult parse_tzif(std::span<const uint8_t> bytes, std::string_view name) {
  return LeapTableBuilder::tzif(bytes, name);
}

LeapTableResult parse_leap_seconds_list(std::string_view text, std::string_view name) {
  return LeapTableBuilder::list(text, name);
}

namespace {

// The whole file, or an error naming it. Bounded: leap data is a few KiB.
std::optional<std::string> read_small_file(const std::string& path, std::string& error) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = path + ": cannot open: " + std::strerror(errno);
    return std::nullopt;
  }
  std::string data;
  char buf[8192];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = path + ": cannot read: " + std::strerror(errno);
      close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > kMaxFileBytes) {
      error = path + ": larger than 1 MiB, not leap second data";
      close(fd);
      return std::nullopt;
    }
  }
  close(fd);
  return data;
}

}  // namespace

LeapTableResult load_tzif(const std::string& path) {
  std::string error;
  const std::optional<std::string> data = read_small_file(path, error);
  if (!data) return {std::nullopt, error};
  return parse_tzif({reinterpret_cast<const uint8_t*>(data->data()), data->size()}, path);
}

LeapTableResult load_leap_seconds_list(const std::string& path) {
  std::string error;
  const std::optional<std::string> data = read_small_file(path, error);
  if (!data) return {std::nullopt, error};
  return parse_leap_seconds_list(*data, path);
}

std::string zoneinfo_path(std::string_view tz_name, std::string_view zoneinfo_dir) {
  if (!tz_name.empty() && tz_name.front() == '/') return std::string(tz_name);
  return std::string(zoneinfo_dir) + "/" + std::string(tz_name);
}

}  // namespace chronon::ts
