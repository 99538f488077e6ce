// The socket backend's worker: kernel UDP sockets (one IPv4, one IPv6, SO_REUSEPORT so N
// workers share the port), recvmmsg/sendmmsg in batches, kernel RX timestamps through
// SO_TIMESTAMPING (the NIC's, converted to system time, on `hwtimestamp` interfaces), the
// transmit timestamp read once per batch just before sendmmsg.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/core/server_core.h"
#include "dataplane/shared/segment_layout.h"
#include "dataplane/nic/hw_timestamping.h"

namespace chronon::dp {

struct SocketWorkerConfig {
  uint16_t port = 123;
  std::vector<std::string> bind_addresses;  // empty: wildcard IPv4 and IPv6
  int index = 0;                            // worker slot in the segment
  int batch = 64;
  size_t client_table_bytes = 524288;  // this worker's share of clientloglimit
  const HwTimestamps* hw = nullptr;    // interfaces with hardware RX timestamps, if any
};

class SocketWorker {
 public:
  // Opens and binds the sockets. Throws std::runtime_error naming the address and errno.
  SocketWorker(const SocketWorkerConfig& cfg, Segment* seg);
  ~SocketWorker();
  SocketWorker(const SocketWorker&) = delete;
  SocketWorker& operator=(const SocketWorker&) = delete;

  // Makes the kernel pick the worker by the client's source address instead of the 4-tuple,
  // so a client that changes its source port per request (chronyd does) always reaches the
  // same worker and thus the same client record (rate limit, interleaved mode). Call on the
  // first worker after all workers have bound, in worker order. Throws on failure.
  void steer_by_source_address(int n_workers);

  // Serves until `stop` becomes true (checked at least every 100 ms).
  void run(const std::atomic<bool>& stop);

  // The same, step by step, for a caller's own poll loop (`dataplane inline`): begin(), then
  // refresh() now and then (policy and server state from the segment) and serve_ready(fd)
  // for each of fds() that poll found readable, end() when done.
  const std::vector<int>& fds() const { return fds_; }
  void begin();
  void refresh();
  void serve_ready(int fd);
  void end();

 private:
  struct Batch;
  SocketWorkerConfig cfg_;
  Segment* seg_;
  std::vector<int> fds_;
  std::unique_ptr<ServerCore> core_;
  std::unique_ptr<Batch> batch_;
  uint64_t hw_stamped_ = 0;
};

}  // namespace chronon::dp
