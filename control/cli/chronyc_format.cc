// chronyc's report formats; see chronyc_format.h. The widths, units and legends follow
// chronyc 4.3's client.c (process_cmd_* and print_report), checked by golden tests against
// real chronyc output in tests/unit/control/cli/chronyc_format_test.cc.
#include "control/cli/chronyc_format.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iterator>
#include <string_view>

#include "control/logs/printf_string.h"
#include "control/server_state_source.h"

namespace chronon::ctl {

namespace {

// One report in chronyc's two shapes: in the table, literal text between fields; in CSV, only
// the fields (each in its CSV form), comma-separated, one line per report.
class Fields {
 public:
  explicit Fields(bool csv) : csv_(csv) {}
  Fields& text(std::string_view s) {
    if (!csv_) out_ += s;
    return *this;
  }
  Fields& field(const std::string& table, const std::string& csv) {
    if (csv_ && n_fields_++ > 0) out_ += ',';
    out_ += csv_ ? csv : table;
    return *this;
  }
  Fields& field(const std::string& both) { return field(both, both); }
  std::string done() {
    if (csv_) out_ += '\n';
    return std::move(out_);
  }

 private:
  bool csv_;
  int n_fields_ = 0;
  std::string out_;
};

std::string u(unsigned long v) { return printf_string("%lu", v); }
std::string f3(double v) { return printf_string("%.3f", v); }
std::string f9(double v) { return printf_string("%.9f", v); }

// Time since the last sample or span of samples, four columns wide: s, m, h, d or y.
std::string interval_text(uint32_t s) {
  if (s == UINT32_MAX) return "   -";
  if (s < 1200) return printf_string("%4" PRIu32, s);
  if (s < 36000) return printf_string("%3" PRIu32 "m", s / 60);
  if (s < 345600) return printf_string("%3" PRIu32 "h", s / 3600);
  const uint32_t days = s / 86400;
  if (days > 999) return printf_string("%3" PRIu32 "y", days / 365);
  return printf_string("%3" PRIu32 "d", days);
}

// An offset in the unit that keeps it within four digits (ns, us, ms, s, m, h, d, y).
// Signed offsets get one more column, for the sign.
std::string offset_text(double s, bool with_sign) {
  const double x = std::fabs(s);
  const double v = with_sign ? s : x;
  // Each unit scales by a multiplier or a divisor, as chronyc does, so that values on a
  // rounding boundary print the same.
  struct Unit {
    double below, mul, div;
    const char* fmt_unsigned;
    const char* fmt_signed;
  };
  static constexpr Unit kUnits[] = {
      {9999.5e-9, 1e9, 1, "%4.0fns", "%+5.0fns"},
      {9999.5e-6, 1e6, 1, "%4.0fus", "%+5.0fus"},
      {9999.5e-3, 1e3, 1, "%4.0fms", "%+5.0fms"},
      {999.5, 1, 1, "%5.1fs", "%+6.1fs"},
      {99999.5, 1, 1, "%5.0fs", "%+6.0fs"},
      {99999.5 * 60, 1, 60, "%5.0fm", "%+6.0fm"},
      {99999.5 * 3600, 1, 3600, "%5.0fh", "%+6.0fh"},
      {99999.5 * 3600 * 24, 1, 3600 * 24, "%5.0fd", "%+6.0fd"},
      {INFINITY, 1, 3600 * 24 * 365, "%5.0fy", "%+6.0fy"},
  };
  for (const Unit& unit : kUnits) {
    if (x < unit.below || &unit == &kUnits[std::size(kUnits) - 1]) {
      const double scaled = v * unit.mul / unit.div;
      return with_sign ? printf_string(unit.fmt_signed, scaled)
                       : printf_string(unit.fmt_unsigned, scaled);
    }
  }
  return {};
}

std::string freq_text(double ppm, bool with_sign) {
  if (std::fabs(ppm) < 99999.5) {
    return with_sign ? printf_string("%+10.3f", ppm) : printf_string("%10.3f", ppm);
  }
  return with_sign ? printf_string("%+10.0f", ppm) : printf_string("%10.0f", ppm);
}

// A refid as text: its printable ASCII bytes ("GPS", "PPS"; "" for 0).
std::string refid_text(uint32_t ref_id) {
  std::string s;
  for (int shift = 24; shift >= 0; shift -= 8) {
    const int c = static_cast<int>((ref_id >> shift) & 0xff);
    if (c >= 0x20 && c < 0x7f) s += static_cast<char>(c);
  }
  return s;
}

uint32_t in4_of(const ReportAddress& a) {
  return static_cast<uint32_t>(a.bytes[0]) << 24 | static_cast<uint32_t>(a.bytes[1]) << 16 |
         static_cast<uint32_t>(a.bytes[2]) << 8 | a.bytes[3];
}

// An address as chronyc -n prints it; kId is an unresolved source's placeholder ("ID#...").
std::string address_text(const ReportAddress& a) {
  if (a.family == ReportAddress::Family::kId) return printf_string("ID#%010" PRIu32, a.id);
  return a.text();
}

// chronyc prints "fast" for a negative correction (the clock is ahead: it must be slowed
// down) and "slow" for a positive one; a frequency is "fast" when positive.
std::string correction_text(double s) {
  return printf_string("%.9f seconds %s", std::fabs(s), s > 0 ? "slow" : "fast");
}
std::string frequency_text(double ppm) {
  return printf_string("%.3f ppm %s", std::fabs(ppm), ppm > 0 ? "fast" : "slow");
}

std::string leap_text(int leap) {
  switch (leap) {
    case 0: return "Normal";
    case 1: return "Insert second";
    case 2: return "Delete second";
    case 3: return "Not synchronised";
    default: return "Invalid";
  }
}

std::string utc_text(const timespec& ts) {
  tm t{};
  if (!gmtime_r(&ts.tv_sec, &t)) return "";
  char buf[64];
  const size_t n = std::strftime(buf, sizeof buf, "%a %b %d %T %Y", &t);
  return std::string(buf, n);
}

std::string epoch_text(const timespec& ts) {
  return printf_string("%" PRId64 ".%09lu", static_cast<int64_t>(ts.tv_sec),
              static_cast<unsigned long>(ts.tv_nsec));
}

std::string header(const char* title) {
  const std::string t = title;
  return t + "\n" + std::string(t.size(), '=') + "\n";
}

constexpr const char* kSourcesLegend =
    "\n"
    "  .-- Source mode  '^' = server, '=' = peer, '#' = local clock.\n"
    " / .- Source state '*' = current best, '+' = combined, '-' = not combined,\n"
    "| /             'x' = may be in error, '~' = too variable, '?' = unusable.\n"
    "||                                                 .- xxxx [ yyyy ] +/- zzzz\n"
    "||      Reachability register (octal) -.           |  xxxx = adjusted offset,\n"
    "||      Log2(Polling interval) --.      |          |  yyyy = measured offset,\n"
    "||                                \\     |          |  zzzz = estimated error.\n"
    "||                                 |    |           \\\n";

constexpr const char* kSourcesHeader =
    "MS Name/IP address         Stratum Poll Reach LastRx Last sample               ";

constexpr const char* kSourceStatsLegend =
    "                             .- Number of sample points in measurement set.\n"
    "                            /    .- Number of residual runs with same sign.\n"
    "                           |    /    .- Length of measurement set (time).\n"
    "                           |   |    /      .- Est. clock freq error (ppm).\n"
    "                           |   |   |      /           .- Est. error in freq.\n"
    "                           |   |   |     |           /         .- Est. offset.\n"
    "                           |   |   |     |          |          |   On the -.\n"
    "                           |   |   |     |          |          |   samples. \\\n"
    "                           |   |   |     |          |          |             |\n";

constexpr const char* kSourceStatsHeader =
    "Name/IP Address            NP  NR  Span  Frequency  Freq Skew  Offset  Std Dev";

// The name of a sources line: a reference clock by its refid (carried in the IPv4 address,
// as chronyd does; chronon's kId form is accepted too), anything else by its address.
std::string source_name(const SourceReport& s) {
  if (s.mode == SourceReport::Mode::kRefclock) {
    if (s.ip.family == ReportAddress::Family::kInet4) return refid_text(in4_of(s.ip));
    if (s.ip.family == ReportAddress::Family::kId) return s.ip.text();
  }
  return address_text(s.ip);
}

bool unresolved(const ReportAddress& a, bool refclock) {
  return a.family == ReportAddress::Family::kId && !refclock;
}

// A client-log interval (log2 seconds): "-" when unknown (127).
std::string clientlog_interval(int8_t v) { return v >= 127 ? " -" : printf_string("%2d", v); }

}  // namespace

char source_mode_char(SourceReport::Mode m) {
  switch (m) {
    case SourceReport::Mode::kClient: return '^';
    case SourceReport::Mode::kPeer: return '=';
    case SourceReport::Mode::kRefclock: return '#';
  }
  return ' ';
}

// chrony's "unselected" is a source combined with the selected one ('+'); "selectable" is
// one that could be used but is not combined ('-').
char source_state_char(SourceReport::State s) {
  switch (s) {
    case SourceReport::State::kSelected: return '*';
    case SourceReport::State::kNonselectable: return '?';
    case SourceReport::State::kFalseticker: return 'x';
    case SourceReport::State::kJittery: return '~';
    case SourceReport::State::kUnselected: return '+';
    case SourceReport::State::kSelectable: return '-';
  }
  return ' ';
}

std::string format_tracking(const TrackingReport& t, bool csv, const std::string& given_name) {
  const std::string name = t.ip.family == ReportAddress::Family::kUnspec ? refid_text(t.ref_id)
                           : !given_name.empty()                         ? given_name
                                                                         : address_text(t.ip);
  return Fields(csv)
      .text("Reference ID    : ").field(printf_string("%08" PRIX32, t.ref_id))
      .text(" (").field(name)
      .text(")\nStratum         : ").field(u(static_cast<uint16_t>(t.stratum)))
      .text("\nRef time (UTC)  : ").field(utc_text(t.ref_time), epoch_text(t.ref_time))
      .text("\nSystem time     : ").field(correction_text(t.current_correction_s),
                                         f9(t.current_correction_s))
      .text(" of NTP time\nLast offset     : ").field(printf_string("%+.9f", t.last_offset_s),
                                                     f9(t.last_offset_s))
      .text(" seconds\nRMS offset      : ").field(f9(t.rms_offset_s))
      .text(" seconds\nFrequency       : ").field(frequency_text(t.freq_ppm), f3(t.freq_ppm))
      .text("\nResidual freq   : ")
      .field(printf_string("%+.3f", t.resid_freq_ppm), f3(t.resid_freq_ppm))
      .text(" ppm\nSkew            : ").field(f3(t.skew_ppm))
      .text(" ppm\nRoot delay      : ").field(f9(t.root_delay_s))
      .text(" seconds\nRoot dispersion : ").field(f9(t.root_dispersion_s))
      .text(" seconds\nUpdate interval : ").field(printf_string("%.1f", t.last_update_interval_s))
      .text(" seconds\nLeap status     : ").field(leap_text(t.leap_status))
      .text("\n")
      .done();
}

std::string format_sources(const std::vector<SourceReport>& sources, bool verbose, bool csv,
                           bool all, const std::vector<std::string>& names) {
  std::string out;
  if (!csv) {
    if (verbose) out += kSourcesLegend;
    out += header(kSourcesHeader);
  }
  for (size_t i = 0; i < sources.size(); ++i) {
    const SourceReport& s = sources[i];
    if (!all && unresolved(s.ip, s.mode == SourceReport::Mode::kRefclock)) continue;
    const bool by_refid =
        s.mode == SourceReport::Mode::kRefclock && s.ip.family == ReportAddress::Family::kInet4;
    const std::string name = i < names.size() && !by_refid ? names[i] : source_name(s);
    out += Fields(csv)
               .field(std::string(1, source_mode_char(s.mode)))
               .field(std::string(1, source_state_char(s.state)))
               .text(" ").field(printf_string("%-27s", name.c_str()), name)
               .text("  ").field(printf_string("%2d", static_cast<uint16_t>(s.stratum)),
                                 u(static_cast<uint16_t>(s.stratum)))
               .text("  ").field(printf_string("%2d", static_cast<int16_t>(s.poll)),
                                 printf_string("%d", static_cast<int16_t>(s.poll)))
               .text("   ").field(printf_string("%3o", s.reach), printf_string("%o", s.reach))
               .text("  ").field(interval_text(s.since_sample_s), u(s.since_sample_s))
               .text("  ").field(offset_text(s.latest_meas_s, true), f9(s.latest_meas_s))
               .text("[").field(offset_text(s.orig_latest_meas_s, true), f9(s.orig_latest_meas_s))
               .text("] +/- ").field(offset_text(s.latest_meas_err_s, false),
                                     f9(s.latest_meas_err_s))
               .text("\n")
               .done();
  }
  return out;
}

std::string format_sourcestats(const std::vector<SourceStatsReport>& stats, bool verbose,
                               bool csv, bool all, const std::vector<std::string>& names) {
  std::string out;
  if (!csv) {
    if (verbose) out += kSourceStatsLegend;
    out += header(kSourceStatsHeader);
  }
  for (size_t i = 0; i < stats.size(); ++i) {
    const SourceStatsReport& s = stats[i];
    if (!all && unresolved(s.ip, false)) continue;
    // chronyd reports a reference clock with no address, by its refid.
    const std::string name = s.ip.family == ReportAddress::Family::kUnspec ? refid_text(s.ref_id)
                             : i < names.size()                             ? names[i]
                                                                            : address_text(s.ip);
    out += Fields(csv)
               .field(printf_string("%-25s", name.c_str()), name)
               .text(" ").field(printf_string("%3" PRIu32, s.n_samples), u(s.n_samples))
               .text(" ").field(printf_string("%3" PRIu32, s.n_runs), u(s.n_runs))
               .text("  ").field(interval_text(s.span_s), u(s.span_s))
               .text(" ").field(freq_text(s.resid_freq_ppm, true), f3(s.resid_freq_ppm))
               .text(" ").field(freq_text(s.skew_ppm, false), f3(s.skew_ppm))
               .text("  ").field(offset_text(s.est_offset_s, true), f9(s.est_offset_s))
               .text("  ").field(offset_text(s.sd_s, false), f9(s.sd_s))
               .text("\n")
               .done();
  }
  return out;
}

std::string format_activity(const ActivityReport& a, bool csv) {
  auto n = [](int v) { return u(static_cast<uint32_t>(v)); };
  return (csv ? std::string() : std::string("200 OK\n")) +
         Fields(csv)
             .field(n(a.online)).text(" sources online\n")
             .field(n(a.offline)).text(" sources offline\n")
             .field(n(a.burst_online)).text(" sources doing burst (return to online)\n")
             .field(n(a.burst_offline)).text(" sources doing burst (return to offline)\n")
             .field(n(a.unresolved)).text(" sources with unknown address\n")
             .done();
}

std::string format_smoothing(const SmoothingReport& s, bool csv) {
  // print_report's %+.9f etc.: CSV drops the '+' (chronyc clears the sign flag there).
  auto f = [csv](const char* signed_fmt, const char* plain_fmt, double v) {
    return printf_string(csv ? plain_fmt : signed_fmt, v);
  };
  return Fields(csv)
      .text("Active         : ").field(s.active ? "Yes" : "No")
      .text(" ").field(s.leap_only ? "(leap second only)" : "")
      .text("\nOffset         : ").field(f("%+.9f", "%.9f", s.offset_s))
      .text(" seconds\nFrequency      : ").field(f("%+.6f", "%.6f", s.freq_ppm))
      .text(" ppm\nWander         : ").field(f("%+.6f", "%.6f", s.wander_ppm_per_s))
      .text(" ppm per second\nLast update    : ").field(printf_string("%.1f", s.last_update_ago_s))
      .text(" seconds ago\nRemaining time : ").field(printf_string("%.1f", s.remaining_time_s))
      .text(" seconds\n")
      .done();
}

std::string format_serverstats(const ServerStatsReport& s, bool csv) {
  return Fields(csv)
      .text("NTP packets received       : ").field(u(s.ntp_hits))
      .text("\nNTP packets dropped        : ").field(u(s.ntp_drops))
      .text("\nCommand packets received   : ").field(u(s.cmd_hits))
      .text("\nCommand packets dropped    : ").field(u(s.cmd_drops))
      .text("\nClient log records dropped : ").field(u(s.log_drops))
      .text("\nNTS-KE connections accepted: ").field(u(s.nke_hits))
      .text("\nNTS-KE connections dropped : ").field(u(s.nke_drops))
      .text("\nAuthenticated NTP packets  : ").field(u(s.ntp_auth_hits))
      .text("\nInterleaved NTP packets    : ").field(u(s.ntp_interleaved_hits))
      .text("\nNTP timestamps held        : ").field(u(s.ntp_timestamps))
      .text("\nNTP timestamp span         : ").field(u(s.ntp_span_seconds))
      .text("\n")
      .done();
}

std::string format_clients(const std::vector<ClientAccessReport>& clients, bool nke, bool csv) {
  std::string out;
  if (!csv) {
    out += header(printf_string(
        "Hostname                      NTP   Drop Int IntL Last  %6s   Drop Int  Last",
        nke ? "NTS-KE" : "Cmd").c_str());
  }
  for (const ClientAccessReport& c : clients) {
    if (c.ip.family == ReportAddress::Family::kUnspec) continue;  // as chronyc
    const std::string name = address_text(c.ip);
    const uint32_t other_hits = nke ? c.nke_hits : c.cmd_hits;
    const uint32_t other_drops = nke ? c.nke_drops : c.cmd_drops;
    const int8_t other_interval = nke ? c.nke_interval : c.cmd_interval;
    const uint32_t other_ago = nke ? c.last_nke_hit_ago : c.last_cmd_hit_ago;
    out += Fields(csv)
               .field(printf_string("%-25s", name.c_str()), name)
               .text("  ").field(printf_string("%6" PRIu32, c.ntp_hits), u(c.ntp_hits))
               .text("  ").field(printf_string("%5" PRIu32, c.ntp_drops), u(c.ntp_drops))
               .text("  ")
               .field(clientlog_interval(c.ntp_interval), printf_string("%d", c.ntp_interval))
               .text("  ").field(clientlog_interval(c.ntp_timeout_interval),
                                 printf_string("%d", c.ntp_timeout_interval))
               .text("  ").field(interval_text(c.last_ntp_hit_ago), u(c.last_ntp_hit_ago))
               .text("  ").field(printf_string("%6" PRIu32, other_hits), u(other_hits))
               .text("  ").field(printf_string("%5" PRIu32, other_drops), u(other_drops))
               .text("  ")
               .field(clientlog_interval(other_interval), printf_string("%d", other_interval))
               .text("  ").field(interval_text(other_ago), u(other_ago))
               .text("\n")
               .done();
  }
  return out;
}

std::string format_ntpdata(const NtpDataReport& d, bool csv, bool leading_newline) {
  auto refid_of = [](const ReportAddress& a) -> uint32_t {
    if (a.family == ReportAddress::Family::kInet4) return in4_of(a);
    if (a.family == ReportAddress::Family::kInet6) return refid_of_address(a.bytes, true);
    return 0;
  };
  auto mode_text = [](uint8_t m) {
    switch (m) {
      case 1: return "Symmetric active";
      case 2: return "Symmetric passive";
      case 4: return "Server";
      default: return "Invalid";
    }
  };
  auto tss_text = [](char c) {
    switch (c) {
      case 'D': return "Daemon";
      case 'K': return "Kernel";
      case 'H': return "Hardware";
      default: return "Invalid";
    }
  };
  auto bits = [](unsigned v, int n) {
    std::string out;
    for (int i = n - 1; i >= 0; --i) out += (v & (1u << i)) ? '1' : '0';
    return out;
  };
  auto yes_no = [](bool b) { return std::string(b ? "Yes" : "No"); };
  const std::string hex = "%08" PRIX32;
  return std::string(leading_newline && !csv ? "\n" : "") +
         Fields(csv)
             .text("Remote address  : ").field(d.remote.text())
             .text(" (").field(printf_string(hex.c_str(), refid_of(d.remote)))
             .text(")\nRemote port     : ").field(u(d.remote_port))
             .text("\nLocal address   : ").field(d.local.text())
             .text(" (").field(printf_string(hex.c_str(), refid_of(d.local)))
             .text(")\nLeap status     : ").field(leap_text(d.leap))
             .text("\nVersion         : ").field(u(d.version))
             .text("\nMode            : ").field(mode_text(d.mode))
             .text("\nStratum         : ").field(u(d.stratum))
             .text("\nPoll interval   : ").field(printf_string("%d", d.poll))
             .text(" (").field(printf_string("%.0f", std::ldexp(1.0, d.poll)))
             .text(" seconds)\nPrecision       : ").field(printf_string("%d", d.precision))
             .text(" (").field(f9(std::ldexp(1.0, d.precision)))
             .text(" seconds)\nRoot delay      : ").field(printf_string("%.6f", d.root_delay_s))
             .text(" seconds\nRoot dispersion : ").field(printf_string("%.6f", d.root_dispersion_s))
             .text(" seconds\nReference ID    : ").field(printf_string(hex.c_str(), d.ref_id))
             .text(" (").field(d.stratum <= 1 ? refid_text(d.ref_id) : "")
             .text(")\nReference time  : ").field(utc_text(d.ref_time), epoch_text(d.ref_time))
             .text("\nOffset          : ").field(printf_string("%+.9f", d.offset_s), f9(d.offset_s))
             .text(" seconds\nPeer delay      : ").field(f9(d.peer_delay_s))
             .text(" seconds\nPeer dispersion : ").field(f9(d.peer_dispersion_s))
             .text(" seconds\nResponse time   : ").field(f9(d.response_time_s))
             .text(" seconds\nJitter asymmetry: ").field(printf_string("%+.2f", d.jitter_asymmetry),
                                                       printf_string("%.2f", d.jitter_asymmetry))
             .text("\nNTP tests       : ").field(bits(d.flags >> 7u, 3))
             .text(" ").field(bits(d.flags >> 4u, 3))
             .text(" ").field(bits(d.flags, 4))
             .text("\nInterleaved     : ").field(yes_no(d.flags & NtpDataReport::kFlagInterleaved))
             .text("\nAuthenticated   : ")
             .field(yes_no(d.flags & NtpDataReport::kFlagAuthenticated))
             .text("\nTX timestamping : ").field(tss_text(d.tx_tss))
             .text("\nRX timestamping : ").field(tss_text(d.rx_tss))
             .text("\nTotal TX        : ").field(u(d.total_tx))
             .text("\nTotal RX        : ").field(u(d.total_rx))
             .text("\nTotal valid RX  : ").field(u(d.total_valid))
             .text("\nTotal good RX   : ").field(u(d.total_good))
             .text("\n")
             .done();
}

std::string format_waitsync_try(int attempt, uint32_t ref_id, double correction_s,
                                double skew_ppm, bool csv) {
  return Fields(csv)
      .text("try: ").field(printf_string("%d", attempt))
      .text(", refid: ").field(printf_string("%08" PRIX32, ref_id))
      .text(", correction: ").field(f9(correction_s))
      .text(", skew: ").field(f3(skew_ppm))
      .text("\n")
      .done();
}

std::string format_selectdata(const std::vector<SelectDataReport>& rows, bool verbose, bool csv,
                              bool all, const std::vector<std::string>& names) {
  static constexpr const char* kLegend =
      "  . State: N - noselect, s - unsynchronised, M - missing samples,\n"
      " /         d/D - large distance, ~ - jittery, w/W - waits for others,\n"
      "|          S - stale, O - orphan, T - not trusted, P - not preferred,\n"
      "|          U - waits for update,, x - falseticker, + - combined, * - best.\n"
      "|   Effective options   ---------.  (N - noselect, P - prefer\n"
      "|   Configured options  ----.     \\  T - trust, R - require)\n"
      "|   Auth. enabled (Y/N) -.   \\     \\     Offset interval --.\n"
      "|                        |    |     |                       |\n";
  auto options = [](uint16_t o) {
    std::string s;
    s += (o & SelectDataReport::kNoselect) ? 'N' : '-';
    s += (o & SelectDataReport::kPrefer) ? 'P' : '-';
    s += (o & SelectDataReport::kTrust) ? 'T' : '-';
    s += (o & SelectDataReport::kRequire) ? 'R' : '-';
    s += '-';
    return s;
  };
  auto leap_letter = [](uint8_t leap) {
    switch (leap) {
      case 0: return "N";
      case 1: return "+";
      case 2: return "-";
      default: return "?";
    }
  };
  std::string out;
  if (!csv) {
    if (verbose) out += kLegend;
    out += header("S Name/IP Address        Auth COpts EOpts Last Score     Interval  Leap");
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    const SelectDataReport& d = rows[i];
    if (!all && unresolved(d.ip, false)) continue;
    const std::string name = d.ip.family == ReportAddress::Family::kUnspec ? refid_text(d.ref_id)
                             : i < names.size()                            ? names[i]
                                                                           : address_text(d.ip);
    Fields f(csv);
    f.field(std::string(1, d.state))
        .text(" ").field(printf_string("%-25s", name.c_str()), name)
        .text(" ").field(d.authenticated ? "Y" : "N")
        .text(" ");
    // Each option letter is a field of its own (chronyc's %c%c%c%c%c): in CSV, five.
    for (const char c : options(d.conf_options)) f.field(std::string(1, c));
    f.text(" ");
    for (const char c : options(d.eff_options)) f.field(std::string(1, c));
    out += f.text(" ").field(interval_text(d.last_sample_ago_s), u(d.last_sample_ago_s))
               .text(" ").field(printf_string("%5.1f", d.score), printf_string("%.1f", d.score))
               .text(" ").field(offset_text(d.lo_limit_s, true), f9(d.lo_limit_s))
               .text(" ").field(offset_text(d.hi_limit_s, true), f9(d.hi_limit_s))
               .text("  ").field(leap_letter(d.leap), leap_text(d.leap))
               .text("\n")
               .done();
  }
  return out;
}

}  // namespace chronon::ctl
