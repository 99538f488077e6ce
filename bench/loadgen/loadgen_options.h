// chronon-loadgen's command line: what to send, from which interface, to whom, how fast.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace chronon::bench {

struct LoadgenOptions {
  std::string iface;
  uint32_t queue = 0;
  bool zerocopy = false;        // ask for zero-copy (fails where the driver has none)
  // How requests are sent: kernel-made live frames (loadgen_program.h) or the AF_XDP
  // socket's TX ring.
  enum class Tx { kLiveFrames, kSocket } tx = Tx::kLiveFrames;
  uint8_t dst_mac[6] = {};      // the server's (or the next hop's) MAC
  bool have_src_mac = false;    // default: the interface's own
  uint8_t src_mac[6] = {};
  uint32_t target_v4 = 0;       // host order
  uint16_t port = 123;
  uint32_t subnet_v4 = 0;       // clients' subnet, host order
  int subnet_prefix = 16;
  uint32_t clients = 1000;
  std::vector<double> rates{0};  // requests/s per step; 0: as fast as possible
  double seconds = 2;            // per step
  double drain_s = 0.2;          // after each step, replies still counted
  double stop_loss_pct = -1;     // stop stepping once a step loses more; < 0: never
  bool interleaved = false;
  uint32_t batch = 64;
  int cpu = -1;
};

// Parses argv. Returns the options, or nothing with `error` set to a one-line message naming
// the option and the problem ("--help" sets `help`).
std::optional<LoadgenOptions> parse_loadgen_options(int argc, char** argv, std::string* error,
                                                    bool* help);
const char* loadgen_usage();

}  // namespace chronon::bench
