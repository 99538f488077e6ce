// Golden tests: rows and banners must equal chrony 4.3's log files byte for byte (the expected
// text is copied from logs of a real chronyd 4.3), since parsers of those files split columns.
#include "control/logs/log_format.h"

#include <gtest/gtest.h>

#include <string>

namespace chronon::ctl {
namespace {

// 2026-11-24 13:07:33 UTC, the first row of the reference logs.
constexpr time_t kT0 = 1795525653;

timespec at(time_t s, long ns = 0) { return timespec{s, ns}; }

MeasurementRecord reference_measurement() {
  MeasurementRecord r;
  r.time = at(kT0, 250'000'000);
  r.address = "10.99.0.1";
  r.leap = LeapIndicator::kNormal;
  r.stratum = 8;
  r.test1_not_duplicate = r.test2_not_bogus = r.test3_valid_timestamps = true;
  r.test5_authenticated = r.test6_server_synchronised = r.test7_root_distance_ok = true;
  r.test_a_delay_ok = r.test_b_delay_ratio_ok = r.test_c_delay_dev_ratio_ok = true;
  r.test_d_no_sync_loop = true;
  r.local_poll_log2 = 4;
  r.remote_poll_log2 = 4;
  r.poll_score = 0.0;
  r.offset_s = -5.013e-06;
  r.peer_delay_s = 1.593e-05;
  r.peer_dispersion_s = 8.285e-07;
  r.root_delay_s = 0.0;
  r.root_dispersion_s = 0.0;
  r.refid = 0x7F7F0101;
  r.mode = 4;
  r.interleaved = false;
  r.tx_source = TimestampSource::kKernel;
  r.rx_source = TimestampSource::kKernel;
  return r;
}

TEST(LogFormat, MeasurementRowEqualsChronyRow) {
  EXPECT_EQ(format_measurement(reference_measurement()),
            "2026-11-24 13:07:33 10.99.0.1       N  8 111 111 1111   4  4 0.00 -5.013e-06  "
            "1.593e-05  8.285e-07  0.000e+00  0.000e+00 7F7F0101 4B K K");
}

TEST(LogFormat, MeasurementRowWithLargerNegativeOffsetEqualsChronyRow) {
  MeasurementRecord r = reference_measurement();
  r.time = at(kT0 + 4);
  r.offset_s = -4.889e-05;
  r.peer_delay_s = 1.040e-04;
  r.peer_dispersion_s = 6.274e-07;
  EXPECT_EQ(format_measurement(r),
            "2026-11-24 13:07:37 10.99.0.1       N  8 111 111 1111   4  4 0.00 -4.889e-05  "
            "1.040e-04  6.274e-07  0.000e+00  0.000e+00 7F7F0101 4B K K");
}

TEST(LogFormat, MeasurementRowShowsEachFailedTestLeapModeAndSourcesInItsColumn) {
  MeasurementRecord r = reference_measurement();
  r.leap = LeapIndicator::kUnsynchronised;
  r.stratum = 16;
  r.test2_not_bogus = false;
  r.test6_server_synchronised = false;
  r.test_d_no_sync_loop = false;
  r.local_poll_log2 = -2;
  r.remote_poll_log2 = 10;
  r.poll_score = -0.5;
  r.refid = 0x0A;
  r.mode = 2;
  r.interleaved = true;
  r.tx_source = TimestampSource::kHardware;
  r.rx_source = TimestampSource::kDaemon;
  EXPECT_EQ(format_measurement(r),
            "2026-11-24 13:07:33 10.99.0.1       ? 16 101 101 1110  -2 10 -0.50 -5.013e-06  "
            "1.593e-05  8.285e-07  0.000e+00  0.000e+00 0000000A 2I H D");
}

TEST(LogFormat, LongAddressWidensItsColumnInsteadOfBeingCut) {
  MeasurementRecord r = reference_measurement();
  r.address = "2001:db8:ffff:ffff:ffff:ffff:ffff:1";
  EXPECT_EQ(format_measurement(r).substr(19, r.address.size() + 4),
            " 2001:db8:ffff:ffff:ffff:ffff:ffff:1 N ");
}

StatisticsRecord reference_statistics() {
  StatisticsRecord r;
  r.time = at(kT0 + 4);
  r.address = "10.99.0.1";
  r.std_dev_s = 3.334e-07;
  r.est_offset_s = 5.334e-06;
  r.offset_sd_s = 5.806e-07;
  r.diff_freq_s_per_s = 7.980e-08;
  r.est_skew_s_per_s = 1.345e-04;
  r.stress = 4.0e-05;
  r.n_samples = 3;
  r.best_start = 0;
  r.n_runs = 3;
  r.asymmetry = 0.0;
  return r;
}

TEST(LogFormat, StatisticsRowEqualsChronyRow) {
  EXPECT_EQ(format_statistics(reference_statistics()),
            "2026-11-24 13:07:37 10.99.0.1        3.334e-07  5.334e-06  5.806e-07  7.980e-08  "
            "1.345e-04 4.0e-05   3   0   3  0.00");
}

TEST(LogFormat, StatisticsRowWithNegativeOffsetAndFrequencyEqualsChronyRow) {
  StatisticsRecord r = reference_statistics();
  r.time = at(kT0 + 6);
  r.std_dev_s = 9.934e-07;
  r.est_offset_s = -2.320e-07;
  r.offset_sd_s = 6.414e-07;
  r.diff_freq_s_per_s = -4.704e-08;
  r.est_skew_s_per_s = 6.185e-06;
  r.stress = 3.5e-04;
  r.n_samples = 4;
  EXPECT_EQ(format_statistics(r),
            "2026-11-24 13:07:39 10.99.0.1        9.934e-07 -2.320e-07  6.414e-07 -4.704e-08  "
            "6.185e-06 3.5e-04   4   0   3  0.00");
}

TEST(LogFormat, StatisticsRowNegativeAsymmetryKeepsWidth) {
  StatisticsRecord r = reference_statistics();
  r.asymmetry = -0.25;
  r.best_start = 12;
  EXPECT_EQ(format_statistics(r).substr(98), "   3  12   3 -0.25");
}

TrackingRecord unsynchronised_tracking() {
  TrackingRecord r;
  r.time = at(kT0);
  r.address = "0.0.0.0";
  r.stratum = 0;
  r.freq_ppm = 0.0;
  r.skew_ppm = 1.0e6;
  r.offset_s = 0.0;
  r.leap = LeapIndicator::kUnsynchronised;
  r.combined_sources = 0;
  r.offset_sd_s = 0.0;
  r.remaining_correction_s = -0.0;
  r.root_delay_s = 1.0;
  r.root_dispersion_s = 1.0;
  r.max_error_s = 1.5;
  return r;
}

TEST(LogFormat, UnsynchronisedTrackingRowEqualsChronyFirstRow) {
  // The skew of 1e6 ppm overflows its 10-character column, and the remaining correction is a
  // negative zero: chrony prints both as they are, and so must we.
  EXPECT_EQ(format_tracking(unsynchronised_tracking()),
            "2026-11-24 13:07:33 0.0.0.0          0      0.000 1000000.000  0.000e+00 ?  0  "
            "0.000e+00 -0.000e+00  1.000e+00  1.000e+00  1.500e+00");
}

TEST(LogFormat, SynchronisedTrackingRowsEqualChronyRows) {
  TrackingRecord r;
  r.time = at(kT0 + 4);
  r.address = "10.99.0.1";
  r.stratum = 9;
  r.freq_ppm = 0.080;
  r.skew_ppm = 134.464;
  r.offset_s = 5.334e-06;
  r.leap = LeapIndicator::kNormal;
  r.combined_sources = 1;
  r.offset_sd_s = 5.806e-07;
  r.remaining_correction_s = -0.0;
  r.root_delay_s = 1.040e-04;
  r.root_dispersion_s = 1.052e-04;
  r.max_error_s = 1.5;
  EXPECT_EQ(format_tracking(r),
            "2026-11-24 13:07:37 10.99.0.1        9      0.080    134.464  5.334e-06 N  1  "
            "5.806e-07 -0.000e+00  1.040e-04  1.052e-04  1.500e+00");

  r.time = at(kT0 + 6);
  r.freq_ppm = 0.033;
  r.skew_ppm = 6.277;
  r.offset_s = -2.320e-07;
  r.offset_sd_s = 6.414e-07;
  r.remaining_correction_s = -5.496e-06;
  r.root_delay_s = 1.595e-05;
  r.root_dispersion_s = 4.779e-06;
  r.max_error_s = 4.374e-04;
  EXPECT_EQ(format_tracking(r),
            "2026-11-24 13:07:39 10.99.0.1        9      0.033      6.277 -2.320e-07 N  1  "
            "6.414e-07 -5.496e-06  1.595e-05  4.779e-06  4.374e-04");
}

TEST(LogFormat, TimeIsTruncatedToWholeSecondsInUtc) {
  EXPECT_EQ(format_log_time(at(kT0, 999'999'999)), "2026-11-24 13:07:33");
  EXPECT_EQ(format_log_time(at(0)), "1970-01-01 00:00:00");
}

TEST(LogFormat, MeasurementsBannerEqualsChronyBanner) {
  EXPECT_EQ(measurements_banner(),
            std::string(136, '=') + "\n" +
                "   Date (UTC) Time     IP Address   L St 123 567 ABCD  LP RP Score    Offset  "
                "Peer del. Peer disp.  Root del. Root disp. Refid     MTxRx\n" +
                std::string(136, '='));
}

TEST(LogFormat, StatisticsBannerEqualsChronyBanner) {
  EXPECT_EQ(statistics_banner(),
            std::string(116, '=') + "\n" +
                "   Date (UTC) Time     IP Address    Std dev'n Est offset  Offset sd  Diff freq "
                "  Est skew  Stress  Ns  Bs  Nr  Asym\n" +
                std::string(116, '='));
}

TEST(LogFormat, TrackingBannerEqualsChronyBanner) {
  EXPECT_EQ(tracking_banner(),
            std::string(131, '=') + "\n" +
                "   Date (UTC) Time     IP Address   St   Freq ppm   Skew ppm     Offset L Co  "
                "Offset sd Rem. corr. Root delay Root disp. Max. error\n" +
                std::string(131, '='));
}

TEST(LogFormat, BannerRuleIsAsLongAsTheTitlesAndRowsAlignWithTitles) {
  for (auto [banner, row] :
       {std::pair{measurements_banner(), format_measurement(reference_measurement())},
        std::pair{statistics_banner(), format_statistics(reference_statistics())},
        std::pair{tracking_banner(), format_tracking(unsynchronised_tracking())}}) {
    const size_t first_nl = banner.find('\n'), last_nl = banner.rfind('\n');
    const std::string_view titles = banner.substr(first_nl + 1, last_nl - first_nl - 1);
    EXPECT_EQ(first_nl, titles.size());
    EXPECT_EQ(banner.size() - last_nl - 1, titles.size());
    if (banner != tracking_banner()) {  // the unsynchronised skew overflows its column
      EXPECT_EQ(row.size(), titles.size()) << row;
    }
  }
}

}  // namespace
}  // namespace chronon::ctl
