// ClockControl: every adjustment of a clock (frequency, step, kernel sync status, leap) goes
// through this interface, so discipline runs against the host (adjtimex), a PHC
// (clock_adjtime), a virtual clock (-x) or a simulated oscillator without knowing which.
#pragma once

#include "timestamping/ntp_time.h"

namespace chronon::ts {

enum class KernelLeap { kNone, kInsert, kDelete };

class ClockControl {
 public:
  virtual ~ClockControl() = default;
  // The frequency correction now applied, in ppm (positive: the clock runs faster).
  virtual double frequency_ppm() const = 0;
  // Sets the frequency correction. Returns false (errno kept by the caller's log) on failure.
  virtual bool set_frequency_ppm(double ppm) = 0;
  // Adds `d` to the clock at once (a step). Returns false on failure.
  virtual bool step(Nanos d) = 0;
  // Tells the kernel whether the clock is synchronised and how good it is (STA_UNSYNC,
  // maxerror, esterror): with rtcsync the kernel's 11-minute mode copies it to the RTC.
  virtual void set_sync_status(bool synchronised, Nanos max_error, Nanos est_error) = 0;
  // Arms (or disarms) a leap second at the end of the current UTC day (STA_INS/STA_DEL).
  virtual void set_leap(KernelLeap leap) = 0;
  // The largest frequency correction the clock accepts, in ppm.
  virtual double max_frequency_ppm() const = 0;
};

}  // namespace chronon::ts
