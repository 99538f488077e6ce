// The dataplane's counters read out of the shared segment once, per worker and summed, so the
// `chronon dataplane` report, chronyc's serverstats and the metrics endpoint count alike.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/shared/segment_layout.h"

namespace chronon::ctl {

inline constexpr int kNtpDropKinds = static_cast<int>(dp::NtpDrop::kCount);

// One worker's counters (WorkerCounters in segment_layout.h, as plain numbers).
struct WorkerCounts {
  uint64_t received = 0, replied = 0, send_errors = 0, interleaved = 0, kod = 0;
  uint64_t client_evictions = 0, rx_hw_timestamps = 0;
  uint64_t drops[kNtpDropKinds] = {};  // by NtpDrop; drops[kNone] is unused
  uint64_t frame_drops[dp::kFrameDropSlots] = {};  // by FrameDrop (kernel-bypass backends)
  uint64_t kernel_drops = 0, to_kernel = 0, from_kernel = 0;

  void add(const WorkerCounts& o);
};

struct DataplaneCounters {
  std::string backend;  // "socket", "afxdp", "dpdk", "inline" (socket until a dataplane says)
  int32_t pid = 0;      // 0 or less: not running
  uint32_t restarts = 0;
  std::vector<WorkerCounts> workers;  // the running dataplane's workers, in order
  // The workers summed; with afxdp also the modes 6 and 7 the XDP program dropped (received
  // and dropped), so totals read the same on every backend.
  WorkerCounts total;
  bool xdp = false;  // afxdp: the XDP program's counters below are valid
  uint64_t xdp_counters[dp::kXdpCounterSlots] = {};  // ebpf/ntp_steer_abi.h's indexes
  uint32_t xdp_program_id = 0;
  bool xdp_native = false;
};

// Reads the counters (relaxed loads: each is exact, the set is not one instant).
DataplaneCounters read_dataplane_counters(const dp::Segment& seg);

}  // namespace chronon::ctl
