// PhcRefclock; see phc_refclock.h.
#include "control/refclock/phc_refclock.h"

#include <cstdlib>
#include <ctime>

namespace chronon::ctl {

int phc_index_of(const RefclockConfig& cfg) {
  const std::string& p = cfg.parameter;
  const std::string prefix = "/dev/ptp";
  if (p.find(':') != std::string::npos) {
    throw ConfigError(cfg.where.str() + ": refclock PHC options after ':' (" +
                      p.substr(p.find(':') + 1) + ") are not implemented");
  }
  if (p.rfind(prefix, 0) != 0 || p.size() == prefix.size() ||
      p.find_first_not_of("0123456789", prefix.size()) != std::string::npos) {
    throw ConfigError(cfg.where.str() + ": refclock PHC needs a device /dev/ptpN, not '" + p + "'");
  }
  return std::atoi(p.c_str() + prefix.size());
}

namespace {
ts::PhcReader open_reader(const RefclockConfig& cfg) {
  const int index = phc_index_of(cfg);
  try {
    return ts::PhcReader(index);
  } catch (const std::exception& e) {
    throw ConfigError(cfg.where.str() + ": refclock PHC: " + e.what());
  }
}
}  // namespace

PhcRefclock::PhcRefclock(const RefclockConfig& cfg, size_t source, int precision_log2,
                         double start_mono_s)
    : cfg_(cfg),
      source_(source),
      reader_(open_reader(cfg)),
      poller_(cfg, precision_log2, start_mono_s) {}

void PhcRefclock::service(double now_mono_s, const ts::Clock& clock, const LeapSource& leap,
                          TimeKeeper& keeper, std::vector<UpdateEvent>* events,
                          std::vector<std::string>* logs) {
  if (poller_.reading_due(now_mono_s)) {
    const auto s = reader_.sample();
    if (!s) {
      if (!read_error_logged_) logs->push_back(cfg_.where.str() + ": refclock PHC: " + reader_.last_error());
      read_error_logged_ = true;
      poller_.skip_reading(now_mono_s);
    } else {
      read_error_logged_ = false;
      // The reading's system time is raw CLOCK_REALTIME; carry it over to our clock (which
      // is a corrected virtual clock under -x) by the time elapsed since.
      timespec raw{};
      clock_gettime(CLOCK_REALTIME, &raw);
      const int64_t age_ns = ts::to_nanos(raw).count() - s->sys_ns;
      const timespec ours = ts::from_nanos(ts::to_nanos(clock.now()) - ts::Nanos(age_ns));
      double ref_ns = static_cast<double>(s->phc_ns);
      if (cfg_.tai) {
        const auto tai = leap.tai_offset_s(ours);
        ref_ns -= (tai ? *tai : 0.0) * 1e9;
      }
      const double ref_minus_ours =
          (ref_ns - static_cast<double>(ts::to_nanos(ours).count())) * 1e-9;
      poller_.add_reading(ours, ref_minus_ours, static_cast<double>(s->window_ns) * 1e-9,
                          now_mono_s);
    }
  }
  std::optional<NtpSample> sample;
  if (poller_.poll_due(now_mono_s, &sample)) {
    UpdateEvent ev = keeper.on_refclock_poll(source_, sample ? &*sample : nullptr);
    if (!ev.message.empty()) logs->push_back(ev.message);
  }
  (void)events;
}

}  // namespace chronon::ctl
