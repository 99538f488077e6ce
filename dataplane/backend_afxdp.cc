// Runs the AF_XDP backend: the XDP steering program on the interface, one AfxdpWorker per RX
// queue, and a housekeeping loop on the main thread that keeps the program's address set in
// step with the interface and copies its counters to the segment.
#include <net/if.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <thread>

#include "dataplane/afxdp/afxdp_worker.h"
#include "dataplane/dataplane_options.h"
#include "dataplane/nic/interface_addresses.h"
#include "dataplane/shared/cpu_list.h"
#include "ebpf/xdp_steering.h"

namespace chronon::dp {

namespace {

constexpr auto kHousekeeping = std::chrono::milliseconds(100);
constexpr int kAddressRefreshTicks = 20;  // every 2 s

// RX queues of an interface, from sysfs (queues/rx-N).
int rx_queue_count(const std::string& iface) {
  int n = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/sys/class/net/" + iface + "/queues", ec)) {
    if (e.path().filename().string().rfind("rx-", 0) == 0) ++n;
  }
  return n;
}

XskBindMode bind_mode(const std::string& m) {
  if (m == "zerocopy") return XskBindMode::kZeroCopy;
  if (m == "copy") return XskBindMode::kCopy;
  return XskBindMode::kAuto;
}

ebpf::XdpMode xdp_mode(const std::string& m) {
  if (m == "native") return ebpf::XdpMode::kNative;
  if (m == "generic") return ebpf::XdpMode::kGeneric;
  return ebpf::XdpMode::kAuto;
}

void copy_counters(const ebpf::XdpSteering& steer, Segment* seg) {
  const ebpf::XdpCounters c = steer.read_counters();
  for (int i = 0; i < CHRONON_XDP_COUNTER_COUNT && i < kXdpCounterSlots; ++i)
    seg->xdp.value[i].store(c.value[i], std::memory_order_relaxed);
}

}  // namespace

void run_afxdp_backend(const DataplaneOptions& o, Segment* seg, const std::atomic<bool>& stop) {
  static_assert(CHRONON_XDP_COUNTER_COUNT <= kXdpCounterSlots);
  const int ifindex = static_cast<int>(if_nametoindex(o.iface.c_str()));
  if (ifindex == 0) throw std::runtime_error("no interface '" + o.iface + "'");
  if (const auto cpu = unavailable_cpu(o.cpus)) {
    throw std::runtime_error("cannot pin a worker to CPU " + std::to_string(*cpu) +
                             ": not one this process may run on (offline, absent, or outside "
                             "its affinity mask)");
  }
  const int available = rx_queue_count(o.iface);
  int queues = o.queues;
  if (queues == 0) queues = available > 0 ? available : 1;
  if (available > 0 && queues > available) {
    throw std::runtime_error(o.iface + " has " + std::to_string(available) + " RX queues, not " +
                             std::to_string(queues));
  }
  if (queues > kMaxWorkers) queues = kMaxWorkers;
  if (available > queues) {
    std::fprintf(stderr,
                 "chronon-dataplane: serving %d of the %d RX queues of %s: requests arriving on "
                 "the others get no answer (counted as 'no socket'); set the queue count with "
                 "ethtool -L or steer NTP with ethtool -N\n",
                 queues, available, o.iface.c_str());
  }

  std::vector<std::string> notes;
  HwTimestamps hw(o.hw_requests, &notes);
  // The device-bound variant where `hwtimestamp` names the interface (or is "*"), even if
  // SIOCSHWTSTAMP failed: the driver may still stamp, and the kfunc costs little when not.
  bool want_rx_ts = false;
  for (const auto& r : o.hw_requests) want_rx_ts |= r.iface == o.iface || r.iface == "*";
  ebpf::XdpSteering steer({o.iface, o.port, xdp_mode(o.xdp_mode), want_rx_ts}, &notes);
  for (const auto& n : notes) std::fprintf(stderr, "chronon-dataplane: %s\n", n.c_str());
  if (!steer.native() && o.xsk_mode == "zerocopy") {
    throw std::runtime_error("zero-copy AF_XDP needs native XDP, which " + o.iface + " lacks");
  }

  std::vector<std::unique_ptr<AfxdpWorker>> workers;
  for (int q = 0; q < queues; ++q) {
    AfxdpWorkerConfig wc;
    wc.xsk.iface = o.iface;
    wc.xsk.ifindex = ifindex;
    wc.xsk.queue = static_cast<uint32_t>(q);
    wc.xsk.mode = steer.native() ? bind_mode(o.xsk_mode) : XskBindMode::kCopy;
    wc.index = q;
    if (!o.cpus.empty()) wc.cpu = o.cpus[static_cast<size_t>(q) % o.cpus.size()];
    wc.client_table_bytes = static_cast<size_t>(o.clientlog_bytes / static_cast<uint64_t>(queues));
    wc.hw = &hw;
    wc.metadata_timestamps = steer.rx_timestamps();
    workers.push_back(std::make_unique<AfxdpWorker>(wc, seg));
  }
  if (!steer.set_local_addresses(served_addresses(o.iface, o.binds))) {
    std::fprintf(stderr, "chronon-dataplane: could not give every address of %s to the XDP "
                         "program (more than %d?)\n", o.iface.c_str(), CHRONON_XDP_MAX_ADDRESSES);
  }
  for (int q = 0; q < queues; ++q) steer.set_socket(static_cast<uint32_t>(q), workers[q]->socket_fd());
  std::fprintf(stderr, "chronon-dataplane: AF_XDP on %s: %d queue%s, %s XDP, %s mode%s\n",
               o.iface.c_str(), queues, queues == 1 ? "" : "s",
               steer.native() ? "native" : "generic",
               workers.front()->zerocopy() ? "zero-copy" : "copy",
               steer.rx_timestamps() ? ", NIC RX timestamps through XDP metadata" : "");
  seg->xdp.program_id.store(steer.program_id());
  seg->xdp.native.store(steer.native() ? 1 : 0);
  for (auto& v : seg->xdp.value) v.store(0);
  o.before_serving();
  hw.start();
  mark_dataplane_ready(seg, "afxdp", queues);

  std::vector<std::thread> running;
  for (auto& w : workers) running.emplace_back([&w, &stop] { w->run(stop); });
  for (int tick = 1; !stop.load(); ++tick) {
    std::this_thread::sleep_for(kHousekeeping);
    copy_counters(steer, seg);
    if (tick % kAddressRefreshTicks == 0) steer.set_local_addresses(served_addresses(o.iface, o.binds));
  }
  for (auto& t : running) t.join();
  copy_counters(steer, seg);
  seg->xdp.program_id.store(0);
}

}  // namespace chronon::dp
