// DPDK for the dpdk backend: the EAL initialised from the configuration, the NTP port
// configured with one RX/TX queue pair per worker lcore (RSS on IP addresses only, so one
// client always reaches the same worker), and a TAP port to the kernel for everything that
// is not an NTP client request (the exception path), carrying the port's MAC address.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct rte_mempool;

namespace chronon::dp {

struct DpdkOptions {
  std::string port;    // ethdev name: a PCI address or a vdev (net_af_packet0, ...)
  int queues = 0;      // 0: one per worker lcore, at most what the port has
  std::string lcores;  // EAL -l list; the first is the main lcore, the others run workers
  std::string eal;     // more EAL arguments, split on white space
  std::string tap = "chronon0";  // the kernel's TAP interface
};

class DpdkEnv {
 public:
  // Initialises the EAL and the two ports. Throws std::runtime_error saying what is missing
  // and what to do (hugepages, port).
  explicit DpdkEnv(const DpdkOptions& o);
  ~DpdkEnv();  // stops and closes the ports, cleans the EAL up
  DpdkEnv(const DpdkEnv&) = delete;
  DpdkEnv& operator=(const DpdkEnv&) = delete;

  uint16_t port() const { return port_; }
  uint16_t tap() const { return tap_; }
  int queues() const { return queues_; }
  const std::vector<unsigned>& worker_lcores() const { return workers_; }

 private:
  void setup_port(uint16_t port, const char* what, bool rss);

  std::string tap_name_;
  uint16_t port_ = 0, tap_ = 0;
  int queues_ = 0;
  std::vector<unsigned> workers_;
  rte_mempool* pool_ = nullptr;
  bool ports_started_ = false;
};

// Splits EAL arguments on white space (quotes are not interpreted: chronon.conf's `eal`
// already removed the outer pair).
std::vector<std::string> split_eal_args(const std::string& s);

}  // namespace chronon::dp
