// Runs the dpdk backend: the EAL and ports (DpdkEnv), one DpdkWorker per worker lcore, and the
// main lcore keeping the workers' address set in step with the TAP interface's addresses.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include <rte_launch.h>

#include "dataplane/dataplane_options.h"
#include "dataplane/dpdk/dpdk_env.h"
#include "dataplane/dpdk/dpdk_worker.h"
#include "dataplane/nic/interface_addresses.h"

namespace chronon::dp {

namespace {

constexpr auto kHousekeeping = std::chrono::milliseconds(100);
constexpr int kAddressRefreshTicks = 5;  // every 0.5 s

struct Launch {
  DpdkWorker* worker;
  const std::atomic<bool>* stop;
};

int worker_main(void* arg) {
  auto* l = static_cast<Launch*>(arg);
  l->worker->run(*l->stop);
  return 0;
}

bool publish_addresses(const DataplaneOptions& o, SeqLocked<LocalAddresses>* out,
                       std::atomic<uint64_t>* generation, LocalAddresses* last) {
  LocalAddresses now;
  for (const auto& a : served_addresses(o.tap, o.binds)) {
    if (now.count < LocalAddresses::kMax) now.addr[now.count++] = a;
  }
  bool same = now.count == last->count;
  for (int i = 0; same && i < now.count; ++i) same = now.addr[i] == last->addr[i];
  if (same) return false;
  *last = now;
  out->write(now);
  generation->fetch_add(1, std::memory_order_release);
  return true;
}

}  // namespace

// Puts back the addresses a previous dataplane's TAP interface had and this one's lacks (the
// TAP interface dies with the process that created it). IPv6 link-local addresses are the
// kernel's own and are left to it.
void restore_tap_addresses(const DataplaneOptions& o, const Segment& seg) {
  TapAddresses saved{};
  if (!seg.tap_addresses.read(&saved) || saved.count <= 0) return;
  const auto present = interface_addresses(o.tap);
  int restored = 0;
  for (int i = 0; i < saved.count && i < TapAddresses::kMax; ++i) {
    const IpAddress& a = saved.addr[i];
    const bool link_local = !a.is_v4() && a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80;
    if (link_local || std::find(present.begin(), present.end(), a) != present.end()) continue;
    const std::string err = add_interface_address(o.tap, {a, saved.prefix_len[i]});
    if (err.empty()) {
      ++restored;
    } else {
      std::fprintf(stderr, "chronon-dataplane: cannot put %s/%d back on %s: %s\n",
                   to_string(a).c_str(), saved.prefix_len[i], o.tap.c_str(), err.c_str());
    }
  }
  if (restored > 0) {
    std::fprintf(stderr, "chronon-dataplane: put %d address%s of the previous dataplane back on %s\n",
                 restored, restored == 1 ? "" : "es", o.tap.c_str());
  }
}

// Records the TAP interface's addresses for a dataplane that replaces this one after a crash.
void save_tap_addresses(const DataplaneOptions& o, Segment* seg) {
  TapAddresses now{};
  for (const auto& a : interface_prefixes(o.tap)) {
    if (now.count == TapAddresses::kMax) break;
    now.addr[now.count] = a.addr;
    now.prefix_len[now.count] = static_cast<uint8_t>(a.prefix_len);
    ++now.count;
  }
  seg->tap_addresses.write(now);
}

void run_dpdk_backend(const DataplaneOptions& o, Segment* seg, const std::atomic<bool>& stop) {
  DpdkEnv env({o.iface, o.queues, o.lcores, o.eal, o.tap});
  restore_tap_addresses(o, *seg);
  auto addresses = std::make_unique<SeqLocked<LocalAddresses>>();
  std::atomic<uint64_t> generation{0};
  LocalAddresses last;
  last.count = -1;  // publish the first set, even an empty one
  publish_addresses(o, addresses.get(), &generation, &last);

  const int queues = env.queues();
  std::vector<std::unique_ptr<DpdkWorker>> workers;
  std::vector<Launch> launches(static_cast<size_t>(queues));
  for (int q = 0; q < queues; ++q) {
    DpdkWorkerConfig wc;
    wc.port = env.port();
    wc.tap = env.tap();
    wc.queue = static_cast<uint16_t>(q);
    wc.ntp_port = o.port;
    wc.index = q;
    wc.client_table_bytes = static_cast<size_t>(o.clientlog_bytes / static_cast<uint64_t>(queues));
    wc.addresses = addresses.get();
    wc.addresses_generation = &generation;
    workers.push_back(std::make_unique<DpdkWorker>(wc, seg));
  }
  std::fprintf(stderr,
               "chronon-dataplane: DPDK on %s: %d queue%s; the kernel's traffic goes through "
               "TAP interface %s, which must carry the server's addresses\n",
               o.iface.c_str(), queues, queues == 1 ? "" : "s", o.tap.c_str());
  o.before_serving();
  mark_dataplane_ready(seg, "dpdk", queues);
  for (int q = 0; q < queues; ++q) {
    launches[static_cast<size_t>(q)] = {workers[static_cast<size_t>(q)].get(), &stop};
    rte_eal_remote_launch(worker_main, &launches[static_cast<size_t>(q)],
                          env.worker_lcores()[static_cast<size_t>(q)]);
  }
  for (int tick = 1; !stop.load(); ++tick) {
    std::this_thread::sleep_for(kHousekeeping);
    if (tick % kAddressRefreshTicks == 0 &&
        publish_addresses(o, addresses.get(), &generation, &last)) {
      save_tap_addresses(o, seg);
    }
  }
  rte_eal_mp_wait_lcore();
}

}  // namespace chronon::dp
