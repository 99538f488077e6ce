// VirtualClock; see virtual_clock.h.
#include "timestamping/virtual_clock.h"

#include <cmath>

namespace chronon::ts {

VirtualClock::VirtualClock(const Clock& base)
    : base_(base), anchor_base_(to_nanos(base.now())), anchor_cooked_(anchor_base_) {}

Nanos VirtualClock::cooked_at(Nanos base_now) const {
  const double elapsed = static_cast<double>((base_now - anchor_base_).count());
  return anchor_cooked_ + Nanos(std::llround(elapsed * (1.0 + freq_ppm_ * 1e-6)));
}

timespec VirtualClock::now() const { return from_nanos(cooked_at(to_nanos(base_.now()))); }

bool VirtualClock::set_frequency_ppm(double ppm) {
  // Re-anchor so the change applies from now on and the reading does not jump.
  const Nanos b = to_nanos(base_.now());
  anchor_cooked_ = cooked_at(b);
  anchor_base_ = b;
  freq_ppm_ = ppm;
  return true;
}

bool VirtualClock::step(Nanos d) {
  anchor_cooked_ += d;
  ++steps_;
  return true;
}

void VirtualClock::set_sync_status(bool synchronised, Nanos max_error, Nanos est_error) {
  synchronised_ = synchronised;
  max_error_ = max_error;
  est_error_ = est_error;
}

KernelClockState VirtualClock::read_state() const {
  KernelClockState s;
  s.synchronised = synchronised_;
  s.frequency_ppm = freq_ppm_;
  s.maxerror_us = static_cast<long>(max_error_.count() / 1000);
  s.esterror_us = static_cast<long>(est_error_.count() / 1000);
  return s;
}

}  // namespace chronon::ts
