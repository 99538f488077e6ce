// Rendering of the metrics exposition; see metrics_text.h. Conventions (OpenMetrics 1.0 and
// Prometheus' naming guide): `chronon_` prefix, base units (seconds; frequencies as ratios,
// not ppm), counters end in `_total`, every family has HELP and TYPE, OpenMetrics ends "# EOF".
#include "control/metrics/metrics_text.h"

#include <fmt/format.h>

#include <cmath>
#include <initializer_list>
#include <set>
#include <string_view>

#include "ebpf/ntp_steer_abi.h"

namespace chronon::ctl {

namespace {

enum class Type { kGauge, kCounter, kInfo };

struct Label {
  std::string_view name;
  std::string value;
};

// Writes one family at a time: metadata first, then its samples (OpenMetrics does not allow
// a family's samples to be split up).
class Exposition {
 public:
  explicit Exposition(MetricsFormat f) : om_(f == MetricsFormat::kOpenMetrics) {}

  // `name` is the family name: for a counter without `_total`, for info without `_info`.
  void family(std::string_view name, Type type, std::string_view help) {
    sample_name_ = std::string(name);
    if (type == Type::kCounter) sample_name_ += "_total";
    if (type == Type::kInfo) sample_name_ += "_info";
    // OpenMetrics names the family; the 0.0.4 format names the sample (and has no info type).
    const std::string& meta = om_ ? std::string(name) : sample_name_;
    const char* type_name = type == Type::kCounter                 ? "counter"
                            : type == Type::kInfo && om_           ? "info"
                                                                   : "gauge";
    out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", meta, escape(help, false), meta, type_name);
    if (om_ && type == Type::kGauge) {
      for (const char* unit : {"seconds", "ratio"}) {
        if (name.ends_with(std::string("_") + unit)) out_ += fmt::format("# UNIT {} {}\n", meta, unit);
      }
    }
  }

  void sample(std::initializer_list<Label> labels, double v) { sample(labels, number(v)); }
  void sample(std::initializer_list<Label> labels, uint64_t v) { sample(labels, std::to_string(v)); }
  void sample(std::initializer_list<Label> labels, int v) { sample(labels, std::to_string(v)); }

  std::string finish() {
    if (om_) out_ += "# EOF\n";
    return std::move(out_);
  }

 private:
  void sample(std::initializer_list<Label> labels, const std::string& value) {
    out_ += sample_name_;
    if (labels.size() != 0) {
      out_ += '{';
      bool first = true;
      for (const Label& l : labels) {
        out_ += fmt::format("{}{}=\"{}\"", first ? "" : ",", l.name, escape(l.value, true));
        first = false;
      }
      out_ += '}';
    }
    out_ += ' ' + value + '\n';
  }

  // Both formats: backslash and newline escaped; in label values also the double quote.
  static std::string escape(std::string_view s, bool label) {
    std::string o;
    for (const char c : s) {
      if (c == '\\') o += "\\\\";
      else if (c == '\n') o += "\\n";
      else if (c == '"' && label) o += "\\\"";
      else o += c;
    }
    return o;
  }

  static std::string number(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    return fmt::format("{}", v);  // shortest text that reads back as the same double
  }

  bool om_;
  std::string sample_name_;
  std::string out_;
};

double ppm_to_ratio(double ppm) { return ppm / 1e6; }

const char* mode_name(SourceReport::Mode m) {
  switch (m) {
    case SourceReport::Mode::kClient: return "client";
    case SourceReport::Mode::kPeer: return "peer";
    case SourceReport::Mode::kRefclock: return "refclock";
  }
  return "client";
}

// chronon's state names (ntp_source.h) for the command protocol's states they map to.
const char* state_name(SourceReport::State s) {
  switch (s) {
    case SourceReport::State::kSelected: return "selected";          // '*'
    case SourceReport::State::kUnselected: return "combined";        // '+'
    case SourceReport::State::kSelectable: return "not_combined";    // '-'
    case SourceReport::State::kFalseticker: return "falseticker";    // 'x'
    case SourceReport::State::kJittery: return "jittery";            // '~'
    case SourceReport::State::kNonselectable: break;                 // '?'
  }
  return "unusable";
}

void render_tracking(const TrackingReport& t, Exposition& e) {
  e.family("chronon_tracking_reference", Type::kInfo,
           "The reference the clock follows (chronyc tracking: Reference ID and its address).");
  const bool has_ip = t.ip.family != ReportAddress::Family::kUnspec;
  e.sample({{"ref_id", fmt::format("{:08X}", t.ref_id)}, {"address", has_ip ? t.ip.text() : ""}},
           1);
  e.family("chronon_tracking_stratum", Type::kGauge,
           "Stratum served (0 while not synchronised).");
  e.sample({}, t.stratum);
  e.family("chronon_tracking_leap_status", Type::kGauge,
           "Leap status: 0 normal, 1 insert second, 2 delete second, 3 not synchronised.");
  e.sample({}, t.leap_status);
  e.family("chronon_tracking_reference_timestamp_seconds", Type::kGauge,
           "Time of the last clock update, Unix seconds (0: none yet).");
  e.sample({}, static_cast<double>(t.ref_time.tv_sec) + t.ref_time.tv_nsec * 1e-9);
  e.family("chronon_tracking_system_time_offset_seconds", Type::kGauge,
           "Correction still being slewed into the system clock (chronyc tracking: System "
           "time; positive: the clock is slow of NTP time).");
  e.sample({}, t.current_correction_s);
  e.family("chronon_tracking_last_offset_seconds", Type::kGauge,
           "Offset estimated at the last clock update.");
  e.sample({}, t.last_offset_s);
  e.family("chronon_tracking_rms_offset_seconds", Type::kGauge,
           "Long-term average (RMS) of the offsets at clock updates.");
  e.sample({}, t.rms_offset_s);
  e.family("chronon_tracking_frequency_ratio", Type::kGauge,
           "Frequency error of the system clock as a ratio (ppm / 1e6; positive: fast).");
  e.sample({}, ppm_to_ratio(t.freq_ppm));
  e.family("chronon_tracking_residual_frequency_ratio", Type::kGauge,
           "Residual frequency of the selected source relative to the clock (ppm / 1e6).");
  e.sample({}, ppm_to_ratio(t.resid_freq_ppm));
  e.family("chronon_tracking_skew_ratio", Type::kGauge,
           "Estimated error bound of the frequency (ppm / 1e6).");
  e.sample({}, ppm_to_ratio(t.skew_ppm));
  e.family("chronon_tracking_root_delay_seconds", Type::kGauge,
           "Total round-trip delay to the stratum 1 (root delay served).");
  e.sample({}, t.root_delay_s);
  e.family("chronon_tracking_root_dispersion_seconds", Type::kGauge,
           "Total dispersion accumulated up to the stratum 1 (root dispersion served).");
  e.sample({}, t.root_dispersion_s);
  e.family("chronon_tracking_update_interval_seconds", Type::kGauge,
           "Interval between the last two clock updates.");
  e.sample({}, t.last_update_interval_s);
}

void render_sources(const std::vector<MetricsSnapshot::Source>& sources, Exposition& e) {
  // Each source's labels; a repeated name (two unresolved entries of one name) gets a suffix
  // so that no two series collide.
  std::vector<std::string> addr;
  std::set<std::string> seen;
  for (const auto& s : sources) {
    std::string a = s.name;
    for (int k = 2; !seen.insert(a).second; ++k) a = fmt::format("{}#{}", s.name, k);
    addr.push_back(a);
  }
  auto each = [&](auto&& f) {
    for (size_t i = 0; i < sources.size(); ++i) f(sources[i], addr[i]);
  };
  auto sampled = [](const MetricsSnapshot::Source& s) {
    return s.report.since_sample_s != 0xFFFFFFFFu;
  };
  using Src = MetricsSnapshot::Source;
  e.family("chronon_source", Type::kInfo,
           "A time source, its mode (client, peer, refclock) and selection state (selected, "
           "combined, not_combined, falseticker, jittery, unusable).");
  each([&](const Src& s, const std::string& a) {
    e.sample({{"address", a}, {"mode", mode_name(s.report.mode)},
              {"state", state_name(s.report.state)}}, 1);
  });
  // The other families carry address and mode only: a state change does not start new series.
  auto gauge = [&](const char* name, const char* help, auto value, bool only_sampled) {
    e.family(name, Type::kGauge, help);
    each([&](const Src& s, const std::string& a) {
      if (!only_sampled || sampled(s)) e.sample({{"address", a}, {"mode", mode_name(s.report.mode)}}, value(s));
    });
  };
  gauge("chronon_source_stratum", "Stratum of the source's last sample (0: none yet).",
        [](const Src& s) { return s.report.stratum; }, false);
  gauge("chronon_source_poll_interval_seconds", "Current polling interval (2^poll).",
        [](const Src& s) { return std::ldexp(1.0, s.report.poll); }, false);
  gauge("chronon_source_reach", "Reachability register of the last 8 polls (chronyc's Reach "
        "in decimal; 255: all answered).",
        [](const Src& s) { return static_cast<int>(s.report.reach); }, false);
  gauge("chronon_source_last_sample_offset_seconds", "Offset of the last sample, adjusted for "
        "clock corrections since (positive: the source is ahead). Absent before the first.",
        [](const Src& s) { return s.report.latest_meas_s; }, true);
  gauge("chronon_source_last_sample_error_seconds", "Error bound of the last sample. Absent "
        "before the first.", [](const Src& s) { return s.report.latest_meas_err_s; }, true);
  gauge("chronon_source_last_sample_age_seconds", "Time since the last sample. Absent before "
        "the first.", [](const Src& s) { return static_cast<uint64_t>(s.report.since_sample_s); },
        true);
  gauge("chronon_source_samples", "Samples kept for the source's regression (sourcestats NP).",
        [](const Src& s) { return static_cast<uint64_t>(s.stats.n_samples); }, false);
  gauge("chronon_source_span_seconds", "Time between the oldest and newest sample kept.",
        [](const Src& s) { return static_cast<uint64_t>(s.stats.span_s); }, false);
  gauge("chronon_source_frequency_ratio", "Residual frequency of the source relative to the "
        "clock (sourcestats Freq, ppm / 1e6).",
        [](const Src& s) { return ppm_to_ratio(s.stats.resid_freq_ppm); }, false);
  gauge("chronon_source_skew_ratio", "Error bound of that frequency (sourcestats Freq Skew, "
        "ppm / 1e6).", [](const Src& s) { return ppm_to_ratio(s.stats.skew_ppm); }, false);
  gauge("chronon_source_std_dev_seconds", "Standard deviation of the samples around the "
        "regression (sourcestats Std Dev).", [](const Src& s) { return s.stats.sd_s; }, false);
}

void render_server_stats(const MetricsSnapshot& s, Exposition& e) {
  const WorkerCounts& t = s.dataplane.total;
  uint64_t dropped = 0;
  for (int i = 1; i < kNtpDropKinds; ++i) dropped += t.drops[i];
  e.family("chronon_serverstats_ntp_packets_received", Type::kCounter,
           "NTP requests received by the dataplane (chronyc serverstats).");
  e.sample({}, t.received);
  e.family("chronon_serverstats_ntp_packets_dropped", Type::kCounter,
           "NTP requests not answered, any reason (chronyc serverstats).");
  e.sample({}, dropped);
  e.family("chronon_serverstats_command_packets_received", Type::kCounter,
           "Command socket requests answered (chronyc serverstats).");
  e.sample({}, s.cmd_received);
  e.family("chronon_serverstats_command_packets_dropped", Type::kCounter,
           "Command socket requests dropped as malformed (chronyc serverstats).");
  e.sample({}, s.cmd_dropped);
  e.family("chronon_serverstats_client_log_records_dropped", Type::kCounter,
           "Client records evicted from full client table buckets (chronyc serverstats).");
  e.sample({}, t.client_evictions);
}

void render_dataplane(const DataplaneCounters& d, Exposition& e) {
  e.family("chronon_dataplane", Type::kInfo, "The dataplane's backend.");
  e.sample({{"backend", d.backend}}, 1);
  e.family("chronon_dataplane_up", Type::kGauge, "1 while the dataplane serves.");
  e.sample({}, d.pid > 0 ? 1 : 0);
  e.family("chronon_dataplane_workers", Type::kGauge, "Dataplane workers (one per queue).");
  e.sample({}, static_cast<uint64_t>(d.workers.size()));
  e.family("chronon_dataplane_restarts", Type::kCounter,
           "Times the dataplane process was restarted after it died.");
  e.sample({}, static_cast<uint64_t>(d.restarts));
  auto per_worker = [&](const char* name, const char* help, auto value) {
    e.family(name, Type::kCounter, help);
    for (size_t w = 0; w < d.workers.size(); ++w) e.sample({{"worker", std::to_string(w)}}, value(d.workers[w]));
  };
  per_worker("chronon_dataplane_requests", "NTP requests received by the worker.",
             [](const WorkerCounts& c) { return c.received; });
  per_worker("chronon_dataplane_replies", "Replies sent (KoD included).",
             [](const WorkerCounts& c) { return c.replied; });
  e.family("chronon_dataplane_drops", Type::kCounter,
           "Requests not answered, by reason (the checks in order; ratelimited: the client "
           "rate limit).");
  for (size_t w = 0; w < d.workers.size(); ++w) {
    for (int r = 1; r < kNtpDropKinds; ++r) {
      e.sample({{"worker", std::to_string(w)},
                {"reason", dp::ntp_drop_name(static_cast<dp::NtpDrop>(r))}},
               d.workers[w].drops[r]);
    }
  }
  per_worker("chronon_dataplane_kod_replies", "Kiss-o'-Death RATE replies sent (ratelimit kod).",
             [](const WorkerCounts& c) { return c.kod; });
  per_worker("chronon_dataplane_interleaved_replies", "Replies sent in interleaved mode.",
             [](const WorkerCounts& c) { return c.interleaved; });
  per_worker("chronon_dataplane_send_errors", "Replies built but not accepted by the kernel or NIC.",
             [](const WorkerCounts& c) { return c.send_errors; });
  per_worker("chronon_dataplane_client_evictions", "Client records replaced because a bucket was full.",
             [](const WorkerCounts& c) { return c.client_evictions; });
  per_worker("chronon_dataplane_rx_hw_timestamps", "Requests stamped with the NIC's clock.",
             [](const WorkerCounts& c) { return c.rx_hw_timestamps; });
  if (!d.xdp) return;
  e.family("chronon_xdp_packets", Type::kCounter,
           "Packets the XDP steering program (afxdp) sent to the workers, passed to the kernel, "
           "or dropped (NTP modes 6 and 7).");
  const std::pair<int, const char*> actions[] = {
      {CHRONON_XDP_REDIRECTED, "to_workers"}, {CHRONON_XDP_PASSED, "to_kernel"},
      {CHRONON_XDP_DROPPED_MODE6, "dropped_mode6"}, {CHRONON_XDP_DROPPED_MODE7, "dropped_mode7"}};
  for (const auto& [i, name] : actions) e.sample({{"action", name}}, d.xdp_counters[i]);
  e.family("chronon_xdp_no_socket", Type::kCounter,
           "NTP requests on a queue without a worker's socket (passed to the kernel).");
  e.sample({}, d.xdp_counters[CHRONON_XDP_NO_SOCKET]);
  e.family("chronon_xdp_rx_timestamped", Type::kCounter,
           "Requests sent to the workers with the NIC's receive timestamp.");
  e.sample({}, d.xdp_counters[CHRONON_XDP_RX_TIMESTAMPED]);
}

}  // namespace

const char* metrics_content_type(MetricsFormat f) {
  return f == MetricsFormat::kOpenMetrics
             ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
             : "text/plain; version=0.0.4; charset=utf-8";
}

std::string render_metrics(const MetricsSnapshot& s, MetricsFormat f) {
  Exposition e(f);
  render_tracking(s.tracking, e);
  render_sources(s.sources, e);
  render_server_stats(s, e);
  render_dataplane(s.dataplane, e);
  return e.finish();
}

}  // namespace chronon::ctl
