// libFuzzer target: arbitrary bytes through both leap second parsers (TZif and
// leap-seconds.list). Each must return a consistent table or a "NAME: ..." error; nothing else.
#include <cstdint>
#include <span>
#include <string_view>

#include "timestamping/leap_table.h"

namespace {

using chronon::ts::LeapStatus;
using chronon::ts::LeapTableResult;

void check(const LeapTableResult& r, std::string_view name) {
  if (!r.table) {
    if (r.error.rfind(name, 0) != 0) __builtin_trap();
    return;
  }
  if (!r.error.empty()) __builtin_trap();
  const auto changes = r.table->changes();
  auto prev = r.table->base_tai_offset();
  for (size_t i = 0; i < changes.size(); ++i) {
    const auto& c = changes[i];
    if (i > 0 && c.utc <= changes[i - 1].utc) __builtin_trap();
    // The day before a change announces it; the change itself is in effect from midnight.
    const auto day_before = r.table->lookup(c.utc - std::chrono::seconds(1));
    const LeapStatus want = c.tai_offset > prev ? LeapStatus::kInsert : LeapStatus::kDelete;
    if (day_before.status != want || day_before.tai_offset != prev) __builtin_trap();
    if (r.table->lookup(c.utc).tai_offset != c.tai_offset) __builtin_trap();
    prev = c.tai_offset;
  }
  r.table->lookup(std::chrono::sys_seconds::max());
  r.table->lookup(std::chrono::sys_seconds::min());
  r.table->matches_known_2012_leap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  check(chronon::ts::parse_tzif(std::span<const uint8_t>(data, size), "fuzz.tzif"), "fuzz.tzif:");
  check(chronon::ts::parse_leap_seconds_list(
            std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.list"),
        "fuzz.list:");
  return 0;
}
