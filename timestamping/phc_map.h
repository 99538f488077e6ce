// A linear map from a NIC's PTP hardware clock (PHC) to the system clock, fitted to recent
// (PHC, system) sample pairs, so hardware RX timestamps can be served in the system's UTC.
// Pure: samples come from phc_reader.h in production and from tests in simulation.
#pragma once

#include <cstdint>
#include <deque>

namespace chronon::ts {

// One reading: the PHC time and the system time at the same instant (the midpoint of the
// system readings around the PHC reading), and how wide that window was.
struct PhcSample {
  int64_t phc_ns;
  int64_t sys_ns;
  int64_t window_ns;
};

// The fitted map as a small value (published to dataplane workers through a seqlock).
struct PhcMapping {
  int64_t phc_ref_ns = 0;
  int64_t sys_ref_ns = 0;
  double rate = 1.0;  // system seconds per PHC second
  bool valid = false;

  int64_t to_system_ns(int64_t phc_ns) const {
    return sys_ref_ns + static_cast<int64_t>(static_cast<double>(phc_ns - phc_ref_ns) * rate);
  }
};

class PhcFitter {
 public:
  // Keeps the last `max_samples` samples; the map is valid from `min_samples` on
  // (chrony's hwtimestamp minsamples/maxsamples).
  PhcFitter(int min_samples, int max_samples);

  // Adds a sample; a sample whose PHC or system time goes backwards restarts the fit (the
  // clock was stepped).
  void add(const PhcSample& s);

  // Least-squares line through the kept samples, referenced at the newest one.
  PhcMapping mapping() const;

 private:
  int min_samples_, max_samples_;
  std::deque<PhcSample> samples_;
};

}  // namespace chronon::ts
