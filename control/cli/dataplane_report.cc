// Formatting of the dataplane report; see dataplane_report.h.
#include "control/cli/dataplane_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "dataplane/core/frame.h"
#include "dataplane/shared/segment.h"
#include "ebpf/ntp_steer_abi.h"

namespace chronon::ctl {

namespace {
constexpr int kDrops = static_cast<int>(dp::NtpDrop::kCount);

constexpr int kFrameDrops = static_cast<int>(dp::FrameDrop::kCount);

struct Row {
  uint64_t received, replied, send_errors, interleaved, kod, evictions, rx_hw, drops[kDrops];
  uint64_t frame_drops[kFrameDrops], kernel_drops, to_kernel, from_kernel;
};

Row row_of(const dp::WorkerCounters& w) {
  Row r{w.received.load(),    w.replied.load(), w.send_errors.load(), w.interleaved.load(),
        w.kod.load(),         w.client_evictions.load(), w.rx_hw_timestamps.load(), {}, {},
        w.kernel_drops.load(), w.to_kernel.load(), w.from_kernel.load()};
  for (int i = 0; i < kDrops; ++i) r.drops[i] = w.drops[i].load();
  for (int i = 0; i < kFrameDrops; ++i) r.frame_drops[i] = w.frame_drops[i].load();
  return r;
}

void add(Row& total, const Row& r) {
  total.received += r.received;
  total.replied += r.replied;
  total.send_errors += r.send_errors;
  total.interleaved += r.interleaved;
  total.kod += r.kod;
  total.evictions += r.evictions;
  total.rx_hw += r.rx_hw;
  for (int d = 0; d < kDrops; ++d) total.drops[d] += r.drops[d];
  for (int d = 0; d < kFrameDrops; ++d) total.frame_drops[d] += r.frame_drops[d];
  total.kernel_drops += r.kernel_drops;
  total.to_kernel += r.to_kernel;
  total.from_kernel += r.from_kernel;
}

// Columns after the NtpDrop ones: frame drops (FrameDrop order from kTooShort), kernel drops.
std::string csv_row(const std::string& name, const Row& r) {
  std::string s = fmt::format("{},{},{},{},{},{},{},{}", name, r.received, r.replied,
                              r.send_errors, r.interleaved, r.kod, r.evictions, r.rx_hw);
  for (int i = 1; i < kDrops; ++i) s += fmt::format(",{}", r.drops[i]);
  for (int i = 1; i < kFrameDrops; ++i) s += fmt::format(",{}", r.frame_drops[i]);
  s += fmt::format(",{},{},{}", r.kernel_drops, r.to_kernel, r.from_kernel);
  return s + "\n";
}

std::string backend_of(const dp::Segment& seg) {
  const auto& b = seg.header.backend;
  const std::string name(b, strnlen(b, sizeof b));
  return name.empty() ? "socket" : name;
}
}  // namespace

std::string dataplane_report(const dp::Segment& seg, bool csv) {
  const uint32_t n = std::min<uint32_t>(seg.header.worker_count.load(), dp::kMaxWorkers);
  Row total{};
  for (uint32_t i = 0; i < n; ++i) add(total, row_of(seg.workers[i]));
  // The XDP program drops modes 6 and 7 before they reach a worker: the totals include them,
  // so that they read the same on every backend.
  const std::string backend = backend_of(seg);
  const bool xdp = backend == "afxdp";
  uint64_t x[dp::kXdpCounterSlots] = {};
  if (xdp) {
    for (int i = 0; i < dp::kXdpCounterSlots; ++i) x[i] = seg.xdp.value[i].load();
    const uint64_t m6 = x[CHRONON_XDP_DROPPED_MODE6], m7 = x[CHRONON_XDP_DROPPED_MODE7];
    total.drops[static_cast<int>(dp::NtpDrop::kModeControl)] += m6;
    total.drops[static_cast<int>(dp::NtpDrop::kModePrivate)] += m7;
    total.received += m6 + m7;
  }
  std::string out;
  if (csv) {
    for (uint32_t i = 0; i < n; ++i) out += csv_row(std::to_string(i), row_of(seg.workers[i]));
    return out + csv_row("total", total);
  }
  const int32_t pid = seg.header.dataplane_pid.load();
  // One "Label : value" line each, labels padded to the longest (as chronyc aligns them).
  std::vector<std::pair<std::string, std::string>> lines;
  auto line = [&lines](std::string_view label, const auto& value) {
    lines.emplace_back(std::string(label), fmt::format("{}", value));
  };
  line("Backend", backend);
  line("Dataplane pid", pid > 0 ? std::to_string(pid) : "not running");
  line("Workers", n);
  line("Restarts", seg.header.dataplane_restarts.load());
  line("Requests", total.received);
  line("Replies", total.replied);
  line("Send errors", total.send_errors);
  line("Interleaved", total.interleaved);
  line("KoD RATE sent", total.kod);
  line("Client evictions", total.evictions);
  line("HW RX timestamps", total.rx_hw);
  for (int i = 1; i < kDrops; ++i) {
    line(std::string("Dropped ") + dp::ntp_drop_name(static_cast<dp::NtpDrop>(i)), total.drops[i]);
  }
  if (xdp) {
    for (int i = 1; i < kFrameDrops; ++i) {
      line(std::string("Frames ") + dp::frame_drop_name(static_cast<dp::FrameDrop>(i)),
           total.frame_drops[i]);
    }
    line("Kernel drops", total.kernel_drops);
  }
  if (backend == "dpdk") {
    line("To kernel (TAP)", total.to_kernel);
    line("From kernel (TAP)", total.from_kernel);
    line("Frames not sent", total.kernel_drops);
  }
  if (xdp) {
    line("XDP program id", seg.xdp.program_id.load());
    line("XDP mode", seg.xdp.native.load() ? "native" : "generic");
    line("XDP to workers", x[CHRONON_XDP_REDIRECTED]);
    line("XDP to kernel", x[CHRONON_XDP_PASSED]);
    line("XDP no socket", x[CHRONON_XDP_NO_SOCKET]);
    line("XDP RX timestamps", x[CHRONON_XDP_RX_TIMESTAMPED]);
  }
  size_t width = 0;
  for (const auto& [label, value] : lines) width = std::max(width, label.size());
  for (const auto& [label, value] : lines) out += fmt::format("{:<{}}: {}\n", label, width, value);
  out += "\nWorker  Requests   Replies   Dropped\n";
  out += "====================================\n";
  for (uint32_t i = 0; i < n; ++i) {
    const Row r = row_of(seg.workers[i]);
    uint64_t dropped = 0;
    for (int d = 1; d < kDrops; ++d) dropped += r.drops[d];
    out += fmt::format("{:>6} {:>9} {:>9} {:>9}\n", i, r.received, r.replied, dropped);
  }
  return out;
}

}  // namespace chronon::ctl
