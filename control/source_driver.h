// Drives the TimeKeeper from chronond's poll loop: one UpstreamSocket per source, requests
// sent when due, replies read when their socket is readable, names resolved again while they
// fail. Single-threaded, poll(2) only, so the daemon stays one loop (DESIGN.md).
#pragma once

#include <poll.h>

#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "control/config/config.h"
#include "control/async_resolver.h"
#include "control/timekeeper.h"
#include "control/upstream_socket.h"

namespace chronon::ctl {

class SourceDriver {
 public:
  // Creates the sources of `cfg` in `keeper`. Numeric addresses are used at once; host
  // names are looked up in the background, and a pool then expands to up to maxsources
  // sources. Problems are returned as log lines from service().
  SourceDriver(const Config& cfg, TimeKeeper& keeper, const ts::Clock& clock,
               std::vector<std::string>* logs);

  // Appends the sockets to wait on; returns how long poll may sleep, in milliseconds: until
  // the next request is due or the TimeKeeper's next deadline (a slew's end), rounded up.
  int prepare(std::vector<pollfd>* fds, int max_wait_ms);
  // Handles what poll reported for the descriptors from `first` on, and sends what is due.
  // Log lines go to `logs`; returns true if the clock or the reference changed.
  // Peers share our NTP port with the dataplane, whose start-up check for a free port their
  // sockets would fail: chronond turns them off while a dataplane starts.
  void set_peers_enabled(bool on);
  // Sources whose host name has not resolved yet.
  int unresolved() const;
  // chronyc reload sources (`all` false): the sourcedir sources become `fresh` (compared
  // line by line): the ones no longer listed are removed, new ones added (from the next
  // poll), the others keep their state. chronon reload (`all` true): the same over every
  // source, those of the configuration file included. Returns "N sources added, M removed".
  std::string reload(const std::vector<SourceConfig>& fresh, bool all = false);

  // Events (measured responses, clock updates) are appended to `events`.
  bool service(const std::vector<pollfd>& fds, size_t first, std::vector<std::string>* logs,
               std::vector<UpdateEvent>* events);

 private:
  struct Endpoint {
    SourceConfig config;
    size_t source;            // index in the TimeKeeper
    std::string name;         // as configured
    int port;
    bool peer = false;
    std::optional<ResolvedAddress> resolved;
    std::unique_ptr<AsyncResolver> resolver;  // a host name being looked up
    UpstreamSocket sock;
    double next_resolve_mono_s = 0;
    bool resolve_failed_logged = false;
    bool open_failed_logged = false;
  };
  std::unique_ptr<Endpoint> make_endpoint(const SourceConfig& c);
  void check_resolution(Endpoint& e, double now, std::vector<std::string>* logs);
  double mono_s() const;
  void send_due(Endpoint& e, double now, std::vector<std::string>* logs);
  TimeKeeper& keeper_;
  const ts::Clock& clock_;
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
  std::vector<std::unique_ptr<Endpoint>> added_;  // pool addresses, joined after a pass
  // Lookups of removed sources, freed once they finish.
  std::vector<std::unique_ptr<AsyncResolver>> abandoned_;
  std::mt19937_64 rng_;
  int local_port_;
  bool peers_enabled_ = false;
};

}  // namespace chronon::ctl
