// ReportBuilder; see report_builder.h.
#include "control/cmdmon/report_builder.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <cstring>

#include "control/cmdmon/dataplane_counters.h"
#include "control/socket_address.h"

namespace chronon::ctl {

namespace {

SourceReport::State report_state(SourceState s) {
  switch (s) {
    case SourceState::kSelected: return SourceReport::State::kSelected;          // '*'
    case SourceState::kCombined: return SourceReport::State::kUnselected;        // '+'
    case SourceState::kNotCombined: return SourceReport::State::kSelectable;     // '-'
    case SourceState::kFalseticker: return SourceReport::State::kFalseticker;    // 'x'
    case SourceState::kJittery: return SourceReport::State::kJittery;            // '~'
    case SourceState::kUnusable: break;
  }
  return SourceReport::State::kNonselectable;                                    // '?'
}

constexpr uint16_t kFlagNoselect = 0x1, kFlagPrefer = 0x2, kFlagTrust = 0x4, kFlagRequire = 0x8;

}  // namespace

ReportBuilder::ReportBuilder(const TimeKeeper& keeper, ServerStateSource& state,
                             const ts::Clock& clock, const dp::Segment& seg)
    : keeper_(keeper), state_(state), clock_(clock), seg_(seg) {}

ReportAddress ReportBuilder::address_of(size_t i) const {
  const NtpSource& s = keeper_.source(i);
  ReportAddress a;
  if (s.is_refclock()) {
    // As chronyd: a reference clock's refid in the IPv4 field (chronyc prints its text).
    a.family = ReportAddress::Family::kInet4;
    const uint32_t refid = htonl(s.refid());
    std::memcpy(a.bytes, &refid, 4);
  } else if (s.config().address.find(':') != std::string::npos &&
      inet_pton(AF_INET6, s.name().c_str(), a.bytes) == 1) {
    a.family = ReportAddress::Family::kInet6;
  } else if (inet_pton(AF_INET, s.name().c_str(), a.bytes) == 1) {
    a.family = ReportAddress::Family::kInet4;
  } else if (inet_pton(AF_INET6, s.name().c_str(), a.bytes) == 1) {
    a.family = ReportAddress::Family::kInet6;
  } else {
    // A name not resolved yet (chronyc shows these only with -a, as ID#...).
    a.family = ReportAddress::Family::kId;
    a.id = s.refid();
  }
  return a;
}

std::optional<size_t> ReportBuilder::keeper_index(size_t report_index) const {
  for (size_t i = 0; i < keeper_.source_count(); ++i) {
    if (keeper_.source(i).retired()) continue;
    if (report_index-- == 0) return i;
  }
  return std::nullopt;
}

size_t ReportBuilder::n_sources() const {
  size_t n = 0;
  for (size_t i = 0; i < keeper_.source_count(); ++i) n += keeper_.source(i).retired() ? 0 : 1;
  return n;
}

const std::string& ReportBuilder::source_name(size_t report_index) const {
  static const std::string kNone;
  const auto k = keeper_index(report_index);
  return k ? keeper_.source(*k).name() : kNone;
}

std::optional<std::string> ReportBuilder::configured_name(const ReportAddress& a) const {
  for (size_t i = 0; i < keeper_.source_count(); ++i) {
    if (keeper_.source(i).retired()) continue;
    if (address_of(i) == a) {
      return keeper_.source(i).config().address;
    }
  }
  return std::nullopt;
}

namespace {

// The local address the kernel would use towards `remote` (a UDP socket connected to it:
// no packet is sent).
ReportAddress local_address_towards(const ReportAddress& remote, uint16_t port) {
  ReportAddress out;
  const bool ip = remote.family == ReportAddress::Family::kInet4 ||
                  remote.family == ReportAddress::Family::kInet6;
  const auto to = ip ? socket_address(remote.text(), port) : std::nullopt;
  if (!to) return out;
  const int fd = socket(to->family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return out;
  sockaddr_storage local{};
  socklen_t local_len = sizeof local;
  if (connect(fd, to->get(), to->len) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0) {
    if (local.ss_family == AF_INET) {
      out.family = ReportAddress::Family::kInet4;
      std::memcpy(out.bytes, &reinterpret_cast<sockaddr_in&>(local).sin_addr, 4);
    } else {
      out.family = ReportAddress::Family::kInet6;
      std::memcpy(out.bytes, &reinterpret_cast<sockaddr_in6&>(local).sin6_addr, 16);
    }
  }
  close(fd);
  return out;
}

// chrony's ntpdata test flags: test 1 in bit 9 down to test D in bit 0; ours count up.
uint16_t chrony_test_flags(uint16_t tests_passed) {
  uint16_t f = 0;
  for (int i = 0; i < 10; ++i) {
    if (tests_passed & (1u << i)) f = static_cast<uint16_t>(f | (1u << (9 - i)));
  }
  return f;
}

}  // namespace

std::optional<NtpDataReport> ReportBuilder::ntp_data(const ReportAddress& a) const {
  for (size_t i = 0; i < keeper_.source_count(); ++i) {
    const NtpSource& s = keeper_.source(i);
    if (s.is_refclock() || s.retired()) continue;
    const ReportAddress b = address_of(i);
    if (b.family == ReportAddress::Family::kId || !(b == a)) continue;
    NtpDataReport r;
    r.remote = b;
    r.remote_port = static_cast<uint16_t>(s.config().port);
    r.local = local_address_towards(b, r.remote_port);
    const LastPacket& l = s.last_packet();
    if (l.seen) {
      r.leap = l.leap;
      r.version = l.version;
      r.mode = l.mode;
      r.stratum = l.stratum;
      r.poll = l.poll;
      r.precision = l.precision;
      r.root_delay_s = l.root_delay_s;
      r.root_dispersion_s = l.root_dispersion_s;
      r.ref_id = l.refid;
      if (!l.reference_time.is_zero()) r.ref_time = ts::from_ntp(l.reference_time, clock_.now());
      // chrony's offset is the source's time minus ours.
      r.offset_s = -l.offset_s;
      r.peer_delay_s = l.delay_s;
      r.peer_dispersion_s = l.dispersion_s;
      r.response_time_s = l.response_time_s;
      r.flags = chrony_test_flags(l.tests_passed);
      if (l.interleaved) r.flags |= NtpDataReport::kFlagInterleaved;
    }
    r.total_tx = static_cast<uint32_t>(s.tx_count());
    r.total_rx = static_cast<uint32_t>(s.rx_count());
    r.total_valid = static_cast<uint32_t>(s.sane_rx_count());
    r.total_good = static_cast<uint32_t>(s.valid_rx_count());
    return r;
  }
  return std::nullopt;
}

TrackingReport ReportBuilder::tracking() const {
  TrackingReport t;
  const Discipline& d = keeper_.discipline();
  const dp::ServerState served = state_.current();
  t.leap_status = served.leap;
  t.stratum = served.leap == dp::kLeapUnsynchronised ? 0 : served.stratum;
  t.ref_id = served.refid;
  if (served.leap != dp::kLeapUnsynchronised && !served.reference_time.is_zero())
    t.ref_time = ts::from_ntp(served.reference_time, clock_.now());
  const int sel = keeper_.selected();
  // A reference clock has no address: chronyc prints the refid's text instead.
  if (state_.reference() && !state_.serving_local() && sel >= 0 &&
      !keeper_.source(static_cast<size_t>(sel)).is_refclock()) {
    t.ip = address_of(static_cast<size_t>(sel));
  }
  // The local reference has no address (chronyd's way): chronyc prints "7F7F0101 ()".
  // chrony's signs: a positive correction means the clock is slow of NTP time, a positive
  // frequency that it runs fast.
  t.current_correction_s = -d.remaining_correction_s();
  t.last_offset_s = d.last_offset_s();
  t.rms_offset_s = d.rms_offset_s();
  t.freq_ppm = -d.frequency_ppm();
  // As chronyd: the residual frequency and skew only while synchronised to a source.
  const bool synchronised = state_.reference() && !state_.serving_local() && sel >= 0;
  t.resid_freq_ppm = synchronised ? d.residual_frequency_ppm() : 0.0;
  t.skew_ppm = synchronised ? d.skew_ppm() : 0.0;
  t.root_delay_s = ts::from_short(served.root_delay).count() * 1e-9;
  t.root_dispersion_s = ts::from_short(served.root_dispersion).count() * 1e-9;
  t.last_update_interval_s = d.last_update_interval_s();
  return t;
}

std::optional<SourceReport> ReportBuilder::source(size_t report_index) const {
  const auto k = keeper_index(report_index);
  if (!k) return std::nullopt;
  const size_t i = *k;
  const NtpSource& s = keeper_.source(i);
  SourceReport r;
  r.ip = address_of(i);
  r.poll = s.poll_log2();
  r.mode = s.is_refclock()          ? SourceReport::Mode::kRefclock
           : s.is_peer()            ? SourceReport::Mode::kPeer
                                    : SourceReport::Mode::kClient;
  r.state = report_state(s.state());
  const SourceConfig& c = s.config();
  r.flags = static_cast<uint16_t>((c.noselect ? kFlagNoselect : 0) | (c.prefer ? kFlagPrefer : 0) |
                                  (c.trust ? kFlagTrust : 0) | (c.require ? kFlagRequire : 0));
  r.reach = s.reach();
  if (const StatsSample* last = s.stats().last(); last && s.has_sample()) {
    r.stratum = s.last_sample().stratum;
    const double ago = seconds_between(s.last_sample().local_time, clock_.now());
    r.since_sample_s = ago < 0 ? 0 : static_cast<uint32_t>(ago);
    r.orig_latest_meas_s = s.last_sample().offset_s;
    r.latest_meas_s = last->offset_s;  // re-expressed for the clock's corrections since
    r.latest_meas_err_s = last->root_delay_s / 2 + last->root_dispersion_s;
  }
  return r;
}

namespace {

// chrony's selectdata status letter for a source selection left unused or rejected, by the
// first reason chronyd would give (sources.c): noselect, unsynchronised, missing samples,
// root distance over maxdistance, jittery; chronon's local-stratum rule as 'O' (a source no
// better than the local reference, as chronyd's orphan); waiting for another source's
// samples. Selected, combined, not combined and falsetickers come from the selection itself.
char status_letter(const NtpSource& s, const SelectionInput& x, const SelectionParams& p,
                   const Config& cfg, SourceState state, const SelectionResult& sel,
                   bool selected_is_preferred) {
  if (x.noselect) return 'N';
  switch (state) {
    case SourceState::kSelected: return '*';
    case SourceState::kCombined: return '+';
    case SourceState::kNotCombined:
      // A truechimer left out: selection waits for more sources (minsources, require),
      // another source is preferred, or it is too far from the selected one.
      if (sel.selected < 0) return 'W';
      if (selected_is_preferred && !x.prefer) return 'P';
      return 'D';
    case SourceState::kFalseticker: return 'x';
    case SourceState::kJittery: return '~';
    case SourceState::kUnusable: break;
  }
  const StatsSample* last = s.stats().last();
  // As chronyd, a source starts unsynchronised: never answered is 's', not 'M'.
  if (!last || last->leap == 3 || s.last_reply_unusable()) return 's';
  if (!last || !s.stats().estimate().valid || s.reach() == 0 || !s.stats().regression_ok())
    return 'M';
  if (x.root_distance_s > p.maxdistance_s) return 'd';
  if (cfg.local.enabled && last->stratum >= cfg.local.stratum) return 'O';
  if (sel.waiting_for_stats) return 'w';
  return '?';
}

}  // namespace

std::optional<SelectDataReport> ReportBuilder::select_data(size_t report_index) const {
  const auto k = keeper_index(report_index);
  if (!k) return std::nullopt;
  const size_t i = *k;
  const NtpSource& s = keeper_.source(i);
  const std::vector<SelectionInput> inputs = keeper_.selection_inputs();
  const SelectionInput& x = inputs[i];
  const Config& cfg = keeper_.config();
  SelectionParams p;
  p.maxdistance_s = cfg.maxdistance_s;
  SelectDataReport r;
  r.ref_id = s.refid();
  if (!s.is_refclock()) r.ip = address_of(i);
  const SelectionResult& sel = keeper_.last_selection();
  const SourceState state = i < sel.states.size() ? sel.states[i] : s.state();
  const int sel_i = keeper_.selected();
  const bool selected_is_preferred =
      sel_i >= 0 && keeper_.source(static_cast<size_t>(sel_i)).config().prefer;
  r.state = status_letter(s, x, p, cfg, state, sel, selected_is_preferred);
  // A source without samples has chronyd's initial leap: unsynchronised.
  r.leap = s.stats().last() ? x.leap : 3;
  r.conf_options = static_cast<uint16_t>(
      (x.noselect ? SelectDataReport::kNoselect : 0) | (x.prefer ? SelectDataReport::kPrefer : 0) |
      (x.trust ? SelectDataReport::kTrust : 0) | (x.require ? SelectDataReport::kRequire : 0));
  r.eff_options = r.conf_options;  // no authselectmode: what is configured is what applies
  r.last_sample_ago_s = 0;  // chronyd's value until there is a sample
  if (s.has_sample()) {
    const double ago = seconds_between(s.last_sample().local_time, clock_.now());
    r.last_sample_ago_s = ago < 0 ? 0 : static_cast<uint32_t>(ago);
  }
  if (s.stats().last()) {
    r.lo_limit_s = x.offset_s - x.root_distance_s;
    r.hi_limit_s = x.offset_s + x.root_distance_s;
  }
  // chronon's score: the selected source's stratum-weighted distance over this one's, at
  // least 1 (1 for the selected source and any source selection cannot use). chronyd
  // multiplies such ratios over successive updates; chronon reselects with reselectdist.
  r.score = 1.0;
  if (sel_i >= 0 && static_cast<size_t>(sel_i) < inputs.size() &&
      (state == SourceState::kCombined || state == SourceState::kNotCombined)) {
    const double w = cfg.stratumweight;
    const SelectionInput& best = inputs[static_cast<size_t>(sel_i)];
    const double mine = x.root_distance_s + x.stratum * w + cfg.reselectdist_s;
    const double theirs = best.root_distance_s + best.stratum * w;
    if (mine > 0) r.score = std::max(1.0, theirs / mine);
  }
  return r;
}

std::optional<SourceStatsReport> ReportBuilder::sourcestats(size_t report_index) const {
  const auto k = keeper_index(report_index);
  if (!k) return std::nullopt;
  const size_t i = *k;
  const NtpSource& s = keeper_.source(i);
  const SourceEstimate& e = s.stats().estimate();
  SourceStatsReport r;
  r.ref_id = s.refid();
  // A reference clock has no address here (chronyd's way): chronyc names it by ref_id.
  if (!s.is_refclock()) r.ip = address_of(i);
  r.n_samples = static_cast<uint32_t>(s.stats().size());
  r.n_runs = static_cast<uint32_t>(e.runs);
  r.span_s = static_cast<uint32_t>(std::lround(std::max(0.0, e.span_s)));
  r.sd_s = e.std_dev_s;
  r.resid_freq_ppm = e.frequency * 1e6;
  r.skew_ppm = e.valid ? e.skew * 1e6 : SourceStats::kUnknownSkew * 1e6;
  r.est_offset_s = e.offset_s;
  r.est_offset_err_s = e.offset_sd_s;
  return r;
}

std::optional<SmoothingReport> ReportBuilder::smoothing() const {
  const Smoothing* sm = keeper_.smoothing();
  if (!sm) return std::nullopt;
  const Smoothing::Report r = sm->report(ts::to_nanos(clock_.now()));
  SmoothingReport out;
  out.active = r.active;
  out.leap_only = r.leap_only;
  out.offset_s = r.offset_s;
  out.freq_ppm = r.freq * 1e6;
  out.wander_ppm_per_s = r.wander * 1e6;
  out.last_update_ago_s = r.last_update_ago_s;
  out.remaining_time_s = r.remaining_s;
  return out;
}

ActivityReport ReportBuilder::activity(int unresolved) const {
  ActivityReport a;
  for (size_t i = 0; i < keeper_.source_count(); ++i) {
    const NtpSource& s = keeper_.source(i);
    if (s.retired()) continue;
    // Sources whose name has not resolved are counted apart (`unresolved`).
    if (!s.is_refclock() && address_of(i).family == ReportAddress::Family::kId) continue;
    const bool offline = s.offline();
    if (s.in_burst()) ++(offline ? a.burst_offline : a.burst_online);
    else ++(offline ? a.offline : a.online);
  }
  a.unresolved = unresolved;
  return a;
}

ServerStatsReport ReportBuilder::server_stats(uint64_t cmd_hits, uint64_t cmd_drops) const {
  ServerStatsReport r;
  const WorkerCounts total = read_dataplane_counters(seg_).total;
  uint64_t drops = 0;
  for (const uint64_t d : total.drops) drops += d;
  const uint64_t rx = total.received, inter = total.interleaved;
  const uint64_t evictions = total.client_evictions;
  // chrony's counters are 32-bit and wrap the same way.
  r.ntp_hits = static_cast<uint32_t>(rx);
  r.ntp_drops = static_cast<uint32_t>(drops);
  r.ntp_interleaved_hits = static_cast<uint32_t>(inter);
  r.log_drops = static_cast<uint32_t>(evictions);
  r.cmd_hits = static_cast<uint32_t>(cmd_hits);
  r.cmd_drops = static_cast<uint32_t>(cmd_drops);
  return r;
}

}  // namespace chronon::ctl
