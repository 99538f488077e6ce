// RefclockFilter; see refclock_filter.h.
#include "control/refclock/refclock_filter.h"

#include <algorithm>
#include <cmath>

namespace chronon::ctl {

namespace {
// The middle 60 % of the sorted offsets are averaged (chrony keeps about that share).
constexpr double kKeptShare = 0.6;
}  // namespace

RefclockFilter::RefclockFilter(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

void RefclockFilter::add(const RefclockRaw& r) {
  if (raw_.size() == capacity_) raw_.erase(raw_.begin());
  raw_.push_back(r);
}

std::optional<RefclockRaw> RefclockFilter::take() {
  if (raw_.empty()) return std::nullopt;
  std::vector<RefclockRaw> v;
  v.swap(raw_);
  const RefclockRaw newest = v.back();
  std::sort(v.begin(), v.end(),
            [](const RefclockRaw& a, const RefclockRaw& b) { return a.offset_s < b.offset_s; });
  const size_t keep = std::max<size_t>(1, static_cast<size_t>(std::lround(v.size() * kKeptShare)));
  const size_t first = (v.size() - keep) / 2;
  double sum = 0, disp = 0, dt = 0;
  auto secs = [](const timespec& a, const timespec& b) {
    return static_cast<double>(b.tv_sec - a.tv_sec) + static_cast<double>(b.tv_nsec - a.tv_nsec) * 1e-9;
  };
  for (size_t i = first; i < first + keep; ++i) {
    sum += v[i].offset_s;
    disp += v[i].dispersion_s;
    dt += secs(newest.time, v[i].time);
  }
  RefclockRaw out;
  // The mean offset belongs to the mean time of the readings it came from.
  const long long shift_ns = std::llround(dt / static_cast<double>(keep) * 1e9);
  long long ns = static_cast<long long>(newest.time.tv_nsec) + shift_ns;
  out.time.tv_sec = newest.time.tv_sec + static_cast<time_t>(ns / 1000000000LL);
  ns %= 1000000000LL;
  if (ns < 0) {
    ns += 1000000000LL;
    --out.time.tv_sec;
  }
  out.time.tv_nsec = static_cast<long>(ns);
  out.offset_s = sum / static_cast<double>(keep);
  double var = 0;
  for (size_t i = first; i < first + keep; ++i) var += (v[i].offset_s - out.offset_s) * (v[i].offset_s - out.offset_s);
  const double sd = keep > 1 ? std::sqrt(var / static_cast<double>(keep - 1)) : 0.0;
  out.dispersion_s = std::max(disp / static_cast<double>(keep), sd);
  return out;
}

}  // namespace chronon::ctl
