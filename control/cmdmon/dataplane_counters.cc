// Reading the dataplane's counters; see dataplane_counters.h.
#include "control/cmdmon/dataplane_counters.h"

#include <algorithm>
#include <cstring>

#include "ebpf/ntp_steer_abi.h"

namespace chronon::ctl {

namespace {

WorkerCounts counts_of(const dp::WorkerCounters& w) {
  constexpr auto r = std::memory_order_relaxed;
  WorkerCounts c;
  c.received = w.received.load(r);
  c.replied = w.replied.load(r);
  c.send_errors = w.send_errors.load(r);
  c.interleaved = w.interleaved.load(r);
  c.kod = w.kod.load(r);
  c.client_evictions = w.client_evictions.load(r);
  c.rx_hw_timestamps = w.rx_hw_timestamps.load(r);
  for (int i = 0; i < kNtpDropKinds; ++i) c.drops[i] = w.drops[i].load(r);
  for (int i = 0; i < dp::kFrameDropSlots; ++i) c.frame_drops[i] = w.frame_drops[i].load(r);
  c.kernel_drops = w.kernel_drops.load(r);
  c.to_kernel = w.to_kernel.load(r);
  c.from_kernel = w.from_kernel.load(r);
  return c;
}

}  // namespace

void WorkerCounts::add(const WorkerCounts& o) {
  received += o.received;
  replied += o.replied;
  send_errors += o.send_errors;
  interleaved += o.interleaved;
  kod += o.kod;
  client_evictions += o.client_evictions;
  rx_hw_timestamps += o.rx_hw_timestamps;
  for (int i = 0; i < kNtpDropKinds; ++i) drops[i] += o.drops[i];
  for (int i = 0; i < dp::kFrameDropSlots; ++i) frame_drops[i] += o.frame_drops[i];
  kernel_drops += o.kernel_drops;
  to_kernel += o.to_kernel;
  from_kernel += o.from_kernel;
}

DataplaneCounters read_dataplane_counters(const dp::Segment& seg) {
  DataplaneCounters d;
  const auto& b = seg.header.backend;
  d.backend.assign(b, strnlen(b, sizeof b));
  if (d.backend.empty()) d.backend = "socket";
  d.pid = seg.header.dataplane_pid.load();
  d.restarts = seg.header.dataplane_restarts.load();
  const uint32_t n = std::min<uint32_t>(seg.header.worker_count.load(), dp::kMaxWorkers);
  for (uint32_t i = 0; i < n; ++i) {
    d.workers.push_back(counts_of(seg.workers[i]));
    d.total.add(d.workers.back());
  }
  d.xdp = d.backend == "afxdp";
  if (d.xdp) {
    for (int i = 0; i < dp::kXdpCounterSlots; ++i) d.xdp_counters[i] = seg.xdp.value[i].load();
    d.xdp_program_id = seg.xdp.program_id.load();
    d.xdp_native = seg.xdp.native.load() != 0;
    const uint64_t m6 = d.xdp_counters[CHRONON_XDP_DROPPED_MODE6];
    const uint64_t m7 = d.xdp_counters[CHRONON_XDP_DROPPED_MODE7];
    d.total.drops[static_cast<int>(dp::NtpDrop::kModeControl)] += m6;
    d.total.drops[static_cast<int>(dp::NtpDrop::kModePrivate)] += m7;
    d.total.received += m6 + m7;
  }
  return d;
}

}  // namespace chronon::ctl
