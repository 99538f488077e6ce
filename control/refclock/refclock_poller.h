// A reference clock's schedule, sans-IO: a raw reading every 2^dpoll s, and at every
// 2^poll s the filtered sample as an NtpSample for selection (stratum 0, so we serve
// stratum 1; root delay the configured `delay`, root dispersion the filter's spread).
#pragma once

#include <optional>
#include <string>

#include "control/config/config.h"
#include "control/refclock/refclock_filter.h"
#include "control/source/ntp_sample.h"

namespace chronon::ctl {

class RefclockPoller {
 public:
  RefclockPoller(const RefclockConfig& cfg, int precision_log2, double start_mono_s);

  // When the next reading or poll is due (monotonic seconds).
  double next_due_mono_s() const;
  bool reading_due(double now_mono_s) const { return now_mono_s >= next_reading_; }
  // A reading: our clock at it, and the reference clock's time minus ours (in UTC, after
  // any TAI correction), and the width of the reading window.
  void add_reading(const timespec& ours, double ref_minus_ours_s, double window_s,
                   double now_mono_s);
  // A reading that failed: skipped, but the schedule moves on.
  void skip_reading(double now_mono_s);
  // If a poll is due, returns true and sets `sample` (nullopt when no reading succeeded).
  bool poll_due(double now_mono_s, std::optional<NtpSample>* sample);

  // The reference ID: `refid` option, else the driver and the device's index ("PHC0").
  static uint32_t refid_of(const RefclockConfig& cfg);

 private:
  RefclockConfig cfg_;
  double precision_s_;
  RefclockFilter filter_;
  double next_reading_, next_poll_;
};

// The SourceConfig a reference clock is selected with (its poll, prefer, noselect, trust,
// require, offset).
SourceConfig refclock_source_config(const RefclockConfig& cfg);

}  // namespace chronon::ctl
