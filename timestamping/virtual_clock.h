// A clock corrected in software: readings of a base clock plus the frequency and steps that
// discipline asked for. chronond -x uses it over the system clock (everything is computed,
// nothing touches the host), and the simulator uses it over a simulated oscillator.
#pragma once

#include "timestamping/clock.h"
#include "timestamping/clock_control.h"

namespace chronon::ts {

class VirtualClock final : public Clock, public ClockControl {
 public:
  explicit VirtualClock(const Clock& base);

  timespec now() const override;
  timespec monotonic() const override { return base_.monotonic(); }
  KernelClockState read_state() const override;
  int precision_log2() const override { return base_.precision_log2(); }

  double frequency_ppm() const override { return freq_ppm_; }
  bool set_frequency_ppm(double ppm) override;
  bool step(Nanos d) override;
  void set_sync_status(bool synchronised, Nanos max_error, Nanos est_error) override;
  void set_leap(KernelLeap leap) override { leap_ = leap; }
  double max_frequency_ppm() const override { return 500000.0; }

  KernelLeap leap() const { return leap_; }
  int steps() const { return steps_; }

 private:
  // Corrected time = anchor_cooked_ + (base - anchor_base_) * (1 + freq_ppm_ * 1e-6).
  Nanos cooked_at(Nanos base_now) const;
  const Clock& base_;
  Nanos anchor_base_;
  Nanos anchor_cooked_;
  double freq_ppm_ = 0.0;
  bool synchronised_ = false;
  Nanos max_error_{0}, est_error_{0};
  KernelLeap leap_ = KernelLeap::kNone;
  int steps_ = 0;
};

}  // namespace chronon::ts
