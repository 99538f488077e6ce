// Server state decisions; see server_state_source.h.
#include "control/server_state_source.h"

namespace chronon::ctl {

namespace {
// chronyd keeps the local reference time one second behind the clock and refreshes it every
// 64 s (reference.c LOCAL_REF_UPDATE_INTERVAL), so a client never sees a reference time
// after the transmit time.
constexpr auto kLocalRefUpdate = std::chrono::seconds(64);
constexpr auto kLocalRefLag = std::chrono::seconds(1);
}  // namespace

ServerStateSource::ServerStateSource(const ts::Clock& clock, LocalReference local,
                                     int poll_floor_log2)
    : clock_(clock),
      local_(local),
      precision_(static_cast<int8_t>(clock.precision_log2())),
      min_poll_(static_cast<int8_t>(poll_floor_log2)) {}

dp::ServerState ServerStateSource::current() {
  const timespec now = clock_.now();
  if (!local_.enabled) {
    dp::ServerState s = dp::unsynchronised_state(precision_);
    s.min_poll = min_poll_;
    return s;
  }
  const ts::Nanos since = ts::to_nanos(now) - ts::to_nanos(local_ref_time_);
  if (since > kLocalRefUpdate || since < kLocalRefLag)
    local_ref_time_ = ts::from_nanos(ts::to_nanos(now) - kLocalRefLag);
  dp::ServerState s;
  s.leap = dp::kLeapNone;
  s.stratum = static_cast<uint8_t>(local_.stratum);
  s.precision = precision_;
  s.min_poll = min_poll_;
  s.refid = dp::kRefidLocal;
  s.root_delay = ts::NtpShort{0};
  s.root_dispersion = ts::NtpShort{0};
  s.reference_time = ts::to_ntp(local_ref_time_);
  return s;
}

}  // namespace chronon::ctl
