// The metrics endpoint's socket shell: a non-blocking TCP listener and a few short HTTP
// connections, stepped from chronond's poll loop (prepare/service, never blocking it), each
// closed after one answer, or at its deadline.
#pragma once

#include <poll.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "control/metrics/metrics_http.h"

namespace chronon::ctl {

class MetricsServer {
 public:
  using Clock = std::chrono::steady_clock;
  struct Limits {
    size_t max_connections = 8;  // more wait in the listen backlog
    // From accept to close: a client that has not sent its request by then is dropped.
    std::chrono::milliseconds deadline{5000};
    // After the answer, how long the client may take to close (its unread bytes are drained
    // meanwhile, so closing does not reset the connection before it has read the answer).
    std::chrono::milliseconds linger{1000};
  };

  // Listens on `address` (numeric IPv4 or IPv6) and `port` (0: any, for tests). Throws
  // std::runtime_error "cannot listen for metrics on ADDRESS:PORT: reason".
  MetricsServer(const std::string& address, int port, Limits limits);
  MetricsServer(const std::string& address, int port) : MetricsServer(address, port, Limits{}) {}
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Appends the descriptors to poll; returns `max_wait_ms`, lowered to the nearest deadline.
  int prepare(std::vector<pollfd>* fds, int max_wait_ms, Clock::time_point now);
  // Acts on what poll reported in `fds` (as prepare left them): accepts, reads, answers,
  // closes, and closes connections past their deadline. Call it after every poll, also on a
  // timeout.
  void service(const std::vector<pollfd>& fds, Clock::time_point now,
               const MetricsRenderer& render);

  uint16_t port() const { return port_; }                  // the bound port
  const std::string& endpoint() const { return endpoint_; }  // "127.0.0.1:9123", "[::1]:9123"
  size_t connections() const { return conns_.size(); }
  uint64_t answered() const { return answered_; }

 private:
  struct Connection {
    enum class Phase { kReading, kWriting, kLingering };
    int fd = -1;
    Phase phase = Phase::kReading;
    Clock::time_point deadline;
    std::string in, out;
    size_t sent = 0;
  };
  void accept_new(Clock::time_point now);
  // Each returns false when the connection is finished (to be closed).
  bool on_readable(Connection& c, Clock::time_point now, const MetricsRenderer& render);
  bool on_writable(Connection& c, Clock::time_point now);
  bool drain(Connection& c);

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::string endpoint_;
  Limits limits_;
  std::vector<Connection> conns_;
  size_t first_ = 0;         // where prepare() put the listener in the poll set
  size_t polled_conns_ = 0;  // connections prepare() appended after it
  uint64_t answered_ = 0;
};

}  // namespace chronon::ctl
