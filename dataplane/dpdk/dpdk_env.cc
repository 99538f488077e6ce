// EAL and port set-up for the dpdk backend; see dpdk_env.h.
#include "dataplane/dpdk/dpdk_env.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <sstream>
#include <stdexcept>

namespace chronon::dp {

namespace {

constexpr uint16_t kRxDesc = 1024, kTxDesc = 1024;
constexpr unsigned kMbufsPerQueue = 4096;
constexpr unsigned kMbufCache = 256;

std::string rte_error(int err) { return rte_strerror(err < 0 ? -err : err); }

}  // namespace

std::vector<std::string> split_eal_args(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

DpdkEnv::DpdkEnv(const DpdkOptions& o) : tap_name_(o.tap) {
  // No files under /var/run/dpdk or in hugetlbfs, so instances (and a dataplane restarted
  // after a crash) never trip over each other's leftovers: --in-memory, or --no-shconf with
  // --no-huge (which --in-memory does not combine with).
  const std::vector<std::string> extra = split_eal_args(o.eal);
  bool no_huge = false;
  for (const auto& a : extra) no_huge |= a == "--no-huge";
  std::vector<std::string> args = {"chronon-dataplane", no_huge ? "--no-shconf" : "--in-memory",
                                   "--log-level", "*:warning"};
  if (!o.lcores.empty()) {
    args.push_back("-l");
    args.push_back(o.lcores);
  }
  for (const auto& a : extra) args.push_back(a);
  // The exception path: a TAP interface the kernel sees, created by DPDK's tap driver.
  args.push_back("--vdev=net_tap_chronon,iface=" + o.tap);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(args.size()), argv.data()) < 0) {
    throw std::runtime_error(
        "cannot initialise DPDK (EAL: " + rte_error(rte_errno) +
        "): check the 'eal' arguments and reserve hugepages (echo 256 > "
        "/proc/sys/vm/nr_hugepages; mount -t hugetlbfs none /dev/hugepages), or add --no-huge "
        "to 'eal' for a test set-up");
  }
  unsigned lcore;
  RTE_LCORE_FOREACH_WORKER(lcore) workers_.push_back(lcore);
  if (workers_.empty()) {
    rte_eal_cleanup();
    throw std::runtime_error("dpdk needs at least two lcores (the first runs housekeeping, "
                             "each other one a queue): give 'lcores', e.g. 'lcores 0-2'");
  }
  if (rte_eth_dev_get_port_by_name(o.port.c_str(), &port_) != 0) {
    rte_eal_cleanup();
    throw std::runtime_error("no DPDK port '" + o.port +
                             "': bind the NIC to vfio-pci (dpdk-devbind.py) and give its PCI "
                             "address, or create a vdev with eal \"--vdev NAME,...\"");
  }
  rte_eth_dev_info info{};
  rte_eth_dev_info_get(port_, &info);
  queues_ = o.queues ? o.queues : static_cast<int>(workers_.size());
  if (queues_ > info.max_rx_queues) queues_ = info.max_rx_queues;
  if (queues_ > info.max_tx_queues) queues_ = info.max_tx_queues;
  if (queues_ > static_cast<int>(workers_.size())) {
    rte_eal_cleanup();
    throw std::runtime_error(std::to_string(queues_) + " queues need as many worker lcores; " +
                             "'lcores' gives " + std::to_string(workers_.size()));
  }
  workers_.resize(static_cast<size_t>(queues_));
  if (rte_eth_dev_get_port_by_name("net_tap_chronon", &tap_) != 0) {
    rte_eal_cleanup();
    throw std::runtime_error("cannot create the TAP interface '" + o.tap +
                             "' for the kernel's traffic (needs /dev/net/tun and CAP_NET_ADMIN)");
  }
  pool_ = rte_pktmbuf_pool_create("chronon_mbufs", kMbufsPerQueue * static_cast<unsigned>(queues_) * 2,
                                  kMbufCache, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                  static_cast<int>(rte_eth_dev_socket_id(port_)));
  if (!pool_) {
    rte_eal_cleanup();
    throw std::runtime_error("cannot allocate DPDK packet buffers (" + rte_error(rte_errno) +
                             "): reserve more hugepages");
  }
  try {
    setup_port(port_, "port", true);
    setup_port(tap_, "TAP", false);
    // The kernel answers ARP and ND for the server through the TAP: with the port's MAC.
    rte_ether_addr mac{};
    rte_eth_macaddr_get(port_, &mac);
    rte_eth_dev_default_mac_addr_set(tap_, &mac);
    ports_started_ = true;
  } catch (...) {
    rte_eal_cleanup();
    throw;
  }
}

void DpdkEnv::setup_port(uint16_t port, const char* what, bool rss) {
  rte_eth_dev_info info{};
  rte_eth_dev_info_get(port, &info);
  rte_eth_conf conf{};
  if (rss && queues_ > 1) {
    // Addresses only, not ports: a client whose source port changes stays on its worker.
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP & info.flow_type_rss_offloads;
  }
  const auto q = static_cast<uint16_t>(queues_);
  auto fail = [&](const char* step, int r) {
    throw std::runtime_error(std::string("DPDK ") + what + ": " + step + ": " + rte_error(r));
  };
  if (int r = rte_eth_dev_configure(port, q, q, &conf); r != 0) fail("configure", r);
  uint16_t rxd = kRxDesc, txd = kTxDesc;
  rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd);
  const auto socket = static_cast<unsigned>(rte_eth_dev_socket_id(port));
  for (uint16_t i = 0; i < q; ++i) {
    if (int r = rte_eth_rx_queue_setup(port, i, rxd, socket, nullptr, pool_); r != 0)
      fail("RX queue", r);
    if (int r = rte_eth_tx_queue_setup(port, i, txd, socket, nullptr); r != 0) fail("TX queue", r);
  }
  if (int r = rte_eth_dev_start(port); r != 0) fail("start", r);
  // IPv6 neighbour discovery (solicited-node multicast) must reach the kernel.
  if (rss) rte_eth_allmulticast_enable(port);
}

DpdkEnv::~DpdkEnv() {
  if (ports_started_) {
    rte_eth_dev_stop(port_);
    rte_eth_dev_close(port_);
    rte_eth_dev_stop(tap_);
    rte_eth_dev_close(tap_);
  }
  rte_eal_cleanup();
}

}  // namespace chronon::dp
