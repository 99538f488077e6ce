// Server state decisions; see server_state_source.h.
#include "control/server_state_source.h"

#include <algorithm>
#include <cmath>
#include <ctime>

#include "control/md5.h"

namespace chronon::ctl {

namespace {
// chronyd keeps the local reference time one second behind the clock and refreshes it every
// 64 s (reference.c LOCAL_REF_UPDATE_INTERVAL), so a client never sees a reference time
// after the transmit time.
constexpr auto kLocalRefUpdate = std::chrono::seconds(64);
constexpr auto kLocalRefLag = std::chrono::seconds(1);
}  // namespace

ServerStateSource::ServerStateSource(const ts::Clock& clock, LocalReference local,
                                     int poll_floor_log2, double maxclockerror_ppm)
    : clock_(clock),
      local_(local),
      precision_(static_cast<int8_t>(clock.precision_log2())),
      min_poll_(static_cast<int8_t>(poll_floor_log2)),
      maxclockerror_ppm_(maxclockerror_ppm) {}

double ServerStateSource::root_dispersion_now_s() const {
  if (!ref_) return 0.0;
  const double age = static_cast<double>((ts::to_nanos(clock_.now()) - ts::to_nanos(ref_->ref_time)).count()) * 1e-9;
  return ref_->root_dispersion_s + std::max(age, 0.0) * (ref_->skew_ppm + maxclockerror_ppm_) * 1e-6;
}

uint8_t ServerStateSource::announced_leap() const {
  if (table_leap_) return *table_leap_;
  return ref_ ? leap_on_day(ref_->leap, clock_.now()) : dp::kLeapNone;
}

uint8_t ServerStateSource::filtered_leap(uint8_t leap) const {
  if (leap_status_ == LeapStatus::kSuppressed &&
      (leap == dp::kLeapInsert || leap == dp::kLeapDelete))
    return dp::kLeapNone;
  return leap;
}

dp::ServerState ServerStateSource::current() {
  const timespec now = clock_.now();
  serving_local_ = false;
  if (ref_) {
    const double disp = root_dispersion_now_s();
    // chrony's `local distance`: keep the synchronised reference until its root distance
    // grows past the threshold, then fall back to the local reference.
    if (!local_.enabled || ref_->root_delay_s / 2 + disp <= local_.distance_s) {
      dp::ServerState s;
      s.leap = leap_status_ == LeapStatus::kInProgress
                   ? dp::kLeapUnsynchronised
                   : filtered_leap(table_leap_ ? *table_leap_ : leap_on_day(ref_->leap, now));
      s.stratum = static_cast<uint8_t>(std::min(ref_->stratum, 15));
      s.precision = precision_;
      s.min_poll = min_poll_;
      s.refid = ref_->refid;
      s.root_delay = ts::to_short(ts::Nanos(std::llround(ref_->root_delay_s * 1e9)));
      s.root_dispersion = ts::to_short(ts::Nanos(std::llround(disp * 1e9)));
      s.reference_time = ts::to_ntp(ref_->ref_time);
      return s;
    }
  }
  if (!local_.enabled) {
    dp::ServerState s = dp::unsynchronised_state(precision_);
    s.min_poll = min_poll_;
    return s;
  }
  const ts::Nanos since = ts::to_nanos(now) - ts::to_nanos(local_ref_time_);
  if (since > kLocalRefUpdate || since < kLocalRefLag)
    local_ref_time_ = ts::from_nanos(ts::to_nanos(now) - kLocalRefLag);
  serving_local_ = true;
  dp::ServerState s;
  s.leap = filtered_leap(table_leap_ ? *table_leap_ : dp::kLeapNone);
  s.stratum = static_cast<uint8_t>(local_.stratum);
  s.precision = precision_;
  s.min_poll = min_poll_;
  s.refid = dp::kRefidLocal;
  s.root_delay = ts::NtpShort{0};
  s.root_dispersion = ts::NtpShort{0};
  s.reference_time = ts::to_ntp(local_ref_time_);
  return s;
}

uint8_t leap_on_day(uint8_t leap, const timespec& now) {
  if (leap != dp::kLeapInsert && leap != dp::kLeapDelete) return leap;
  tm day{};
  if (!gmtime_r(&now.tv_sec, &day)) return dp::kLeapNone;
  const bool last_of_june = day.tm_mon == 5 && day.tm_mday == 30;
  const bool last_of_december = day.tm_mon == 11 && day.tm_mday == 31;
  return last_of_june || last_of_december ? leap : dp::kLeapNone;
}

uint32_t refid_of_address(const uint8_t* addr, bool ipv6) {
  if (!ipv6) {
    return static_cast<uint32_t>(addr[0]) << 24 | static_cast<uint32_t>(addr[1]) << 16 |
           static_cast<uint32_t>(addr[2]) << 8 | addr[3];
  }
  const Md5Digest d = md5(addr, 16);
  return static_cast<uint32_t>(d[0]) << 24 | static_cast<uint32_t>(d[1]) << 16 |
         static_cast<uint32_t>(d[2]) << 8 | d[3];
}

}  // namespace chronon::ctl
