// A log-linear histogram of durations in nanoseconds (16 buckets per power of two, so any
// percentile is within 6 % of the true value) that records in O(1) without allocating: the
// load generator's response times and the server's receive-to-transmit times.
#pragma once

#include <array>
#include <bit>
#include <cstdint>

namespace chronon::bench {

class LatencyHistogram {
 public:
  static constexpr int kSubBits = 4;
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kBuckets = (64 - kSubBits + 1) * kSub;

  void record(uint64_t ns) {
    ++counts_[bucket_of(ns)];
    ++total_;
  }
  uint64_t total() const { return total_; }
  void clear() { *this = LatencyHistogram{}; }

  // The smallest bucket upper bound at or below which a fraction q (0..1) of the recorded
  // values lie; 0 when nothing was recorded.
  uint64_t percentile(double q) const {
    if (total_ == 0) return 0;
    uint64_t want = static_cast<uint64_t>(q * static_cast<double>(total_));
    if (want >= total_) want = total_ - 1;
    uint64_t seen = 0;
    for (int b = 0; b < kBuckets; ++b) {
      seen += counts_[b];
      if (seen > want) return upper_bound(b);
    }
    return upper_bound(kBuckets - 1);
  }

  // Values below kSub have a bucket each; above, a power of two 2^e is split into kSub
  // equal buckets.
  static int bucket_of(uint64_t ns) {
    if (ns < kSub) return static_cast<int>(ns);
    const int e = 63 - std::countl_zero(ns);  // 2^e <= ns
    const int sub = static_cast<int>((ns >> (e - kSubBits)) & (kSub - 1));
    return (e - kSubBits + 1) * kSub + sub;
  }
  static uint64_t upper_bound(int bucket) {
    if (bucket < kSub) return static_cast<uint64_t>(bucket);
    const int e = bucket / kSub + kSubBits - 1;
    const uint64_t sub = static_cast<uint64_t>(bucket % kSub);
    const uint64_t step = uint64_t{1} << (e - kSubBits);
    return (uint64_t{1} << e) + (sub + 1) * step - 1;
  }

 private:
  std::array<uint64_t, kBuckets> counts_{};
  uint64_t total_ = 0;
};

}  // namespace chronon::bench
