// One row of each chrony-compatible log file (`log measurements statistics tracking`) as a
// plain value, one field per column in typed units; log_format.h turns a row into chrony 4.3's
// exact text so that existing parsers of chrony's logs read chronon's.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>

namespace chronon::ctl {

// The leap indicator as chrony logs it (column "L"); values are the LI bits of RFC 5905 §7.3.
enum class LeapIndicator : uint8_t {
  kNormal = 0,          // 'N'
  kInsertSecond = 1,    // '+'
  kDeleteSecond = 2,    // '-'
  kUnsynchronised = 3,  // '?'
};

// Where a local timestamp came from (the "TxRx" letters of column "MTxRx").
enum class TimestampSource : uint8_t {
  kDaemon = 0,    // 'D': read by the daemon after/before the syscall
  kKernel = 1,    // 'K': SO_TIMESTAMPING software timestamp
  kHardware = 2,  // 'H': NIC hardware timestamp
};

// measurements.log: one NTP response from a source (chrony logs those passing tests 1-3 and
// 5-7, or every one with `log rawmeasurements`). Test flags are true when the test PASSED
// (chrony prints 1). Tests 1-7 are RFC 5905's (test 4, access, always passes here and is
// not logged); A-D are chrony's own sample filters.
struct MeasurementRecord {
  timespec time{};      // sample time (midpoint of the local TX and RX); logged in whole s
  std::string address;  // source address as text ("10.99.0.1", "2001:db8::1")
  LeapIndicator leap = LeapIndicator::kNormal;  // leap indicator in the response
  int stratum = 0;                              // "St", from the response
  bool test1_not_duplicate = false;             // "1": not a copy of the previous response
  bool test2_not_bogus = false;            // "2": origin is our latest transmit (basic/interleaved)
  bool test3_valid_timestamps = false;     // "3": origin, receive, transmit all non-zero
  bool test5_authenticated = false;        // "5": authentication passed (or none configured)
  bool test6_server_synchronised = false;  // "6": server leap not unsync, stratum 1-15
  bool test7_root_distance_ok = false;     // "7": root delay/2 + root disp. < max dispersion
  bool test_a_delay_ok = false;            // "A": delay within maxdelay, processing time sane
  bool test_b_delay_ratio_ok = false;      // "B": delay / minimum delay within maxdelayratio
  bool test_c_delay_dev_ratio_ok = false;  // "C": delay increase vs offset sd (maxdelaydevratio)
  bool test_d_no_sync_loop = false;        // "D": source is not synchronised to us
  int local_poll_log2 = 0;                 // "LP": our polling interval, log2 seconds
  int remote_poll_log2 = 0;                // "RP": poll field of the response, log2 seconds
  double poll_score = 0;                   // "Score": progress towards changing the poll (-1 .. 1)
  double offset_s = 0;                     // "Offset": positive when the source is ahead of us
  double peer_delay_s = 0;                 // "Peer del."
  double peer_dispersion_s = 0;            // "Peer disp."
  double root_delay_s = 0;                 // "Root del.", from the response
  double root_dispersion_s = 0;            // "Root disp.", from the response
  uint32_t refid = 0;                      // "Refid", host byte order, printed as 8 hex digits
  int mode = 4;              // "M": NTP mode of the response (RFC 5905 §7.3), 4 = server
  bool interleaved = false;  // 'I' (interleaved) or 'B' (basic), after the mode digit
  TimestampSource tx_source = TimestampSource::kDaemon;  // "Tx" letter
  TimestampSource rx_source = TimestampSource::kDaemon;  // "Rx" letter
};

// statistics.log: the result of one regression over a source's samples (chrony's
// sourcestats). The frequency columns are rates, s/s, not ppm (1e-6 s/s = 1 ppm).
struct StatisticsRecord {
  timespec time{};               // time of the newest sample; logged in whole seconds
  std::string address;           // source address, or its refid as text for a refclock
  double std_dev_s = 0;          // "Std dev'n": sd of the residuals
  double est_offset_s = 0;       // "Est offset": offset estimated at `time`
  double offset_sd_s = 0;        // "Offset sd": sd of that estimate
  double diff_freq_s_per_s = 0;  // "Diff freq": source's frequency relative to ours
  double est_skew_s_per_s = 0;   // "Est skew": error bound of diff_freq
  double stress = 0;             // "Stress": |frequency change| / previous skew
  int n_samples = 0;             // "Ns": samples in the register
  int best_start = 0;            // "Bs": samples dropped from the start by the regression
  int n_runs = 0;                // "Nr": runs of residuals of the same sign
  double asymmetry = 0;          // "Asym": estimated delay asymmetry, -0.5 .. +0.5
};

// tracking.log: one update of the local clock's discipline (chrony's reference.c).
struct TrackingRecord {
  timespec time{};      // time of the update; logged in whole seconds
  std::string address;  // reference's address, refid as text, or "0.0.0.0" when unsync
  int stratum = 0;      // "St": our stratum
  double freq_ppm = 0;  // "Freq ppm": the clock's frequency offset
  double skew_ppm = 0;  // "Skew ppm": its error bound
  double offset_s = 0;  // "Offset": offset being corrected at this update
  LeapIndicator leap = LeapIndicator::kUnsynchronised;  // "L": our leap status
  int combined_sources = 0;                             // "Co": sources combined into this update
  double offset_sd_s = 0;                               // "Offset sd"
  double remaining_correction_s = 0;  // "Rem. corr.": correction not yet applied by slewing
  double root_delay_s = 0;            // "Root delay"
  double root_dispersion_s = 0;       // "Root disp."
  double max_error_s = 0;             // "Max. error": root distance + |last system offset|
};

}  // namespace chronon::ctl
