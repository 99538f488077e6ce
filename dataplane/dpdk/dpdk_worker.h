// The dpdk backend's worker: one per lcore and queue. Receives bursts from the port, answers
// NTP client requests for the server's addresses with the same ServerCore as every backend
// (reply built in the received mbuf), hands every other frame to the kernel through the TAP
// port, and sends the kernel's frames from the TAP out of the port. No syscalls while busy;
// after a run of empty polls it sleeps 50 us at a time so an idle server leaves the CPU free.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/core/server_core.h"
#include "dataplane/shared/ip_address.h"
#include "dataplane/shared/seqlock.h"
#include "dataplane/shared/segment_layout.h"

namespace chronon::dp {

// The server's addresses (those of the TAP interface), published by the main lcore.
struct LocalAddresses {
  static constexpr int kMax = 64;
  int count = 0;
  IpAddress addr[kMax];
  bool contains(const IpAddress& a) const {
    for (int i = 0; i < count; ++i)
      if (addr[i] == a) return true;
    return false;
  }
};

struct DpdkWorkerConfig {
  uint16_t port = 0, tap = 0, queue = 0;
  uint16_t ntp_port = 123;
  int index = 0;
  size_t client_table_bytes = 524288;
  const SeqLocked<LocalAddresses>* addresses = nullptr;
  const std::atomic<uint64_t>* addresses_generation = nullptr;
};

class DpdkWorker {
 public:
  DpdkWorker(const DpdkWorkerConfig& cfg, Segment* seg);  // allocates the client table; throws
  ~DpdkWorker();
  DpdkWorker(const DpdkWorker&) = delete;
  DpdkWorker& operator=(const DpdkWorker&) = delete;

  // Serves until `stop` (checked every burst).
  void run(const std::atomic<bool>& stop);

 private:
  struct Burst;
  void serve_burst(Burst& b, uint16_t n);
  void forward_from_kernel(Burst& b);

  DpdkWorkerConfig cfg_;
  Segment* seg_;
  std::unique_ptr<ServerCore> core_;
  LocalAddresses local_;
  uint64_t local_generation_ = ~uint64_t{0};
  uint64_t to_kernel_ = 0, from_kernel_ = 0, kernel_drops_ = 0;
};

}  // namespace chronon::dp
