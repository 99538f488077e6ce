// Least-squares fit of system time against PHC time; see phc_map.h.
#include "timestamping/phc_map.h"

#include <algorithm>

namespace chronon::ts {

PhcFitter::PhcFitter(int min_samples, int max_samples)
    : min_samples_(std::max(1, min_samples)), max_samples_(std::max(min_samples_, max_samples)) {}

void PhcFitter::add(const PhcSample& s) {
  if (!samples_.empty() &&
      (s.phc_ns <= samples_.back().phc_ns || s.sys_ns <= samples_.back().sys_ns)) {
    samples_.clear();
  }
  samples_.push_back(s);
  while (static_cast<int>(samples_.size()) > max_samples_) samples_.pop_front();
}

PhcMapping PhcFitter::mapping() const {
  PhcMapping m;
  if (static_cast<int>(samples_.size()) < min_samples_) return m;
  const PhcSample& ref = samples_.back();
  m.phc_ref_ns = ref.phc_ns;
  m.valid = true;
  if (samples_.size() == 1) {
    m.sys_ref_ns = ref.sys_ns;
    return m;
  }
  // Differences from the reference keep the doubles small and exact enough.
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  const double n = static_cast<double>(samples_.size());
  for (const PhcSample& s : samples_) {
    const double x = static_cast<double>(s.phc_ns - ref.phc_ns);
    const double y = static_cast<double>(s.sys_ns - ref.sys_ns);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const double den = n * sxx - sx * sx;
  if (den <= 0) {
    m.sys_ref_ns = ref.sys_ns;
    return m;
  }
  m.rate = (n * sxy - sx * sy) / den;
  const double intercept = (sy - m.rate * sx) / n;  // y at x = 0, i.e. at the reference
  m.sys_ref_ns = ref.sys_ns + static_cast<int64_t>(intercept);
  return m;
}

}  // namespace chronon::ts
