// A source's sample history and what it says about our clock relative to that source, in the
// spirit of chrony's sourcestats.c: weighted linear regression of offset over time (offset,
// frequency, their standard errors, residual std-dev), with a runs test that drops old samples
// once they no longer fit a line (the oscillator has wandered).
#pragma once

#include <cstdint>
#include <ctime>
#include <deque>

namespace chronon::ctl {

struct StatsSample {
  timespec time{};            // our clock when the sample applies
  double offset_s = 0;        // our clock minus the source's
  double peer_delay_s = 0;
  double peer_dispersion_s = 0;
  double root_delay_s = 0;
  double root_dispersion_s = 0;
  int stratum = 0;
  uint8_t leap = 0;
};

struct SourceEstimate {
  bool valid = false;          // at least one sample
  int samples = 0;             // samples the regression used
  int runs = 0;                // sign runs of the residuals
  timespec ref_time{};         // time of the newest sample: offset_s applies there
  double offset_s = 0;         // estimated offset at ref_time
  double offset_sd_s = 0;      // standard error of offset_s
  double frequency = 0;        // how fast our offset grows (s per s; +1e-6 = we gain 1 ppm)
  double skew = 0;             // standard error of frequency (s per s)
  double std_dev_s = 0;        // residual standard deviation of the samples
  double min_delay_s = 0;      // smallest peer delay among the samples
  double span_s = 0;           // time from the oldest to the newest sample used
};

// The sample with the smallest root distance once aged to `now` (chrony's best sample): its
// root delay and root dispersion, the latter grown by the skew and maxclockerror since.
struct BestSample {
  double root_delay_s = 0;
  double root_dispersion_s = 0;
};

class SourceStats {
 public:
  SourceStats(int min_samples, int max_samples);

  void add(const StatsSample& s);
  void clear();
  // Re-expresses stored samples after our clock changed at `when`: a step of `step_s` and a
  // rate change of `dfreq` (s per s) from then on, so old and new samples stay comparable.
  void correct(timespec when, double dfreq, double step_s);
  // The reference's time scale moved by -`offset_s` (a leap second: +1 inserted) while our
  // clock did not: every offset grows by `offset_s`, the sample times stay.
  void shift_offsets(double offset_s);

  const SourceEstimate& estimate() const { return est_; }
  // Our offset from the source predicted at `t` (extrapolated along the regression line).
  double predict_offset(timespec t) const;
  BestSample best_sample(timespec now, double maxclockerror) const;
  const StatsSample* last() const { return samples_.empty() ? nullptr : &samples_.back(); }
  int size() const { return static_cast<int>(samples_.size()); }
  // The history as re-expressed now, oldest first.
  const std::deque<StatsSample>& samples() const { return samples_; }
  // Enough samples for the source to be selected (chrony's select_ok): three, the fewest a
  // regression needs, or all of them when `maxsamples` is fewer (sourcestats.c).
  bool regression_ok() const {
    return size() >= kMinSamplesForRegression || (size() > 0 && size() == max_samples_);
  }
  static constexpr int kMinSamplesForRegression = 3;

  // Frequency skew assumed while there are too few samples for a regression (chrony's
  // WORST_CASE_FREQ_BOUND is 2000 ppm; its maxupdateskew default is 1000 ppm).
  static constexpr double kUnknownSkew = 2000e-6;

 private:
  void regress();
  int min_samples_;
  int max_samples_;
  std::deque<StatsSample> samples_;
  SourceEstimate est_;
};

// Seconds from a to b (b - a).
double seconds_between(const timespec& a, const timespec& b);

}  // namespace chronon::ctl
