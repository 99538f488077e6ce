// What the simulated-time scenarios share: a `server` line's options and a running tally of
// the clock's error, so each scenario file states only its world and its expectations.
#pragma once

#include <algorithm>
#include <cmath>

#include "control/config/config.h"

namespace chronon::sim {

inline ctl::SourceConfig server_source(bool iburst = true, int minpoll = 4, int maxpoll = 6) {
  ctl::SourceConfig s;
  s.minpoll = minpoll;
  s.maxpoll = maxpoll;
  s.iburst = iburst;
  return s;
}

struct ErrorStats {
  double sum2 = 0;
  double max_abs = 0;
  int n = 0;
  void add(double e) {
    sum2 += e * e;
    max_abs = std::max(max_abs, std::abs(e));
    ++n;
  }
  double rms() const { return n ? std::sqrt(sum2 / n) : 0.0; }
};

}  // namespace chronon::sim
