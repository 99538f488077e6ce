// Loads ntp_steer.bpf.c onto an interface and keeps it there while the dataplane runs: native
// mode where the driver has it (generic otherwise, with a note), a bpf_link so that a crashed
// dataplane leaves nothing attached, a stale chronon program (attached the old way, by
// netlink) replaced instead of stacked, and another program left alone with a clear error.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/shared/ip_address.h"
#include "ebpf/ntp_steer_abi.h"

namespace chronon::ebpf {

enum class XdpMode { kAuto, kNative, kGeneric };

struct XdpSteeringOptions {
  std::string iface;
  uint16_t port = 123;
  XdpMode mode = XdpMode::kAuto;
  // Ask the driver for RX timestamps (kernel 6.3+, native mode only): loads the device-bound
  // variant, falling back to the plain one with a note where it does not load.
  bool rx_timestamps = false;
};

struct XdpCounters {
  uint64_t value[CHRONON_XDP_COUNTER_COUNT] = {};
};

class XdpSteering {
 public:
  // Loads and attaches. Throws std::runtime_error naming the interface and the reason;
  // `notes` receives what the operator should know (generic mode, no RX timestamps, a stale
  // program replaced).
  XdpSteering(const XdpSteeringOptions& opts, std::vector<std::string>* notes);
  ~XdpSteering();  // detaches
  XdpSteering(const XdpSteering&) = delete;
  XdpSteering& operator=(const XdpSteering&) = delete;

  int ifindex() const { return ifindex_; }
  bool native() const { return native_; }
  bool rx_timestamps() const { return rx_timestamps_; }
  uint32_t program_id() const { return prog_id_; }
  int program_fd() const;  // for BPF_PROG_TEST_RUN in tests

  // Sends requests arriving on RX queue `queue` to the AF_XDP socket `xsk_fd`. Throws.
  void set_socket(uint32_t queue, int xsk_fd);
  // Makes `addresses` the set of destinations the program steers (IPv4 and IPv6 mixed);
  // others pass to the kernel. Returns false if a map update failed (the set is then partial).
  bool set_local_addresses(const std::vector<dp::IpAddress>& addresses);
  // Sums the per-CPU counters.
  XdpCounters read_counters() const;

 struct Loaded;  // the skeleton of whichever variant was loaded (opaque)

 private:
  std::unique_ptr<Loaded> loaded_;
  int ifindex_ = 0;
  int link_fd_ = -1;
  uint32_t prog_id_ = 0;
  bool native_ = false;
  bool rx_timestamps_ = false;
};

}  // namespace chronon::ebpf
