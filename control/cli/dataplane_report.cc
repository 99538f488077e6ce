// Formatting of the dataplane report; see dataplane_report.h.
#include "control/cli/dataplane_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "control/cmdmon/dataplane_counters.h"
#include "dataplane/core/frame.h"
#include "dataplane/shared/segment.h"
#include "ebpf/ntp_steer_abi.h"

namespace chronon::ctl {

namespace {
constexpr int kFrameDrops = static_cast<int>(dp::FrameDrop::kCount);

// Columns after the NtpDrop ones: frame drops (FrameDrop order from kTooShort), kernel drops.
std::string csv_row(const std::string& name, const WorkerCounts& r) {
  std::string s = fmt::format("{},{},{},{},{},{},{},{}", name, r.received, r.replied,
                              r.send_errors, r.interleaved, r.kod, r.client_evictions,
                              r.rx_hw_timestamps);
  for (int i = 1; i < kNtpDropKinds; ++i) s += fmt::format(",{}", r.drops[i]);
  for (int i = 1; i < kFrameDrops; ++i) s += fmt::format(",{}", r.frame_drops[i]);
  s += fmt::format(",{},{},{}", r.kernel_drops, r.to_kernel, r.from_kernel);
  return s + "\n";
}
}  // namespace

std::string dataplane_report(const dp::Segment& seg, bool csv) {
  const DataplaneCounters d = read_dataplane_counters(seg);
  const WorkerCounts& total = d.total;
  std::string out;
  if (csv) {
    for (size_t i = 0; i < d.workers.size(); ++i) out += csv_row(std::to_string(i), d.workers[i]);
    return out + csv_row("total", total);
  }
  // One "Label : value" line each, labels padded to the longest (as chronyc aligns them).
  std::vector<std::pair<std::string, std::string>> lines;
  auto line = [&lines](std::string_view label, const auto& value) {
    lines.emplace_back(std::string(label), fmt::format("{}", value));
  };
  line("Backend", d.backend);
  line("Dataplane pid", d.pid > 0 ? std::to_string(d.pid) : "not running");
  line("Workers", d.workers.size());
  line("Restarts", d.restarts);
  line("Requests", total.received);
  line("Replies", total.replied);
  line("Send errors", total.send_errors);
  line("Interleaved", total.interleaved);
  line("KoD RATE sent", total.kod);
  line("Client evictions", total.client_evictions);
  line("HW RX timestamps", total.rx_hw_timestamps);
  for (int i = 1; i < kNtpDropKinds; ++i) {
    line(std::string("Dropped ") + dp::ntp_drop_name(static_cast<dp::NtpDrop>(i)), total.drops[i]);
  }
  if (d.xdp) {
    for (int i = 1; i < kFrameDrops; ++i) {
      line(std::string("Frames ") + dp::frame_drop_name(static_cast<dp::FrameDrop>(i)),
           total.frame_drops[i]);
    }
    line("Kernel drops", total.kernel_drops);
  }
  if (d.backend == "dpdk") {
    line("To kernel (TAP)", total.to_kernel);
    line("From kernel (TAP)", total.from_kernel);
    line("Frames not sent", total.kernel_drops);
  }
  if (d.xdp) {
    const uint64_t* x = d.xdp_counters;
    line("XDP program id", d.xdp_program_id);
    line("XDP mode", d.xdp_native ? "native" : "generic");
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
  for (size_t i = 0; i < d.workers.size(); ++i) {
    const WorkerCounts& r = d.workers[i];
    uint64_t dropped = 0;
    for (int k = 1; k < kNtpDropKinds; ++k) dropped += r.drops[k];
    out += fmt::format("{:>6} {:>9} {:>9} {:>9}\n", i, r.received, r.replied, dropped);
  }
  return out;
}

}  // namespace chronon::ctl
