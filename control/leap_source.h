// Where the leap indicator comes from when `leapsectz` or `leapseclist` is configured: the
// table, as chronyd prefers it over the sources' votes, announced during the last UTC day
// before the leap second. Also arms the kernel (leapsecmode system) when the status changes.
#pragma once

#include <ctime>
#include <optional>
#include <string>

#include "control/config/config.h"
#include "timestamping/clock_control.h"
#include "timestamping/leap_table.h"

namespace chronon::ctl {

class LeapSource {
 public:
  // Loads the configured table; a table that cannot be read leaves `error` set and the
  // source inactive (the sources' leap votes are used instead).
  LeapSource(const Config& cfg, std::string* error);
  bool active() const { return table_.has_value(); }
  // The leap indicator for the UTC day containing `now` (RFC 5905 LI codes 0-2).
  uint8_t leap_at(const timespec& now) const;
  // TAI - UTC at `now` (for a reference clock that counts TAI); nullopt without a table.
  std::optional<double> tai_offset_s(const timespec& now) const;
  // leapsecmode system: arms or disarms the kernel's leap second to match `leap` (the
  // indicator being served); returns a log line when that changed, else "".
  std::string arm_kernel(ts::ClockControl& control, uint8_t leap);

 private:
  std::optional<ts::LeapTable> table_;
  bool kernel_mode_ = true;
  uint8_t armed_ = 0;
};

}  // namespace chronon::ctl
