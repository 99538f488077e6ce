// The shared segment between control and the dataplane (DESIGN.md): one file-backed mapping
// with a versioned header. Control writes state and policy through seqlocks; each dataplane
// worker writes only its own cache-line-aligned counters. Both sides include only this header.
//
// Layout history (bump kSegmentVersion on any change):
//   1  first layout: header, server state, policy (access table), worker counters.
//   2  access table compiled to a longest-prefix-match hash; rx_hw_timestamps counter.
//   3  backend name; frame-level drop counters (kernel-bypass backends); XDP program counters;
//      exception-path counters and TAP addresses (dpdk).
//   4  each worker's client table location, for control's `clients` report.
//   5  the smoothing model (smoothtime) in the published state.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>

#include "dataplane/core/ntp_packet.h"
#include "dataplane/core/rate_limiter.h"
#include "dataplane/shared/access_table.h"
#include "dataplane/shared/seqlock.h"
#include "dataplane/shared/server_state.h"
#include "dataplane/shared/smoothing_model.h"

namespace chronon::dp {

inline constexpr uint64_t kSegmentMagic = 0x4e4f4e4f52484321ULL;  // "!CHRONON" little-endian
inline constexpr uint32_t kSegmentVersion = 5;
inline constexpr int kFrameDropSlots = 16;  // >= FrameDrop::kCount (static_assert in frame.cc)
inline constexpr int kXdpCounterSlots = 8;  // >= the XDP program's counters (ntp_steer_abi.h)
inline constexpr int kMaxWorkers = 64;

// Published by control every second and on every change.
struct PublishedState {
  ServerState server;
  int64_t published_mono_ns;  // CLOCK_MONOTONIC when written
  int64_t holdover_ns;        // after this long without a publish, serve as unsynchronised
  SmoothingModel smoothing;   // added to every receive and transmit timestamp (smoothtime)
};

struct Policy {
  uint64_t generation;  // bumped by control on every change; workers reload when it moves
  RateLimitParams rate_limit;
  AccessTable access;
};

// Per-worker counters. Only the owning worker writes (relaxed stores); readers sum them.
// Invariant: received == replied + sum(drops).
struct alignas(64) WorkerCounters {
  std::atomic<uint64_t> received;
  std::atomic<uint64_t> replied;
  std::atomic<uint64_t> drops[static_cast<int>(NtpDrop::kCount)];
  std::atomic<uint64_t> send_errors;  // replies built but not accepted by the kernel/NIC
  std::atomic<uint64_t> interleaved;  // replies sent in interleaved mode
  std::atomic<uint64_t> kod;          // KoD RATE replies (counted in replied too)
  std::atomic<uint64_t> client_evictions;  // client records replaced because a bucket was full
  std::atomic<uint64_t> rx_hw_timestamps;  // requests stamped with the NIC's clock (hwtimestamp)
  std::atomic<int32_t> active;         // 1 while the worker runs
  // Kernel-bypass backends: frames that never reached the NTP checks, by FrameDrop reason
  // (not in `received`), and packets the kernel dropped for the worker's socket.
  std::atomic<uint64_t> frame_drops[kFrameDropSlots];
  std::atomic<uint64_t> kernel_drops;
  // dpdk: frames handed to the kernel's TAP interface and frames from it sent out the port.
  std::atomic<uint64_t> to_kernel;
  std::atomic<uint64_t> from_kernel;
  // Where the worker's client table lives in the dataplane's address space (written before
  // `active`): control copies it with process_vm_readv for the `clients` report, so that the
  // hot path never spends a cycle on reporting.
  std::atomic<uint64_t> client_table_addr;
  std::atomic<uint64_t> client_table_records;

  // A dataplane starts its slots from zero (relaxed: no worker runs yet).
  void reset() {
    received = 0;
    replied = 0;
    for (auto& d : drops) d = 0;
    send_errors = 0;
    interleaved = 0;
    kod = 0;
    client_evictions = 0;
    rx_hw_timestamps = 0;
    active = 0;
    for (auto& d : frame_drops) d = 0;
    kernel_drops = 0;
    to_kernel = 0;
    from_kernel = 0;
    client_table_addr = 0;
    client_table_records = 0;
  }
};

struct SegmentHeader {
  uint64_t magic;
  uint32_t version;
  uint32_t size;  // sizeof(Segment)
  std::atomic<int32_t> control_pid;
  std::atomic<int32_t> dataplane_pid;
  std::atomic<uint64_t> dataplane_config_hash;  // which arguments the running dataplane has
  std::atomic<uint32_t> worker_count;
  std::atomic<uint32_t> dataplane_restarts;
  char backend[16];  // "socket", "afxdp": written by the dataplane before it reports ready
};

// The XDP steering program's counters (afxdp backend), summed over CPUs and copied here by
// the dataplane a few times a second. Indexes as in ebpf/ntp_steer_abi.h.
struct XdpCounterBlock {
  std::atomic<uint64_t> value[kXdpCounterSlots];
  std::atomic<uint32_t> program_id;  // 0: no XDP program (other backends)
  std::atomic<uint32_t> native;      // 1: driver (native) mode, 0: generic
};

// dpdk: the TAP interface's addresses as the dataplane last saw them, so that a dataplane
// restarted after a crash (whose TAP interface died with it) can put them back.
struct TapAddresses {
  static constexpr int kMax = 32;
  int count;
  IpAddress addr[kMax];
  uint8_t prefix_len[kMax];  // in the address's own family (IPv4: 0..32)
};

struct Segment {
  SegmentHeader header;
  alignas(64) SeqLocked<PublishedState> state;
  alignas(64) std::atomic<uint64_t> policy_generation;
  SeqLocked<Policy> policy;
  WorkerCounters workers[kMaxWorkers];
  alignas(64) XdpCounterBlock xdp;
  alignas(64) SeqLocked<TapAddresses> tap_addresses;
};

}  // namespace chronon::dp
