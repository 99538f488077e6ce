// The Clock interface: every reading and (later) adjustment of a clock goes through it, so
// that selection and discipline run on simulated time in tests and the host clock is never
// touched by a test.
#pragma once

#include <ctime>

#include "timestamping/ntp_time.h"

namespace chronon::ts {

// What the kernel reports about its discipline (adjtimex read-only, modes = 0).
struct KernelClockState {
  bool synchronised = false;   // STA_UNSYNC clear
  long offset_ns = 0;          // remaining offset being slewed
  double frequency_ppm = 0;    // current frequency correction
  long maxerror_us = 0;
  long esterror_us = 0;
  int status = 0;              // STA_* bits
  int tai_offset_s = 0;
};

class Clock {
 public:
  virtual ~Clock() = default;
  // CLOCK_REALTIME-like reading (UTC, Unix epoch).
  virtual timespec now() const = 0;
  // CLOCK_MONOTONIC-like reading, for intervals that must not jump with steps.
  virtual timespec monotonic() const = 0;
  // Read the kernel's discipline state without changing it.
  virtual KernelClockState read_state() const = 0;
  // Precision of a reading as log2 seconds (RFC 5905 "precision"), measured or simulated.
  virtual int precision_log2() const = 0;
};

// The host's clocks through clock_gettime(2) and adjtimex(2) with modes = 0 (read-only).
class SystemClock final : public Clock {
 public:
  SystemClock();
  timespec now() const override;
  timespec monotonic() const override;
  KernelClockState read_state() const override;
  int precision_log2() const override { return precision_log2_; }

 private:
  int precision_log2_;
};

// A clock whose time moves only when a test says so.
class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(timespec start, int precision_log2 = -24);
  timespec now() const override { return from_nanos(real_); }
  timespec monotonic() const override { return from_nanos(mono_); }
  KernelClockState read_state() const override { return state_; }
  int precision_log2() const override { return precision_log2_; }

  void advance(Nanos d);            // both clocks move forward
  void step_realtime(Nanos d);      // only the realtime clock jumps (as a step would)
  void set_state(const KernelClockState& s) { state_ = s; }

 private:
  Nanos real_;
  Nanos mono_;
  int precision_log2_;
  KernelClockState state_{};
};

// Measures the precision of a clock_gettime reading as chronyd does (the minimal non-zero
// difference between successive readings, rounded to the nearest power of two), as log2 seconds.
int measure_precision_log2();

}  // namespace chronon::ts
