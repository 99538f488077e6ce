// Leap second table from a TZif file (chrony's `leapsectz right/UTC`, RFC 8536) or an IERS
// leap-seconds.list (`leapseclist`), queried as chrony's leapdb.c does: the leap at the end of
// the current UTC day (to announce in LI, RFC 5905 §7.3) and the TAI-UTC offset in effect.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace chronon::ts {

// The values are RFC 5905's LI codes, so they go into a reply as they are.
enum class LeapStatus : uint8_t {
  kNone = 0,    // the UTC day ends at 23:59:59 -> 00:00:00
  kInsert = 1,  // 23:59:60 is inserted (last minute has 61 s)
  kDelete = 2,  // 23:59:59 is deleted (last minute has 59 s)
};

struct LeapInfo {
  LeapStatus status = LeapStatus::kNone;  // at the end of the queried UTC day
  std::chrono::seconds tai_offset{0};     // TAI - UTC in effect at the queried time
  friend bool operator==(const LeapInfo&, const LeapInfo&) = default;
};

// TAI - UTC when UTC got its integral offset (1972-01-01); TZif corrections count from it.
inline constexpr std::chrono::seconds kTaiOffsetAt1972{10};

class LeapTable {
 public:
  // TAI - UTC becomes `tai_offset` at `utc` (a UTC midnight) and stays until the next change.
  struct Change {
    std::chrono::sys_seconds utc;
    std::chrono::seconds tai_offset;
    friend bool operator==(const Change&, const Change&) = default;
  };

  // Like chrony's get_tz_leap()/get_list_leap(): the leap at the end of the UTC day that
  // contains `utc`, and the offset in effect at `utc` (before that leap, if any).
  LeapInfo lookup(std::chrono::sys_seconds utc) const;
  LeapInfo lookup(const timespec& utc) const;

  // Past this the table may miss an announced leap (leap-seconds.list `#@`, TZif v4 expiry).
  std::optional<std::chrono::sys_seconds> expiry() const { return expiry_; }
  bool is_expired(std::chrono::sys_seconds now) const { return expiry_ && now >= *expiry_; }
  // leap-seconds.list `#$`: when IERS last updated the list.
  std::optional<std::chrono::sys_seconds> updated() const { return updated_; }

  std::chrono::seconds base_tai_offset() const { return base_tai_offset_; }  // before changes
  std::span<const Change> changes() const { return changes_; }

  // chrony's check_leap_source(): an insert on 2012-06-30 at offset 34, nothing on
  // 2012-12-31 at 35. A source that fails this is ignored by chronyd.
  bool matches_known_2012_leap() const;

 private:
  friend struct LeapTableBuilder;
  std::chrono::seconds base_tai_offset_ = kTaiOffsetAt1972;
  std::vector<Change> changes_;  // strictly increasing utc, offsets one second apart
  std::optional<std::chrono::sys_seconds> expiry_;
  std::optional<std::chrono::sys_seconds> updated_;
};

// Either a table or an error "NAME: problem" (NAME being the path or the name given).
struct LeapTableResult {
  std::optional<LeapTable> table;
  std::string error;
};

// RFC 8536 TZif, versions 1-3 (and 4, RFC 9636: expiry record, truncated start). Uses the
// 64-bit data block when there is one. The bytes are untrusted: never throws.
LeapTableResult parse_tzif(std::span<const uint8_t> bytes, std::string_view name);

// IETF/IERS leap-seconds.list: "NTP_SECONDS TAI_OFFSET [# comment]" lines, `#@` expiry and
// `#$` update times (both required, as chrony requires them). Never throws.
LeapTableResult parse_leap_seconds_list(std::string_view text, std::string_view name);

// Read a file (at most 1 MiB) and parse it; a file that cannot be read is an error.
LeapTableResult load_tzif(const std::string& path);
LeapTableResult load_leap_seconds_list(const std::string& path);

// Where libc finds the zone `leapsectz` names: an absolute name as is, else under zoneinfo_dir.
std::string zoneinfo_path(std::string_view tz_name,
                          std::string_view zoneinfo_dir = "/usr/share/zoneinfo");

}  // namespace chronon::ts
