// One upstream NTP server as chronyd's client mode sees it (ntp_core.c + sourcestats.c),
// sans-IO: when to poll (minpoll..maxpoll adapted to polltarget, iburst, burst, KoD RATE),
// the reachability register, the exchange and the sample history. Times are arguments.
#pragma once

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <string>

#include "control/config/config.h"
#include "control/source/client_exchange.h"
#include "control/source/source_stats.h"
#include "control/source/symmetric_exchange.h"
#include "dataplane/shared/server_state.h"

namespace chronon::ctl {

// Selection states, one to one with chronyc's "S" column symbols (sources.c).
enum class SourceState : uint8_t {
  kUnusable,      // '?': unreachable, no samples yet, or unusable data
  kFalseticker,   // 'x': disagrees with the majority
  kJittery,       // '~': its time varies too much to be used
  kNotCombined,   // '-': acceptable but not combined with the selected source
  kCombined,      // '+': combined with the selected source
  kSelected,      // '*': the source the clock follows
};
char source_state_symbol(SourceState s);

// The newest packet from the source that reached the tests, as chronyc ntpdata shows it:
// its header, what was measured from it, and which tests it passed.
struct LastPacket {
  bool seen = false;
  uint8_t leap = 0, version = 0, mode = 0, stratum = 0;
  int8_t poll = 0, precision = 0;
  double root_delay_s = 0, root_dispersion_s = 0;
  uint32_t refid = 0;
  ts::NtpTimestamp reference_time{};
  double offset_s = 0, delay_s = 0, dispersion_s = 0;
  double response_time_s = 0;  // the server's receive to transmit
  uint16_t tests_passed = 0;   // as ReplyResult::tests_passed
  bool interleaved = false;
};

class NtpSource {
 public:
  // `name` is what reports show (the configured address); `refid` identifies the source in
  // our replies (its IPv4 address, or a hash of its IPv6 address).
  NtpSource(const SourceConfig& cfg, std::string name, uint32_t refid, int min_samples,
            int max_samples);

  const SourceConfig& config() const { return cfg_; }
  const std::string& name() const { return name_; }
  uint32_t refid() const { return refid_; }
  void set_address(std::string name, uint32_t refid) {
    name_ = std::move(name);
    refid_ = refid;
  }
  // The refid of our own address on the path to the source (what chronyd calls the local
  // refid), which orphan mode compares with the source's; 0 while unknown.
  uint32_t local_refid() const { return local_refid_; }
  void set_local_refid(uint32_t r) { local_refid_ = r; }

  // Seconds of our monotonic clock at which the next request is due.
  double next_poll_mono_s() const { return next_poll_mono_s_; }
  // Builds the request that is due now (a client request, or for a peer a symmetric active
  // packet carrying `ours`, our server state); shifts the reachability register.
  size_t make_request(uint8_t* buf, uint64_t cookie, timespec tx_time, double now_mono_s,
                      const dp::ServerState& ours);
  // A more precise transmit time after the fact (client mode only: a peer's packet carries
  // its transmit time itself).
  void set_tx_time(timespec t) {
    if (!peer_) exchange_.set_tx_time(t);
  }
  // Processes a reply (client) or a packet from the peer; a good one adds a sample
  // (returned with the verdict). `own_refids`: what a source synchronised to us carries.
  ReplyResult on_reply(const uint8_t* p, size_t len, timespec rx_time, double now_mono_s,
                       int precision_log2, double max_distance_s,
                       const std::vector<uint32_t>& own_refids);
  bool is_peer() const { return peer_; }
  // Fed by a reference clock's polls instead of NTP packets.
  bool is_refclock() const { return refclock_; }
  void set_refclock() { refclock_ = true; }
  void on_clock_change(timespec when, double dfreq, double step_s);
  // UTC had a leap second (`leap` +1 inserted, -1 deleted) that our clock has not taken
  // yet: the samples say our clock is ahead by `leap`; an exchange under way is dropped.
  void on_leap_second(int leap);
  // A reference clock's poll: `s` is its filtered sample, or null when it gave none (the
  // reachability register shifts either way).
  void on_refclock_poll(const NtpSample* s);

  uint8_t reach() const { return reach_; }
  // The register as chronyd keeps it, which shifts when a reply passes tests 1-3 or the next
  // request goes out unanswered (ours shifts as each request goes out), and how many polls
  // it holds (up to 8).
  uint8_t settled_reach() const { return awaiting_reply_ ? reach_ >> 1 : reach_; }
  int settled_reach_size() const {
    return static_cast<int>(std::min<uint64_t>(8, tx_ - (awaiting_reply_ ? 1 : 0)));
  }
  int poll_log2() const { return poll_; }
  double poll_score() const { return poll_score_; }
  // chronyc offline/online (and the `offline` option): an offline source sends nothing
  // until set online, which polls at once.
  bool offline() const { return offline_; }
  void set_offline(bool offline, double now_mono_s);
  // chronyc burst GOOD/TOTAL: up to `total` requests at the burst interval, ending early
  // once `good` samples arrived; an offline source goes back to offline after it. False
  // (nothing done) for a peer or a reference clock; a burst in progress goes on.
  bool start_burst(int good, int total, double now_mono_s);
  bool in_burst() const { return burst_left_ > 0; }
  // Whether requests go out (online or in a burst).
  bool polling() const { return !retired_ && (!offline_ || burst_left_ > 0); }
  // Removed by `reload sources`: no more requests, no selection, no reports. (Kept in the
  // TimeKeeper so that every other index stays as it was.)
  bool retired() const { return retired_; }
  void retire() {
    retired_ = true;
    burst_left_ = 0;
  }
  // The latest reply said the source cannot be used now (unsynchronised, a kiss code other
  // than RATE, bad header, or synchronised to us): its older samples must not keep it
  // selectable.
  bool last_reply_unusable() const { return last_reply_unusable_; }
  const SourceStats& stats() const { return stats_; }
  // The newest accepted sample, for reports and the measurements log.
  const NtpSample& last_sample() const { return last_sample_; }
  bool has_sample() const { return has_sample_; }
  SourceState state() const { return state_; }
  void set_state(SourceState s) { state_ = s; }
  // Counters for reports (chronyc ntpdata's "Total TX/RX/valid RX").
  uint64_t tx_count() const { return tx_; }
  uint64_t rx_count() const { return rx_; }
  uint64_t valid_rx_count() const { return valid_rx_; }
  // Packets that passed tests 1-3 (chrony's "valid"); valid_rx_count() those that gave a
  // sample (chrony's "good").
  uint64_t sane_rx_count() const { return sane_rx_; }
  const LastPacket& last_packet() const { return last_packet_; }

  // chrony's iburst/burst spacing.
  static constexpr double kBurstIntervalS = 2.0;

 private:
  void schedule_next(double now_mono_s);
  void adapt_poll();
  // Adds `score` to the poll score; a whole unit lengthens the polling interval one step.
  void back_off(double score);
  void note_packet(const uint8_t* p, size_t len, const ReplyResult& r);
  SourceConfig cfg_;
  std::string name_;
  uint32_t refid_;
  uint32_t local_refid_ = 0;
  bool peer_;
  bool refclock_ = false;
  ClientExchange exchange_;
  SymmetricExchange sym_;
  SourceStats stats_;
  NtpSample last_sample_{};
  bool has_sample_ = false;
  uint8_t reach_ = 0;
  int poll_;
  double poll_score_ = 0.0;
  int burst_left_ = 0;        // requests left in the current burst
  int burst_good_left_ = 0;   // good samples still wanted by the burst
  bool offline_ = false;
  bool retired_ = false;
  bool last_reply_unusable_ = false;
  bool awaiting_reply_ = false;  // the last request has had no reply that passed tests 1-3
  double next_poll_mono_s_ = 0.0;
  SourceState state_ = SourceState::kUnusable;
  uint64_t tx_ = 0, rx_ = 0, valid_rx_ = 0, sane_rx_ = 0;
  LastPacket last_packet_;
};

}  // namespace chronon::ctl
