// LeapSource; see leap_source.h.
#include "control/leap_source.h"

namespace chronon::ctl {

LeapSource::LeapSource(const Config& cfg, std::string* error) {
  kernel_mode_ = cfg.leapsecmode == "system";
  ts::LeapTableResult r;
  if (!cfg.leapseclist.empty()) {
    r = ts::load_leap_seconds_list(cfg.leapseclist);
  } else if (!cfg.leapsectz.empty()) {
    r = ts::load_tzif(ts::zoneinfo_path(cfg.leapsectz));
  } else {
    return;
  }
  if (!r.table) {
    *error = r.error + "; leap seconds come from the sources instead";
    return;
  }
  if (!r.table->matches_known_2012_leap()) {
    // chronyd's check_leap_source(): a table without the 2012-06-30 leap is not a leap table.
    *error = (cfg.leapseclist.empty() ? cfg.leapsectz : cfg.leapseclist) +
             ": does not contain the leap second of 2012-06-30 (not a leap second table?); "
             "leap seconds come from the sources instead";
    return;
  }
  table_ = std::move(r.table);
}

uint8_t LeapSource::leap_at(const timespec& now) const {
  if (!table_) return 0;
  return static_cast<uint8_t>(table_->lookup(now).status);
}

std::optional<double> LeapSource::tai_offset_s(const timespec& now) const {
  if (!table_) return std::nullopt;
  return static_cast<double>(table_->lookup(now).tai_offset.count());
}

std::string LeapSource::arm_kernel(ts::ClockControl& control, uint8_t leap) {
  if (!kernel_mode_ || leap > 2 || leap == armed_) return "";
  armed_ = leap;
  control.set_leap(leap == 1 ? ts::KernelLeap::kInsert
                   : leap == 2 ? ts::KernelLeap::kDelete : ts::KernelLeap::kNone);
  return leap == 1   ? "Leap second will be inserted at the end of the day (kernel armed)"
         : leap == 2 ? "Leap second will be deleted at the end of the day (kernel armed)"
                     : "Leap second cancelled (kernel disarmed)";
}

}  // namespace chronon::ctl
