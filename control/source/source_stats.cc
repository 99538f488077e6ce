// SourceStats; see source_stats.h.
#include "control/source/source_stats.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace chronon::ctl {

namespace {

constexpr int kMaxSamplesLimit = 64;      // chrony's MAX_SAMPLES
constexpr int kMinSamplesForRunsTest = 6;
// Runs below mean - kRunsZ * sd of the count for random signs (about a 1 % one-sided level)
// say the residuals are not random: the older samples no longer fit one line.
constexpr double kRunsZ = 2.33;

struct Fit {
  double a = 0, b = 0;  // offset at x = 0 (newest sample), slope
  double s2 = 0;        // residual variance (weights normalised to mean 1)
  double sxx = 0, xm = 0, sum_w = 0;
  int runs = 0;
};

Fit fit(const std::vector<double>& x, const std::vector<double>& y, const std::vector<double>& w,
        size_t from) {
  Fit f;
  const size_t n = x.size() - from;
  double sw = 0, sx = 0, sy = 0;
  for (size_t i = from; i < x.size(); ++i) {
    sw += w[i];
    sx += w[i] * x[i];
    sy += w[i] * y[i];
  }
  f.sum_w = sw;
  f.xm = sx / sw;
  const double ym = sy / sw;
  double sxy = 0;
  for (size_t i = from; i < x.size(); ++i) {
    f.sxx += w[i] * (x[i] - f.xm) * (x[i] - f.xm);
    sxy += w[i] * (x[i] - f.xm) * (y[i] - ym);
  }
  f.b = f.sxx > 0 ? sxy / f.sxx : 0.0;
  f.a = ym - f.b * f.xm;
  double ssr = 0;
  int last_sign = 0;
  for (size_t i = from; i < x.size(); ++i) {
    const double r = y[i] - (f.a + f.b * x[i]);
    ssr += w[i] * r * r;
    const int sign = r >= 0 ? 1 : -1;
    if (sign != last_sign) ++f.runs;
    last_sign = sign;
  }
  // Normalise the weights to a mean of 1 so s2 is in seconds squared.
  const double norm = static_cast<double>(n) / sw;
  f.sxx *= norm;
  f.s2 = n > 2 ? ssr * norm / static_cast<double>(n - 2) : 0.0;
  return f;
}

bool runs_look_random(int runs, const std::vector<double>& x, const std::vector<double>& y,
                      const Fit& f, size_t from) {
  int pos = 0, neg = 0;
  for (size_t i = from; i < x.size(); ++i) (y[i] - (f.a + f.b * x[i]) >= 0 ? pos : neg)++;
  const double n = pos + neg;
  if (pos == 0 || neg == 0) return false;
  const double two_pn = 2.0 * pos * neg;
  const double mean = 1.0 + two_pn / n;
  const double var = two_pn * (two_pn - n) / (n * n * (n - 1.0));
  return runs >= mean - kRunsZ * std::sqrt(std::max(var, 0.0));
}

}  // namespace

double seconds_between(const timespec& a, const timespec& b) {
  return static_cast<double>(b.tv_sec - a.tv_sec) + static_cast<double>(b.tv_nsec - a.tv_nsec) * 1e-9;
}

SourceStats::SourceStats(int min_samples, int max_samples)
    : min_samples_(std::clamp(min_samples, 1, kMaxSamplesLimit)),
      max_samples_(std::clamp(max_samples, 1, kMaxSamplesLimit)) {
  if (max_samples_ < min_samples_) max_samples_ = min_samples_;
}

void SourceStats::add(const StatsSample& s) {
  // A sample from before the newest one (our clock was stepped back) restarts the history.
  if (!samples_.empty() && seconds_between(samples_.back().time, s.time) <= 0) samples_.clear();
  samples_.push_back(s);
  while (static_cast<int>(samples_.size()) > max_samples_) samples_.pop_front();
  regress();
}

void SourceStats::clear() {
  samples_.clear();
  est_ = SourceEstimate{};
}

void SourceStats::correct(timespec when, double dfreq, double step_s) {
  for (auto& s : samples_) {
    const double delta = step_s + dfreq * seconds_between(when, s.time);
    s.offset_s += delta;
    const long long ns = s.time.tv_nsec + std::llround(delta * 1e9);
    s.time.tv_sec += static_cast<time_t>(ns / 1000000000LL);
    s.time.tv_nsec = static_cast<long>(ns % 1000000000LL);
    if (s.time.tv_nsec < 0) {
      s.time.tv_nsec += 1000000000L;
      --s.time.tv_sec;
    }
  }
  if (!samples_.empty()) regress();
}

void SourceStats::shift_offsets(double offset_s) {
  for (auto& s : samples_) s.offset_s += offset_s;
  if (!samples_.empty()) regress();
}

double SourceStats::predict_offset(timespec t) const {
  if (!est_.valid) return 0.0;
  return est_.offset_s + est_.frequency * seconds_between(est_.ref_time, t);
}

BestSample SourceStats::best_sample(timespec now, double maxclockerror) const {
  BestSample best{0, 1e9};
  double best_dist = 1e18;
  const double rate = est_.skew + maxclockerror;
  for (const auto& s : samples_) {
    const double disp = s.root_dispersion_s + std::max(0.0, seconds_between(s.time, now)) * rate;
    const double dist = s.root_delay_s / 2 + disp;
    if (dist < best_dist) {
      best_dist = dist;
      best = {s.root_delay_s, disp};
    }
  }
  return best;
}

void SourceStats::regress() {
  est_ = SourceEstimate{};
  if (samples_.empty()) return;
  const size_t n = samples_.size();
  const timespec newest = samples_.back().time;
  std::vector<double> x(n), y(n), w(n);
  double min_delay = samples_.front().peer_delay_s;
  for (const auto& s : samples_) min_delay = std::min(min_delay, s.peer_delay_s);
  // Samples whose delay is over the minimum carry queueing noise: weigh them down by their
  // distance relative to the best one (chrony weighs by the delay's excess the same way).
  double min_dist = 1e9;
  for (const auto& s : samples_) min_dist = std::min(min_dist, s.peer_delay_s / 2 + s.peer_dispersion_s);
  for (size_t i = 0; i < n; ++i) {
    const auto& s = samples_[i];
    x[i] = seconds_between(newest, s.time);
    y[i] = s.offset_s;
    const double dist = s.peer_delay_s / 2 + s.peer_dispersion_s;
    const double rel = min_dist > 0 ? dist / min_dist : 1.0;
    w[i] = 1.0 / (rel * rel);
  }

  size_t from = 0;
  Fit f = fit(x, y, w, from);
  while (n - from >= static_cast<size_t>(std::max(kMinSamplesForRunsTest, min_samples_)) &&
         !runs_look_random(f.runs, x, y, f, from)) {
    // Drop the oldest quarter (at least one) and fit again.
    from += std::max<size_t>(1, (n - from) / 4);
    f = fit(x, y, w, from);
  }
  if (from > 0) {
    samples_.erase(samples_.begin(), samples_.begin() + static_cast<long>(from));
    x.erase(x.begin(), x.begin() + static_cast<long>(from));
    y.erase(y.begin(), y.begin() + static_cast<long>(from));
    w.erase(w.begin(), w.begin() + static_cast<long>(from));
  }
  const size_t m = samples_.size();

  est_.valid = true;
  est_.samples = static_cast<int>(m);
  est_.runs = f.runs;
  est_.ref_time = newest;
  est_.min_delay_s = min_delay;
  est_.span_s = -x.front();
  double min_disp = samples_.back().peer_dispersion_s;
  for (const auto& s : samples_) min_disp = std::min(min_disp, s.peer_dispersion_s);
  if (m < 3 || f.sxx <= 0) {
    // Too few points for a residual: trust the newest sample, frequency unknown.
    est_.offset_s = m == 2 && f.sxx > 0 ? f.a : y.back();
    est_.frequency = m == 2 && f.sxx > 0 ? f.b : 0.0;
    est_.std_dev_s = min_disp;
    est_.offset_sd_s = min_disp;
    est_.skew = kUnknownSkew;
    return;
  }
  const double s2 = std::max(f.s2, min_disp * min_disp * 1e-2);
  est_.offset_s = f.a;
  est_.frequency = f.b;
  est_.std_dev_s = std::sqrt(s2);
  est_.offset_sd_s = std::sqrt(s2 * (1.0 / static_cast<double>(m) + f.xm * f.xm / f.sxx));
  est_.skew = std::min(std::sqrt(s2 / f.sxx), kUnknownSkew);
}

}  // namespace chronon::ctl
