// A simulated world for the control process's timekeeping: true time, a local oscillator
// with a frequency error that wanders, NTP servers with their own errors behind network
// paths with delay, jitter and asymmetry, and a discrete-event loop that drives a
// TimeKeeper exactly as chronond's poll loop does, thousands of times faster than real time.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "control/config/config.h"
#include "control/refclock/refclock_poller.h"
#include "control/server_state_source.h"
#include "control/timekeeper.h"
#include "timestamping/clock.h"
#include "timestamping/virtual_clock.h"

namespace chronon::sim {

// True time 0 is this Unix time unless a World is told otherwise: 2027-01-15 08:00 UTC, a
// day on which no leap second may be announced.
inline constexpr time_t kDefaultStartUnix = 1800000000;
// 2027-06-30 06:00 UTC: the last day of a June, when a leap second announced by the sources
// is served (chronyd's reference.c accepts one only on June 30 and December 31).
inline constexpr time_t kLeapDayStartUnix = 1814335200;
// 2027-06-30 23:00 UTC, an hour before a (hypothetical) leap second at 2027-07-01 00:00 UTC.
inline constexpr time_t kLeapEveStartUnix = 1814396400;
inline constexpr time_t kLeapUnix = 1814400000;

// The local oscillator: reads true time scaled by (1 + error) plus an initial offset. The
// error wanders as a random walk of `wander_ppm_per_sqrt_s`.
class Oscillator final : public ts::Clock {
 public:
  Oscillator(const double& true_s, time_t start_unix, double offset_s, double freq_error_ppm,
             double wander_ppm_per_sqrt_s, uint64_t seed);
  timespec now() const override;
  timespec monotonic() const override;
  ts::KernelClockState read_state() const override { return {}; }
  int precision_log2() const override { return -23; }
  // Moves the oscillator's own time to true time `t` (must not go backwards).
  void advance_to(double t);
  double freq_error_ppm() const { return freq_error_ppm_; }

 private:
  const double& true_s_;
  time_t start_unix_;
  double reading_s_;      // oscillator reading at last_true_s_
  double last_true_s_;
  double freq_error_ppm_;
  double wander_;
  std::mt19937_64 rng_;
};

struct ServerSpec {
  std::string name = "server";
  double offset_s = 0;        // the server's clock minus true time (a falseticker: large)
  int stratum = 1;
  double root_delay_s = 0.0;
  double root_dispersion_s = 0.0;
  uint8_t leap = 0;
  double delay_s = 0.001;     // one-way base delay
  double jitter_s = 0.0001;   // mean of the exponential extra delay, each way
  double asymmetry_s = 0.0;   // extra delay on the way to the server only
  bool reachable = true;
  // Misbehaviour, for the upstream fault scenarios:
  uint32_t kiss_code = 0;        // non-zero: every answer is a Kiss-o'-Death with this code
  double kod_rate_within_s = 0;  // a request sooner than this after the previous one gets a
                                 // KoD RATE (a rate-limiting server with chronyd's `kod`)
  bool leap_flaps = false;       // the leap indicator alternates insert/none, answer by answer
  double spoof_error_s = 0;      // non-zero: an off-path attacker races each answer with a
                                 // forged one (guessed origin, time off by this much)
};

// What a server saw: a request's true arrival time and whether it was answered with a KoD.
struct ServerRequest {
  double t = 0;
  bool kod = false;
};

// One simulated host running chronond's timekeeping: its oscillator, the disciplined
// virtual clock over it, the reference it serves and the TimeKeeper.
struct Node {
  std::unique_ptr<Oscillator> osc;
  std::unique_ptr<ts::VirtualClock> clock;
  std::unique_ptr<ctl::ServerStateSource> state;
  std::unique_ptr<ctl::TimeKeeper> keeper;
  ctl::Config cfg;
  uint32_t refid = 0;  // what its address gives as a reference ID
  double deadline_scheduled_mono_s = -1;  // the keeper deadline a tick is scheduled for
};

class World {
 public:
  // Node 0, configured by `cfg`, with its oscillator's offset and frequency error.
  World(const ctl::Config& cfg, double clock_offset_s, double freq_error_ppm,
        double wander_ppm_per_sqrt_s = 0.0, uint64_t seed = 1,
        time_t start_unix = kDefaultStartUnix);
  // Another host (an appliance's partner); returns its index.
  size_t add_node(const ctl::Config& cfg, double clock_offset_s, double freq_error_ppm);

  // Adds a server and the source of node `node` that polls it; returns the server's index.
  size_t add_server(const ServerSpec& spec, const ctl::SourceConfig& src, size_t node = 0);
  // Makes nodes `a` and `b` symmetric peers of each other (`peer` lines on both), the path
  // between them as in `path` (delay, jitter, reachable).
  void add_peers(size_t a, size_t b, const ctl::SourceConfig& src, const ServerSpec& path);
  // A reference clock of node `node` (a PHC kept on true time, read with `noise_s` of
  // Gaussian noise); returns its source index.
  size_t add_refclock(const ctl::RefclockConfig& rc, double noise_s, size_t node = 0);
  ServerSpec& server(size_t i) { return servers_[i]; }
  const std::vector<ServerRequest>& requests(size_t server) const { return requests_[server]; }
  ServerSpec& peer_path(size_t link) { return links_[link].path; }
  // From true time `at_s` on, UTC (which the servers keep) has had a leap second: +1 inserted
  // (UTC repeats a second: it is 1 s behind true time), -1 deleted.
  void add_leap_second(double at_s, int leap) {
    leap_at_s_ = at_s;
    leap_ = leap;
  }
  // UTC at true time `t`, as seconds after the start.
  double utc_s(double t) const { return t >= leap_at_s_ ? t - leap_ : t; }
  // Runs until true time `until_s`, calling `observe` once per simulated second.
  void run_until(double until_s, const std::function<void(World&)>& observe = {});

  double true_time_s() const { return true_s_; }
  // The disciplined local clock of `node` minus true time (UTC).
  double clock_error_s(size_t node = 0) const;
  // What the node serves to NTP clients (its clock plus the smoothing offset) minus UTC.
  double served_error_s(size_t node = 0) const;
  // True time at which the leap second was applied, in Unix seconds.
  time_t start_unix() const { return start_unix_; }
  // The oscillator's error plus the frequency correction applied: 0 when perfectly tuned.
  double frequency_error_ppm(size_t node = 0) const;
  ctl::TimeKeeper& keeper(size_t node = 0) { return *nodes_[node]->keeper; }
  ctl::ServerStateSource& state(size_t node = 0) { return *nodes_[node]->state; }
  ts::VirtualClock& clock(size_t node = 0) { return *nodes_[node]->clock; }
  uint32_t node_refid(size_t node) const { return nodes_[node]->refid; }
  // Gives node `node` another address (reference ID); only before it has sources or peers.
  void set_node_refid(size_t node, uint32_t refid);
  std::vector<std::string>& log() { return log_; }

 private:
  // What a source of a node talks to: a server, or a peer node's source.
  struct Target {
    bool is_peer = false;
    size_t server = 0;     // servers_ index
    size_t link = 0;       // links_ index
    size_t peer_node = 0;  // the other end
    size_t peer_source = 0;
  };
  struct Link {
    ServerSpec path;
  };
  struct Event {
    double t;
    int kind;       // 0: poll, 1: packet arrives, 2: tick of node, 3: refclock `idx`,
                    // 4: tick of node at its keeper's deadline
    size_t node, idx;
    std::vector<uint8_t> packet;
    bool operator>(const Event& o) const { return t > o.t; }
  };
  size_t add_source(size_t node, const ctl::SourceConfig& src, const std::string& name,
                    uint32_t refid, Target t);
  void schedule_poll(size_t node, size_t i);
  // As chronond's loop wakes at the TimeKeeper's next deadline (a slew's end), so does the
  // node: a tick then, besides the one every second.
  void schedule_deadline(size_t node);
  void on_poll(size_t node, size_t i);
  double path_delay(const ServerSpec& s, bool to_server);
  // The answer of server `server` to `req`, arriving at true time `t_arrive`.
  std::vector<uint8_t> answer(size_t server, const uint8_t* req, double t_arrive);
  std::vector<uint8_t> reply_packet(const ServerSpec& s, uint8_t leap, double t2, int8_t poll,
                                    uint64_t origin_wire) const;
  // An off-path attacker's imitation of that answer: it cannot see the request, so the
  // origin is a guess.
  std::vector<uint8_t> forged_answer(size_t server, double t_arrive);
  double mono_s(size_t node) const;

  double true_s_ = 0.0;
  double leap_at_s_ = INFINITY;
  int leap_ = 0;
  time_t start_unix_;
  uint64_t seed_;
  std::mt19937_64 rng_;
  std::vector<std::unique_ptr<Node>> nodes_;  // stable: keepers hold their node's cfg
  std::vector<std::vector<Target>> targets_;  // per node, per source
  std::vector<ServerSpec> servers_;
  std::vector<std::vector<ServerRequest>> requests_;  // per server
  std::vector<Link> links_;
  struct Refclock {
    size_t node, source;
    double noise_s;
    std::unique_ptr<ctl::RefclockPoller> poller;
  };
  std::vector<Refclock> refclocks_;
  void service_refclock(size_t r);
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
  std::vector<std::string> log_;
};

}  // namespace chronon::sim
