// SystemClockControl; see system_clock_control.h.
#include "timestamping/system_clock_control.h"

#include <sys/timex.h>
#include <unistd.h>

#include <cmath>

namespace chronon::ts {

namespace {
// The kernel's frequency field is ppm with a 16-bit binary fraction, limited to +-500 ppm.
constexpr double kMaxFreqFieldPpm = 500.0;
}  // namespace

SystemClockControl::SystemClockControl() {
  const long hz = sysconf(_SC_CLK_TCK);
  nominal_tick_us_ = hz > 0 ? 1000000 / hz : 10000;
  // The kernel accepts a tick within 10 % of nominal (do_adjtimex's tick check).
  max_ppm_ = 0.1 * 1e6 - kMaxFreqFieldPpm;
}

double SystemClockControl::frequency_ppm() const {
  timex tx{};
  if (adjtimex(&tx) < 0) return 0.0;
  const double tick_ppm = static_cast<double>(tx.tick - nominal_tick_us_) * 1e6 /
                          static_cast<double>(nominal_tick_us_) ;
  return tick_ppm + static_cast<double>(tx.freq) / 65536.0;
}

bool SystemClockControl::set_frequency_ppm(double ppm) {
  if (ppm > max_ppm_) ppm = max_ppm_;
  if (ppm < -max_ppm_) ppm = -max_ppm_;
  // One tick unit (1 us per tick) is 1e6 / nominal_tick ppm; the rest goes to the
  // frequency field, which must stay within +-500 ppm.
  const double ppm_per_tick = 1e6 / static_cast<double>(nominal_tick_us_);
  const long tick_delta = std::lround(ppm / ppm_per_tick);
  const double rest = ppm - static_cast<double>(tick_delta) * ppm_per_tick;
  timex tx{};
  tx.modes = ADJ_FREQUENCY | ADJ_TICK;
  tx.tick = nominal_tick_us_ + tick_delta;
  tx.freq = std::lround(rest * 65536.0);
  return adjtimex(&tx) >= 0;
}

bool SystemClockControl::step(Nanos d) {
  timex tx{};
  tx.modes = ADJ_SETOFFSET | ADJ_NANO;
  long long ns = d.count();
  long long s = ns / 1000000000LL;
  long long rem = ns % 1000000000LL;
  if (rem < 0) {  // the kernel wants a non-negative fraction
    rem += 1000000000LL;
    --s;
  }
  tx.time.tv_sec = static_cast<time_t>(s);
  tx.time.tv_usec = static_cast<suseconds_t>(rem);  // nanoseconds with ADJ_NANO
  return adjtimex(&tx) >= 0;
}

void SystemClockControl::set_sync_status(bool synchronised, Nanos max_error, Nanos est_error) {
  timex tx{};
  if (adjtimex(&tx) < 0) return;
  tx.modes = ADJ_STATUS | ADJ_MAXERROR | ADJ_ESTERROR;
  tx.status = synchronised ? (tx.status & ~STA_UNSYNC) : (tx.status | STA_UNSYNC);
  tx.maxerror = static_cast<long>(max_error.count() / 1000);
  tx.esterror = static_cast<long>(est_error.count() / 1000);
  adjtimex(&tx);
}

void SystemClockControl::set_leap(KernelLeap leap) {
  timex tx{};
  if (adjtimex(&tx) < 0) return;
  tx.modes = ADJ_STATUS;
  tx.status &= ~(STA_INS | STA_DEL);
  if (leap == KernelLeap::kInsert) tx.status |= STA_INS;
  if (leap == KernelLeap::kDelete) tx.status |= STA_DEL;
  adjtimex(&tx);
}

}  // namespace chronon::ts
