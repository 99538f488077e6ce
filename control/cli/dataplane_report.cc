// Formatting of the dataplane report; see dataplane_report.h.
#include "control/cli/dataplane_report.h"

#include <fmt/format.h>

#include "dataplane/shared/segment.h"

namespace chronon::ctl {

namespace {
constexpr int kDrops = static_cast<int>(dp::NtpDrop::kCount);

struct Row {
  uint64_t received, replied, send_errors, interleaved, kod, evictions, rx_hw, drops[kDrops];
};

Row row_of(const dp::WorkerCounters& w) {
  Row r{w.received.load(),    w.replied.load(), w.send_errors.load(), w.interleaved.load(),
        w.kod.load(),         w.client_evictions.load(), w.rx_hw_timestamps.load(), {}};
  for (int i = 0; i < kDrops; ++i) r.drops[i] = w.drops[i].load();
  return r;
}

std::string csv_row(const std::string& name, const Row& r) {
  std::string s = fmt::format("{},{},{},{},{},{},{},{}", name, r.received, r.replied,
                              r.send_errors, r.interleaved, r.kod, r.evictions, r.rx_hw);
  for (int i = 1; i < kDrops; ++i) s += fmt::format(",{}", r.drops[i]);
  return s + "\n";
}
}  // namespace

std::string dataplane_report(const dp::Segment& seg, bool csv) {
  const uint32_t n = std::min<uint32_t>(seg.header.worker_count.load(), dp::kMaxWorkers);
  Row total{};
  for (uint32_t i = 0; i < n; ++i) {
    const Row r = row_of(seg.workers[i]);
    total.received += r.received;
    total.replied += r.replied;
    total.send_errors += r.send_errors;
    total.interleaved += r.interleaved;
    total.kod += r.kod;
    total.evictions += r.evictions;
    total.rx_hw += r.rx_hw;
    for (int d = 0; d < kDrops; ++d) total.drops[d] += r.drops[d];
  }
  std::string out;
  if (csv) {
    for (uint32_t i = 0; i < n; ++i) out += csv_row(std::to_string(i), row_of(seg.workers[i]));
    return out + csv_row("total", total);
  }
  const int32_t pid = seg.header.dataplane_pid.load();
  // One "Label : value" line each, labels padded to the longest (as chronyc aligns them).
  auto line = [&out](std::string_view label, const auto& value) {
    out += fmt::format("{:<20}: {}\n", label, value);
  };
  line("Backend", "socket");
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
