// What chronon-dataplane was asked to do (its command line), shared by the backends' runners.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dataplane/nic/hw_timestamping.h"
#include "dataplane/shared/segment.h"
#include "dataplane/shared/segment_layout.h"

namespace chronon::dp {

struct DataplaneOptions {
  std::string backend = "socket";
  uint16_t port = 123;
  int threads = 0;                       // socket: worker threads (0: one per core)
  std::vector<std::string> binds;        // at most one IPv4 and one IPv6 address
  uint64_t clientlog_bytes = 524288;     // all workers' client tables together
  std::vector<HwTimestampRequest> hw_requests;
  // afxdp
  std::string iface;
  int queues = 0;                        // 0: every RX queue the interface has
  std::string xsk_mode = "auto";         // auto, zerocopy, copy
  std::string xdp_mode = "auto";         // auto, native, generic
  std::vector<int> cpus;                 // worker of queue i on cpus[i % size]; empty: unpinned
  // dpdk (iface is the DPDK port name, queues as for afxdp)
  std::string lcores;                    // EAL -l list
  std::string eal;                       // more EAL arguments
  std::string tap = "chronon0";          // the kernel's TAP interface
  // Called once the backend has opened everything it needs and before it reports ready or
  // starts any thread of its own: where the dataplane gives up its privileges (-u, -F).
  // Throws std::runtime_error to stop the start.
  std::function<void()> before_serving = [] {};
};

// Each runner opens its backend, marks the segment ready (worker count, backend name, pid),
// serves until `stop`, and returns. Throws std::runtime_error for anything that keeps it from
// starting.
void run_socket_backend(const DataplaneOptions& o, Segment* seg, const std::atomic<bool>& stop);
void run_afxdp_backend(const DataplaneOptions& o, Segment* seg, const std::atomic<bool>& stop);
void run_dpdk_backend(const DataplaneOptions& o, Segment* seg, const std::atomic<bool>& stop);

}  // namespace chronon::dp
