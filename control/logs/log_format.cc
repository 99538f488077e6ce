// chrony-compatible log rows and banners; see log_format.h. The printf conversions below are
// the file format: column widths and precisions must not change, parsers split on them.
#include "control/logs/log_format.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "control/logs/printf_string.h"

namespace chronon::ctl {

namespace {

// The column titles, exactly as chrony 4.3 prints them (ntp_core.c, sourcestats.c, reference.c).
constexpr std::string_view kMeasurementsTitles =
    "   Date (UTC) Time     IP Address   L St 123 567 ABCD  LP RP Score    Offset  Peer del. "
    "Peer disp.  Root del. Root disp. Refid     MTxRx";
constexpr std::string_view kStatisticsTitles =
    "   Date (UTC) Time     IP Address    Std dev'n Est offset  Offset sd  Diff freq   Est skew"
    "  Stress  Ns  Bs  Nr  Asym";
constexpr std::string_view kTrackingTitles =
    "   Date (UTC) Time     IP Address   St   Freq ppm   Skew ppm     Offset L Co  Offset sd "
    "Rem. corr. Root delay Root disp. Max. error";

// chrony caps the '=' line at 255 characters; all three titles are shorter.
constexpr size_t kMaxRuleLen = 255;

std::string make_banner(std::string_view titles) {
  const std::string rule(std::min(titles.size(), kMaxRuleLen), '=');
  std::string banner;
  banner.reserve(2 * rule.size() + titles.size() + 2);
  banner.append(rule).append(1, '\n').append(titles).append(1, '\n').append(rule);
  return banner;
}


char leap_char(LeapIndicator l) {
  switch (l) {
    case LeapIndicator::kNormal:
      return 'N';
    case LeapIndicator::kInsertSecond:
      return '+';
    case LeapIndicator::kDeleteSecond:
      return '-';
    case LeapIndicator::kUnsynchronised:
      return '?';
  }
  return '?';
}

char source_char(TimestampSource s) {
  switch (s) {
    case TimestampSource::kDaemon:
      return 'D';
    case TimestampSource::kKernel:
      return 'K';
    case TimestampSource::kHardware:
      return 'H';
  }
  return '?';
}

}  // namespace

std::string format_log_time(const timespec& t) {
  const time_t s = t.tv_sec;
  tm utc{};
  char buf[64];
  if (gmtime_r(&s, &utc) == nullptr ||
      std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &utc) == 0)
    return "INVALID    INVALID ";
  return buf;
}

std::string format_measurement(const MeasurementRecord& r) {
  // Tests in three groups: RFC 5905 1-3, RFC 5905 5-7, chrony's A-D.
  return printf_string(
      "%s %-15s %1c %2d %1d%1d%1d %1d%1d%1d %1d%1d%1d%1d  %2d %2d %4.2f %10.3e %10.3e %10.3e "
      "%10.3e %10.3e %08X %1d%1c %1c %1c",
      format_log_time(r.time).c_str(), r.address.c_str(), leap_char(r.leap), r.stratum,
      r.test1_not_duplicate, r.test2_not_bogus, r.test3_valid_timestamps, r.test5_authenticated,
      r.test6_server_synchronised, r.test7_root_distance_ok, r.test_a_delay_ok,
      r.test_b_delay_ratio_ok, r.test_c_delay_dev_ratio_ok, r.test_d_no_sync_loop,
      r.local_poll_log2, r.remote_poll_log2, r.poll_score, r.offset_s, r.peer_delay_s,
      r.peer_dispersion_s, r.root_delay_s, r.root_dispersion_s, static_cast<unsigned>(r.refid),
      r.mode, r.interleaved ? 'I' : 'B', source_char(r.tx_source), source_char(r.rx_source));
}

std::string format_statistics(const StatisticsRecord& r) {
  return printf_string("%s %-15s %10.3e %10.3e %10.3e %10.3e %10.3e %7.1e %3d %3d %3d %5.2f",
                       format_log_time(r.time).c_str(), r.address.c_str(), r.std_dev_s,
                       r.est_offset_s, r.offset_sd_s, r.diff_freq_s_per_s, r.est_skew_s_per_s,
                       r.stress, r.n_samples, r.best_start, r.n_runs, r.asymmetry);
}

std::string format_tracking(const TrackingRecord& r) {
  return printf_string(
      "%s %-15s %2d %10.3f %10.3f %10.3e %1c %2d %10.3e %10.3e %10.3e %10.3e %10.3e",
      format_log_time(r.time).c_str(), r.address.c_str(), r.stratum, r.freq_ppm, r.skew_ppm,
      r.offset_s, leap_char(r.leap), r.combined_sources, r.offset_sd_s, r.remaining_correction_s,
      r.root_delay_s, r.root_dispersion_s, r.max_error_s);
}

std::string_view measurements_banner() {
  static const std::string banner = make_banner(kMeasurementsTitles);
  return banner;
}

std::string_view statistics_banner() {
  static const std::string banner = make_banner(kStatisticsTitles);
  return banner;
}

std::string_view tracking_banner() {
  static const std::string banner = make_banner(kTrackingTitles);
  return banner;
}

}  // namespace chronon::ctl
