// The sample filter of a reference clock (chrony's refclock.c median filter, in spirit):
// raw offsets taken every 2^dpoll s are reduced at each poll to one sample, the mean of the
// middle of the sorted offsets, so single outliers (a delayed readout) do not reach selection.
#pragma once

#include <ctime>
#include <optional>
#include <vector>

namespace chronon::ctl {

struct RefclockRaw {
  timespec time{};          // our clock at the reading
  double offset_s = 0;      // our clock minus the reference clock
  double dispersion_s = 0;  // half the reading window plus the clock's precision
};

class RefclockFilter {
 public:
  // Keeps at most `capacity` raw samples between polls (the oldest go first).
  explicit RefclockFilter(size_t capacity);
  void add(const RefclockRaw& r);
  // The filtered sample of the raw ones since the last call, or nullopt if there were none.
  std::optional<RefclockRaw> take();
  size_t size() const { return raw_.size(); }

 private:
  size_t capacity_;
  std::vector<RefclockRaw> raw_;
};

}  // namespace chronon::ctl
