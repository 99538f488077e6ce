// One-line readings of the system clocks for the dataplane's loops (clock_gettime through the
// vDSO: no system call): CLOCK_REALTIME for timestamps, CLOCK_MONOTONIC for ages.
#pragma once

#include <cstdint>
#include <ctime>

#include "timestamping/ntp_time.h"

namespace chronon::ts {

inline timespec realtime_now() {
  timespec t{};
  clock_gettime(CLOCK_REALTIME, &t);
  return t;
}

inline int64_t monotonic_now_ns() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return to_nanos(t).count();
}

}  // namespace chronon::ts
