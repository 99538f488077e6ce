// ClockControl for the host's system clock through adjtimex(2), as chronyd's sys_linux does:
// frequency via ADJ_FREQUENCY (and ADJ_TICK beyond the kernel's +-500 ppm), steps via
// ADJ_SETOFFSET, sync status and leap bits via ADJ_STATUS. Only chronond without -x uses it.
#pragma once

#include "timestamping/clock_control.h"

namespace chronon::ts {

class SystemClockControl final : public ClockControl {
 public:
  SystemClockControl();
  double frequency_ppm() const override;
  bool set_frequency_ppm(double ppm) override;
  bool step(Nanos d) override;
  void set_sync_status(bool synchronised, Nanos max_error, Nanos est_error) override;
  void set_leap(KernelLeap leap) override;
  double max_frequency_ppm() const override { return max_ppm_; }

 private:
  long nominal_tick_us_;  // 1e6 / USER_HZ
  double max_ppm_;        // what tick and frequency together can reach (10 % of tick)
};

}  // namespace chronon::ts
