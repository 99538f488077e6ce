// Tests for the metrics exposition: exact lines for a fixed snapshot in both formats, label
// escaping, never-sampled sources, counters' _total, and the OpenMetrics end marker.
#include "control/metrics/metrics_text.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <sstream>

namespace chronon::ctl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

ReportAddress v4(const char* text) {
  ReportAddress a;
  a.family = ReportAddress::Family::kInet4;
  inet_pton(AF_INET, text, a.bytes);
  return a;
}

// One selected client source, one never-sampled peer, two workers on the socket backend.
MetricsSnapshot fixed_snapshot() {
  MetricsSnapshot s;
  TrackingReport& t = s.tracking;
  t.ref_id = 0x0A000001;
  t.ip = v4("10.0.0.1");
  t.stratum = 3;
  t.leap_status = 0;
  t.ref_time = {1700000000, 500000000};
  t.current_correction_s = -0.25;
  t.last_offset_s = 0.5;
  t.rms_offset_s = 0.125;
  t.freq_ppm = -1.5;
  t.resid_freq_ppm = 0.25;
  t.skew_ppm = 2;
  t.root_delay_s = 0.0625;
  t.root_dispersion_s = 0.03125;
  t.last_update_interval_s = 64;

  MetricsSnapshot::Source a;
  a.name = "10.0.0.1";
  a.report.ip = v4("10.0.0.1");
  a.report.poll = 6;
  a.report.stratum = 2;
  a.report.state = SourceReport::State::kSelected;
  a.report.mode = SourceReport::Mode::kClient;
  a.report.reach = 0377;
  a.report.since_sample_s = 12;
  a.report.latest_meas_s = 0.001;
  a.report.latest_meas_err_s = 0.0005;
  a.stats.n_samples = 8;
  a.stats.span_s = 448;
  a.stats.resid_freq_ppm = 0.5;
  a.stats.skew_ppm = 1.25;
  a.stats.sd_s = 0.0001;
  MetricsSnapshot::Source b;
  b.name = "192.0.2.7";
  b.report.poll = -2;
  b.report.mode = SourceReport::Mode::kPeer;
  b.report.state = SourceReport::State::kNonselectable;
  b.stats.skew_ppm = 2000;
  s.sources = {a, b};
  s.cmd_received = 7;
  s.cmd_dropped = 1;

  DataplaneCounters& d = s.dataplane;
  d.backend = "socket";
  d.pid = 4242;
  d.restarts = 1;
  d.workers.resize(2);
  d.workers[0].received = 100;
  d.workers[0].replied = 90;
  d.workers[0].kod = 3;
  d.workers[0].interleaved = 5;
  d.workers[0].drops[static_cast<int>(dp::NtpDrop::kRateLimited)] = 6;
  d.workers[0].drops[static_cast<int>(dp::NtpDrop::kModeControl)] = 4;
  d.workers[1].received = 10;
  d.workers[1].replied = 10;
  for (const auto& w : d.workers) d.total.add(w);
  return s;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// The lines of `text` from the one equal to `first`, `n` of them.
std::vector<std::string> block(const std::string& text, const std::string& first, size_t n) {
  const auto all = lines_of(text);
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i] == first) return {all.begin() + i, all.begin() + std::min(all.size(), i + n)};
  }
  return {"(no line '" + first + "')"};
}

using Lines = std::vector<std::string>;

TEST(MetricsText, TrackingInOpenMetrics) {
  const std::string t = render_metrics(fixed_snapshot(), MetricsFormat::kOpenMetrics);
  EXPECT_EQ(block(t, "# HELP chronon_tracking_reference The reference the clock follows "
                     "(chronyc tracking: Reference ID and its address).", 3),
            (Lines{"# HELP chronon_tracking_reference The reference the clock follows (chronyc "
                   "tracking: Reference ID and its address).",
                   "# TYPE chronon_tracking_reference info",
                   "chronon_tracking_reference_info{ref_id=\"0A000001\",address=\"10.0.0.1\"} 1"}));
  EXPECT_EQ(block(t, "# TYPE chronon_tracking_stratum gauge", 2),
            (Lines{"# TYPE chronon_tracking_stratum gauge", "chronon_tracking_stratum 3"}));
  EXPECT_EQ(block(t, "# TYPE chronon_tracking_leap_status gauge", 2),
            (Lines{"# TYPE chronon_tracking_leap_status gauge", "chronon_tracking_leap_status 0"}));
  EXPECT_EQ(block(t, "# TYPE chronon_tracking_system_time_offset_seconds gauge", 3),
            (Lines{"# TYPE chronon_tracking_system_time_offset_seconds gauge",
                   "# UNIT chronon_tracking_system_time_offset_seconds seconds",
                   "chronon_tracking_system_time_offset_seconds -0.25"}));
  // ppm as ratios (base units): -1.5 ppm, 0.25 ppm, 2 ppm.
  EXPECT_EQ(block(t, "# TYPE chronon_tracking_frequency_ratio gauge", 3),
            (Lines{"# TYPE chronon_tracking_frequency_ratio gauge",
                   "# UNIT chronon_tracking_frequency_ratio ratio",
                   "chronon_tracking_frequency_ratio -1.5e-06"}));
  for (const char* line :
       {"chronon_tracking_reference_timestamp_seconds 1700000000.5",
        "chronon_tracking_last_offset_seconds 0.5", "chronon_tracking_rms_offset_seconds 0.125",
        "chronon_tracking_residual_frequency_ratio 2.5e-07", "chronon_tracking_skew_ratio 2e-06",
        "chronon_tracking_root_delay_seconds 0.0625",
        "chronon_tracking_root_dispersion_seconds 0.03125",
        "chronon_tracking_update_interval_seconds 64"}) {
    EXPECT_EQ(block(t, line, 1), Lines{line});
  }
}

TEST(MetricsText, SourcesWithStateOnTheInfoSeriesOnly) {
  const std::string t = render_metrics(fixed_snapshot(), MetricsFormat::kOpenMetrics);
  EXPECT_EQ(block(t, "# TYPE chronon_source info", 3),
            (Lines{"# TYPE chronon_source info",
                   "chronon_source_info{address=\"10.0.0.1\",mode=\"client\",state=\"selected\"} 1",
                   "chronon_source_info{address=\"192.0.2.7\",mode=\"peer\",state=\"unusable\"} 1"}));
  EXPECT_EQ(block(t, "# TYPE chronon_source_reach gauge", 3),
            (Lines{"# TYPE chronon_source_reach gauge",
                   "chronon_source_reach{address=\"10.0.0.1\",mode=\"client\"} 255",
                   "chronon_source_reach{address=\"192.0.2.7\",mode=\"peer\"} 0"}));
  EXPECT_EQ(block(t, "# TYPE chronon_source_poll_interval_seconds gauge", 4),
            (Lines{"# TYPE chronon_source_poll_interval_seconds gauge",
                   "# UNIT chronon_source_poll_interval_seconds seconds",
                   "chronon_source_poll_interval_seconds{address=\"10.0.0.1\",mode=\"client\"} 64",
                   "chronon_source_poll_interval_seconds{address=\"192.0.2.7\",mode=\"peer\"} 0.25"}));
  // The never-sampled peer has no last-sample series.
  EXPECT_EQ(block(t, "# TYPE chronon_source_last_sample_offset_seconds gauge", 4),
            (Lines{"# TYPE chronon_source_last_sample_offset_seconds gauge",
                   "# UNIT chronon_source_last_sample_offset_seconds seconds",
                   "chronon_source_last_sample_offset_seconds{address=\"10.0.0.1\",mode=\"client\"} 0.001",
                   "# HELP chronon_source_last_sample_error_seconds Error bound of the last "
                   "sample. Absent before the first."}));
  for (const char* line :
       {"chronon_source_stratum{address=\"10.0.0.1\",mode=\"client\"} 2",
        "chronon_source_last_sample_error_seconds{address=\"10.0.0.1\",mode=\"client\"} 0.0005",
        "chronon_source_last_sample_age_seconds{address=\"10.0.0.1\",mode=\"client\"} 12",
        "chronon_source_samples{address=\"10.0.0.1\",mode=\"client\"} 8",
        "chronon_source_span_seconds{address=\"10.0.0.1\",mode=\"client\"} 448",
        "chronon_source_frequency_ratio{address=\"10.0.0.1\",mode=\"client\"} 5e-07",
        "chronon_source_skew_ratio{address=\"10.0.0.1\",mode=\"client\"} 1.25e-06",
        "chronon_source_std_dev_seconds{address=\"10.0.0.1\",mode=\"client\"} 0.0001"}) {
    EXPECT_EQ(block(t, line, 1), Lines{line});
  }
  EXPECT_THAT(t, Not(HasSubstr("last_sample_age_seconds{address=\"192.0.2.7\"")));
}

TEST(MetricsText, CountersEndInTotal) {
  const std::string t = render_metrics(fixed_snapshot(), MetricsFormat::kOpenMetrics);
  EXPECT_EQ(block(t, "# TYPE chronon_serverstats_ntp_packets_received counter", 2),
            (Lines{"# TYPE chronon_serverstats_ntp_packets_received counter",
                   "chronon_serverstats_ntp_packets_received_total 110"}));
  for (const char* line : {"chronon_serverstats_ntp_packets_dropped_total 10",
                           "chronon_serverstats_command_packets_received_total 7",
                           "chronon_serverstats_command_packets_dropped_total 1",
                           "chronon_dataplane_info{backend=\"socket\"} 1",
                           "chronon_dataplane_up 1", "chronon_dataplane_workers 2",
                           "chronon_dataplane_restarts_total 1"}) {
    EXPECT_EQ(block(t, line, 1), Lines{line});
  }
  EXPECT_EQ(block(t, "# TYPE chronon_dataplane_requests counter", 3),
            (Lines{"# TYPE chronon_dataplane_requests counter",
                   "chronon_dataplane_requests_total{worker=\"0\"} 100",
                   "chronon_dataplane_requests_total{worker=\"1\"} 10"}));
  // Every drop reason for every worker, zeros included, so series do not come and go.
  EXPECT_EQ(block(t, "chronon_dataplane_drops_total{worker=\"0\",reason=\"too_short\"} 0", 11),
            (Lines{"chronon_dataplane_drops_total{worker=\"0\",reason=\"too_short\"} 0",
                   "chronon_dataplane_drops_total{worker=\"0\",reason=\"bad_length\"} 0",
                   "chronon_dataplane_drops_total{worker=\"0\",reason=\"bad_version\"} 0",
                   "chronon_dataplane_drops_total{worker=\"0\",reason=\"mode6\"} 4",
                   "chronon_dataplane_drops_total{worker=\"0\",reason=\"mode7\"} 0",
                   "chronon_dataplane_drops_total{worker=\"0\",reason=\"not_client\"} 0",
                   "chronon_dataplane_drops_total{worker=\"0\",reason=\"bad_extfield\"} 0",
                   "chronon_dataplane_drops_total{worker=\"0\",reason=\"auth\"} 0",
                   "chronon_dataplane_drops_total{worker=\"0\",reason=\"bad_source\"} 0",
                   "chronon_dataplane_drops_total{worker=\"0\",reason=\"denied\"} 0",
                   "chronon_dataplane_drops_total{worker=\"0\",reason=\"ratelimited\"} 6"}));
  EXPECT_EQ(block(t, "chronon_dataplane_kod_replies_total{worker=\"0\"} 3", 1),
            Lines{"chronon_dataplane_kod_replies_total{worker=\"0\"} 3"});
  EXPECT_EQ(block(t, "chronon_dataplane_interleaved_replies_total{worker=\"0\"} 5", 1),
            Lines{"chronon_dataplane_interleaved_replies_total{worker=\"0\"} 5"});
  EXPECT_THAT(t, Not(HasSubstr("chronon_xdp")));  // socket backend
}

TEST(MetricsText, OpenMetricsEndsWithEofAndEveryFamilyHasHelpAndType) {
  const std::string t = render_metrics(fixed_snapshot(), MetricsFormat::kOpenMetrics);
  ASSERT_GT(t.size(), 6u);
  EXPECT_EQ(t.substr(t.size() - 6), "# EOF\n");
  const auto lines = lines_of(t);
  size_t help = 0, type = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("# HELP ", 0) == 0) {
      ++help;
      // HELP is followed by TYPE for the same name.
      const std::string name = lines[i].substr(7, lines[i].find(' ', 7) - 7);
      ASSERT_LT(i + 1, lines.size());
      EXPECT_EQ(lines[i + 1].rfind("# TYPE " + name + " ", 0), 0u) << lines[i];
    }
    if (lines[i].rfind("# TYPE ", 0) == 0) ++type;
    if (lines[i][0] != '#') {
      EXPECT_EQ(lines[i].rfind("chronon_", 0), 0u) << lines[i];
    }
  }
  EXPECT_EQ(help, type);
  EXPECT_GT(help, 30u);
}

TEST(MetricsText, PrometheusFormatNamesSamplesInMetadataAndHasNoEofOrUnit) {
  const std::string t = render_metrics(fixed_snapshot(), MetricsFormat::kPrometheus);
  EXPECT_EQ(block(t, "# HELP chronon_dataplane_requests_total NTP requests received by the "
                     "worker.", 3),
            (Lines{"# HELP chronon_dataplane_requests_total NTP requests received by the worker.",
                   "# TYPE chronon_dataplane_requests_total counter",
                   "chronon_dataplane_requests_total{worker=\"0\"} 100"}));
  EXPECT_EQ(block(t, "# TYPE chronon_tracking_reference_info gauge", 2),
            (Lines{"# TYPE chronon_tracking_reference_info gauge",
                   "chronon_tracking_reference_info{ref_id=\"0A000001\",address=\"10.0.0.1\"} 1"}));
  EXPECT_EQ(block(t, "# TYPE chronon_tracking_root_delay_seconds gauge", 2),
            (Lines{"# TYPE chronon_tracking_root_delay_seconds gauge",
                   "chronon_tracking_root_delay_seconds 0.0625"}));
  EXPECT_THAT(t, Not(HasSubstr("# EOF")));
  EXPECT_THAT(t, Not(HasSubstr("# UNIT")));
  EXPECT_THAT(t, Not(HasSubstr(" info\n")));
}

TEST(MetricsText, ContentTypes) {
  EXPECT_STREQ(metrics_content_type(MetricsFormat::kOpenMetrics),
               "application/openmetrics-text; version=1.0.0; charset=utf-8");
  EXPECT_STREQ(metrics_content_type(MetricsFormat::kPrometheus),
               "text/plain; version=0.0.4; charset=utf-8");
}

TEST(MetricsText, LabelValuesAreEscapedAndRepeatedNamesKeptApart) {
  MetricsSnapshot s = fixed_snapshot();
  s.sources[0].name = "a\"b\\c\nd";
  s.sources[1].name = "pool.example.net";
  s.sources.push_back(s.sources[1]);  // two entries of one name not resolved yet
  const std::string t = render_metrics(s, MetricsFormat::kOpenMetrics);
  EXPECT_THAT(t, HasSubstr("chronon_source_info{address=\"a\\\"b\\\\c\\nd\",mode=\"client\","
                           "state=\"selected\"} 1\n"));
  EXPECT_THAT(t, HasSubstr("chronon_source_reach{address=\"pool.example.net\",mode=\"peer\"} 0\n"
                           "chronon_source_reach{address=\"pool.example.net#2\",mode=\"peer\"} 0\n"));
}

TEST(MetricsText, UnsynchronisedTrackingAndNonFiniteValues) {
  MetricsSnapshot s = fixed_snapshot();
  s.tracking = TrackingReport{};
  s.tracking.rms_offset_s = std::numeric_limits<double>::quiet_NaN();
  s.tracking.skew_ppm = std::numeric_limits<double>::infinity();
  s.dataplane.pid = 0;
  const std::string t = render_metrics(s, MetricsFormat::kOpenMetrics);
  for (const char* line :
       {"chronon_tracking_reference_info{ref_id=\"00000000\",address=\"\"} 1",
        "chronon_tracking_stratum 0", "chronon_tracking_leap_status 3",
        "chronon_tracking_rms_offset_seconds NaN", "chronon_tracking_skew_ratio +Inf",
        "chronon_dataplane_up 0"}) {
    EXPECT_EQ(block(t, line, 1), Lines{line});
  }
}

TEST(MetricsText, AfxdpAddsTheXdpProgramsCounters) {
  MetricsSnapshot s = fixed_snapshot();
  s.dataplane.backend = "afxdp";
  s.dataplane.xdp = true;
  for (int i = 0; i < dp::kXdpCounterSlots; ++i) s.dataplane.xdp_counters[i] = 10 + i;
  const std::string t = render_metrics(s, MetricsFormat::kOpenMetrics);
  EXPECT_EQ(block(t, "# TYPE chronon_xdp_packets counter", 5),
            (Lines{"# TYPE chronon_xdp_packets counter",
                   "chronon_xdp_packets_total{action=\"to_workers\"} 10",
                   "chronon_xdp_packets_total{action=\"to_kernel\"} 11",
                   "chronon_xdp_packets_total{action=\"dropped_mode6\"} 12",
                   "chronon_xdp_packets_total{action=\"dropped_mode7\"} 13"}));
  EXPECT_EQ(block(t, "chronon_xdp_no_socket_total 14", 1), Lines{"chronon_xdp_no_socket_total 14"});
  EXPECT_EQ(block(t, "chronon_xdp_rx_timestamped_total 15", 1),
            Lines{"chronon_xdp_rx_timestamped_total 15"});
}

}  // namespace
}  // namespace chronon::ctl
