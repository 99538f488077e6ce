// The reports chronond gives about its timekeeping, as plain values: what chronyc's
// tracking, sources, sourcestats, activity and serverstats show, in the units and signs of
// chrony's command protocol (candm.h), so encoding them for chronyc and printing them in the
// chronon CLI are both simple translations.
#pragma once

#include <cstdint>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace chronon::ctl {

// An address as the command protocol carries it: IPv4, IPv6, or a reference clock's refid.
struct ReportAddress {
  enum class Family : uint16_t { kUnspec = 0, kInet4 = 1, kInet6 = 2, kId = 3 };
  Family family = Family::kUnspec;
  uint8_t bytes[16] = {};  // IPv4 in the first 4, network order
  uint32_t id = 0;         // kId: the refid
  std::string text() const;  // "10.0.0.1", "fd00::1", or the refid as text
  friend bool operator==(const ReportAddress& a, const ReportAddress& b) {
    return a.family == b.family && a.id == b.id && std::memcmp(a.bytes, b.bytes, 16) == 0;
  }
};

// chronyc tracking.
struct TrackingReport {
  uint32_t ref_id = 0;
  ReportAddress ip;               // the selected source's address (unspec when none)
  int stratum = 0;
  int leap_status = 3;            // 0 normal, 1 insert, 2 delete, 3 not synchronised
  timespec ref_time{};
  double current_correction_s = 0;  // positive: the clock is fast of NTP time
  double last_offset_s = 0;
  double rms_offset_s = 0;
  double freq_ppm = 0;            // the clock's own frequency error (positive: fast)
  double resid_freq_ppm = 0;
  double skew_ppm = 0;
  double root_delay_s = 0;
  double root_dispersion_s = 0;
  double last_update_interval_s = 0;
};

// One line of chronyc sources.
struct SourceReport {
  enum class Mode : uint16_t { kClient = 0, kPeer = 1, kRefclock = 2 };
  // RPY_SD_ST_*: selected, nonselectable, falseticker, jittery, unselected, selectable.
  enum class State : uint16_t {
    kSelected = 0, kNonselectable = 1, kFalseticker = 2, kJittery = 3, kUnselected = 4,
    kSelectable = 5,
  };
  ReportAddress ip;
  int poll = 0;
  int stratum = 0;
  State state = State::kNonselectable;
  Mode mode = Mode::kClient;
  uint16_t flags = 0;
  uint16_t reach = 0;
  uint32_t since_sample_s = 0xFFFFFFFF;  // seconds since the last sample (-1: none)
  double orig_latest_meas_s = 0;          // the last sample's offset as measured
  double latest_meas_s = 0;               // the same, adjusted for slews since
  double latest_meas_err_s = 0;           // its estimated error
};

// One line of chronyc sourcestats.
struct SourceStatsReport {
  uint32_t ref_id = 0;
  ReportAddress ip;
  uint32_t n_samples = 0;
  uint32_t n_runs = 0;
  uint32_t span_s = 0;
  double sd_s = 0;
  double resid_freq_ppm = 0;
  double skew_ppm = 0;
  double est_offset_s = 0;
  double est_offset_err_s = 0;
};

// chronyc activity.
struct ActivityReport {
  int online = 0, offline = 0, burst_online = 0, burst_offline = 0, unresolved = 0;
};

// chronyc smoothing (RPY_Smoothing): the state of smoothtime, as chrony's SMT_GetSmoothingReport
// gives it (frequencies in ppm, positive: the served time runs faster).
struct SmoothingReport {
  bool active = false, leap_only = false;
  double offset_s = 0, freq_ppm = 0, wander_ppm_per_s = 0;
  double last_update_ago_s = 0, remaining_time_s = 0;
};

// chronyc serverstats (chrony 4.3's RPY_SERVER_STATS3 fields).
struct ServerStatsReport {
  uint32_t ntp_hits = 0, nke_hits = 0, cmd_hits = 0;
  uint32_t ntp_drops = 0, nke_drops = 0, cmd_drops = 0, log_drops = 0;
  uint32_t ntp_auth_hits = 0, ntp_interleaved_hits = 0, ntp_timestamps = 0;
  uint32_t ntp_span_seconds = 0;
};

// One line of chronyc clients (chrony's RPY_ClientAccesses_Client). Intervals are log2
// seconds, 127 when unknown; "ago" times are seconds, UINT32_MAX when never.
struct ClientAccessReport {
  ReportAddress ip;
  uint32_t ntp_hits = 0, nke_hits = 0, cmd_hits = 0;
  uint32_t ntp_drops = 0, nke_drops = 0, cmd_drops = 0;
  int8_t ntp_interval = 127, nke_interval = 127, cmd_interval = 127;
  int8_t ntp_timeout_interval = 127;
  uint32_t last_ntp_hit_ago = UINT32_MAX, last_nke_hit_ago = UINT32_MAX;
  uint32_t last_cmd_hit_ago = UINT32_MAX;
};

// One line of chronyc selectdata: why the source is (not) selected and its interval.
struct SelectDataReport {
  static constexpr uint16_t kNoselect = 0x1, kPrefer = 0x2, kTrust = 0x4, kRequire = 0x8;
  uint32_t ref_id = 0;
  ReportAddress ip;            // unspecified for a reference clock (named by ref_id)
  char state = '?';            // chrony's status letters: N s M d ~ O x D + *
  bool authenticated = false;
  uint8_t leap = 0;
  uint16_t conf_options = 0, eff_options = 0;
  uint32_t last_sample_ago_s = UINT32_MAX;
  double score = 0;
  double lo_limit_s = 0, hi_limit_s = 0;  // the correctness interval of its offset
};

// chronyc ntpdata: the newest packet from an NTP source and what was measured from it.
struct NtpDataReport {
  static constexpr uint16_t kFlagInterleaved = 0x4000, kFlagAuthenticated = 0x8000;
  ReportAddress remote, local;
  uint16_t remote_port = 0;
  uint8_t leap = 0, version = 0, mode = 0, stratum = 0;
  int8_t poll = 0, precision = 0;
  double root_delay_s = 0, root_dispersion_s = 0;
  uint32_t ref_id = 0;
  timespec ref_time{};
  double offset_s = 0, peer_delay_s = 0, peer_dispersion_s = 0, response_time_s = 0;
  double jitter_asymmetry = 0;
  uint16_t flags = 0;  // tests passed (bit 9: test 1 ... bit 0: test D) and the two above
  char tx_tss = 'D', rx_tss = 'K';  // timestamps by the daemon, kernel or hardware
  uint32_t total_tx = 0, total_rx = 0, total_valid = 0, total_good = 0;
};

// A page of the client list, as chronyc asks for it (by index, 8 at a time).
struct ClientAccessPage {
  static constexpr uint32_t kMaxClients = 8;  // MAX_CLIENT_ACCESSES
  uint32_t n_indices = 0;   // how many indices the list has
  uint32_t next_index = 0;  // the index after the last one examined
  std::vector<ClientAccessReport> clients;
};

}  // namespace chronon::ctl
