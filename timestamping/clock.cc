// SystemClock (read-only access to the host's clocks) and SimulatedClock.
#include "timestamping/clock.h"

#include <sys/timex.h>

#include <climits>
#include <cmath>

namespace chronon::ts {

SystemClock::SystemClock() : precision_log2_(measure_precision_log2()) {}

timespec SystemClock::now() const {
  timespec t{};
  clock_gettime(CLOCK_REALTIME, &t);
  return t;
}

timespec SystemClock::monotonic() const {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t;
}

KernelClockState SystemClock::read_state() const {
  timex tx{};
  tx.modes = 0;  // read only: never adjusts the clock
  const int rc = adjtimex(&tx);
  KernelClockState s;
  if (rc < 0) return s;
  s.synchronised = (tx.status & STA_UNSYNC) == 0 && rc != TIME_ERROR;
  s.offset_ns = (tx.status & STA_NANO) ? tx.offset : tx.offset * 1000;
  s.frequency_ppm = static_cast<double>(tx.freq) / 65536.0;
  s.maxerror_us = tx.maxerror;
  s.esterror_us = tx.esterror;
  s.status = tx.status;
  s.tai_offset_s = tx.tai;
  return s;
}

SimulatedClock::SimulatedClock(timespec start, int precision_log2)
    : real_(to_nanos(start)), mono_(Nanos(1000000000)), precision_log2_(precision_log2) {}

void SimulatedClock::advance(Nanos d) {
  real_ += d;
  mono_ += d;
}

void SimulatedClock::step_realtime(Nanos d) { real_ += d; }

int measure_precision_log2() {
  // chrony's sys_generic measure_clock_precision(): the smallest positive step seen over a
  // number of successive readings.
  long best_ns = LONG_MAX;
  timespec a{}, b{};
  for (int i = 0; i < 100; ++i) {
    clock_gettime(CLOCK_REALTIME, &a);
    do {
      clock_gettime(CLOCK_REALTIME, &b);
    } while (b.tv_sec == a.tv_sec && b.tv_nsec == a.tv_nsec);
    const long d = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
    if (d > 0 && d < best_ns) best_ns = d;
  }
  // As chronyd: log2 of the quantum, rounded to the nearest integer, never below -30.
  const long lg = std::lround(std::log2(static_cast<double>(best_ns) * 1e-9));
  return lg < -30 ? -30 : static_cast<int>(lg);
}

}  // namespace chronon::ts
