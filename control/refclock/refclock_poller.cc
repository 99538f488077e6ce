// RefclockPoller; see refclock_poller.h.
#include "control/refclock/refclock_poller.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace chronon::ctl {

namespace {
// chrony's default filter length: enough readings for a poll, at least a few.
size_t filter_length(const RefclockConfig& c) {
  if (c.filter > 0) return static_cast<size_t>(c.filter);
  const int n = 1 << std::max(0, c.poll - c.dpoll);
  return static_cast<size_t>(std::clamp(n, 4, 1024));
}
}  // namespace

RefclockPoller::RefclockPoller(const RefclockConfig& cfg, int precision_log2, double start_mono_s)
    : cfg_(cfg),
      precision_s_(cfg.precision_s > 0 ? cfg.precision_s : std::ldexp(1.0, precision_log2)),
      filter_(filter_length(cfg)),
      next_reading_(start_mono_s),
      next_poll_(start_mono_s + std::ldexp(1.0, cfg.poll)) {}

double RefclockPoller::next_due_mono_s() const { return std::min(next_reading_, next_poll_); }

void RefclockPoller::add_reading(const timespec& ours, double ref_minus_ours_s, double window_s,
                                 double now_mono_s) {
  filter_.add(RefclockRaw{ours, -ref_minus_ours_s, window_s / 2 + precision_s_});
  skip_reading(now_mono_s);
}

void RefclockPoller::skip_reading(double now_mono_s) {
  const double step = std::ldexp(1.0, cfg_.dpoll);
  while (next_reading_ <= now_mono_s) next_reading_ += step;
}

bool RefclockPoller::poll_due(double now_mono_s, std::optional<NtpSample>* sample) {
  if (now_mono_s < next_poll_) return false;
  const double step = std::ldexp(1.0, cfg_.poll);
  while (next_poll_ <= now_mono_s) next_poll_ += step;
  sample->reset();
  const auto f = filter_.take();
  if (!f) return true;
  NtpSample s;
  s.local_time = f->time;
  s.offset_s = f->offset_s;
  s.delay_s = cfg_.delay_s;
  s.dispersion_s = f->dispersion_s;
  s.root_delay_s = cfg_.delay_s;
  s.root_dispersion_s = f->dispersion_s;
  s.stratum = cfg_.stratum;
  s.leap = 0;
  s.refid = refid_of(cfg_);
  s.poll = static_cast<int8_t>(cfg_.poll);
  *sample = s;
  return true;
}

uint32_t RefclockPoller::refid_of(const RefclockConfig& cfg) {
  std::string id = cfg.refid;
  if (id.empty()) {
    // chrony: the driver name and the last digit of the device ("PHC0" for /dev/ptp0).
    std::string driver = cfg.driver;
    for (char& ch : driver) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    id = driver.substr(0, 3);
    const size_t digit = cfg.parameter.find_last_of("0123456789");
    id += digit == std::string::npos ? '0' : cfg.parameter[digit];
  }
  uint32_t r = 0;
  for (size_t i = 0; i < 4; ++i)
    r = r << 8 | (i < id.size() ? static_cast<unsigned char>(id[i]) : 0);
  return r;
}

SourceConfig refclock_source_config(const RefclockConfig& cfg) {
  SourceConfig s;
  s.type = SourceConfig::Type::kServer;
  s.address = cfg.driver + ":" + cfg.parameter;
  s.minpoll = s.maxpoll = cfg.poll;
  s.prefer = cfg.prefer;
  s.noselect = cfg.noselect;
  s.trust = cfg.trust;
  s.require = cfg.require;
  s.offset = cfg.offset_s;
  s.where = cfg.where;
  return s;
}

}  // namespace chronon::ctl
