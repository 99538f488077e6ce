// A simulated world for the control process's timekeeping: true time, a local oscillator
// with a frequency error that wanders, NTP servers with their own errors behind network
// paths with delay, jitter and asymmetry, and a discrete-event loop that drives a
// TimeKeeper exactly as chronond's poll loop does, thousands of times faster than real time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "control/config/config.h"
#include "control/server_state_source.h"
#include "control/timekeeper.h"
#include "timestamping/clock.h"
#include "timestamping/virtual_clock.h"

namespace chronon::sim {

// The local oscillator: reads true time scaled by (1 + error) plus an initial offset. The
// error wanders as a random walk of `wander_ppm_per_sqrt_s`.
class Oscillator final : public ts::Clock {
 public:
  Oscillator(const double& true_s, double offset_s, double freq_error_ppm,
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
};

class World {
 public:
  World(const ctl::Config& cfg, double clock_offset_s, double freq_error_ppm,
        double wander_ppm_per_sqrt_s = 0.0, uint64_t seed = 1);

  // Adds a server and the configured source that polls it (cfg.sources[i] pairs with server i).
  void add_server(const ServerSpec& spec, const ctl::SourceConfig& src);
  ServerSpec& server(size_t i) { return servers_[i]; }
  // Runs until true time `until_s`, calling `observe` once per simulated second.
  void run_until(double until_s, const std::function<void(World&)>& observe = {});

  double true_time_s() const { return true_s_; }
  // The disciplined local clock minus true time.
  double clock_error_s() const;
  // The oscillator's error plus the frequency correction applied: 0 when perfectly tuned.
  double frequency_error_ppm() const;
  ctl::TimeKeeper& keeper() { return *keeper_; }
  ctl::ServerStateSource& state() { return *state_; }
  ts::VirtualClock& clock() { return *clock_; }
  std::vector<std::string>& log() { return log_; }

 private:
  struct Event {
    double t;
    int kind;       // 0: poll of source `idx`, 1: reply arrives for source `idx`, 2: tick
    size_t idx;
    std::vector<uint8_t> packet;
    bool operator>(const Event& o) const { return t > o.t; }
  };
  void schedule_poll(size_t i);
  void on_poll(size_t i);
  double path_delay(const ServerSpec& s, bool to_server);

  ctl::Config cfg_;
  double true_s_ = 0.0;
  std::mt19937_64 rng_;
  std::unique_ptr<Oscillator> osc_;
  std::unique_ptr<ts::VirtualClock> clock_;
  std::unique_ptr<ctl::ServerStateSource> state_;
  std::unique_ptr<ctl::TimeKeeper> keeper_;
  std::vector<ServerSpec> servers_;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
  std::vector<std::string> log_;
};

}  // namespace chronon::sim
