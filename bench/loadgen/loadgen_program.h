// chronon-loadgen's XDP program (loadgen.bpf.c) on the interface it sends from: attached
// through a bpf_link (nothing stays attached when the load generator exits or dies), handing
// replies to the AF_XDP socket, and run by BPF_PROG_RUN in live-frames mode (kernel 5.18+) to
// make and transmit requests, as xdp-trafficgen does: several times faster than an AF_XDP
// socket in copy mode, which allocates and copies a socket buffer per frame. The receiver must
// accept XDP frames (on a veth: an XDP program or GRO on the peer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "bench/loadgen/client_set.h"

struct loadgen;  // the bpftool skeleton

namespace chronon::bench {

struct LoadgenProgramConfig {
  std::string iface;
  int ifindex = 0;
  uint32_t queue = 0;
  uint16_t server_port = 123;
  uint8_t own_mac[6] = {};
  ClientSet clients;
  bool interleaved = false;
  // A request frame (ntp_frames.h: write_request_template) whose source address and port and
  // NTP timestamps are zero; the program fills them in per frame.
  const uint8_t* tmpl = nullptr;
  size_t tmpl_len = 0;
};

class LoadgenProgram {
 public:
  // Loads and attaches (native mode, generic where the driver has none). Throws
  // std::runtime_error naming the interface and the reason.
  explicit LoadgenProgram(const LoadgenProgramConfig& cfg);
  ~LoadgenProgram();
  LoadgenProgram(const LoadgenProgram&) = delete;
  LoadgenProgram& operator=(const LoadgenProgram&) = delete;

  bool native() const { return native_; }
  // Hands replies arriving on RX queue `queue` to the AF_XDP socket `xsk_fd`. Throws.
  void set_socket(uint32_t queue, int xsk_fd);

  // Makes and transmits `n` requests, each from a random client, stamped as it is made.
  // Returns false (errno set) if the kernel refused the run.
  bool send(uint32_t n);
  // Makes one request as send() would, into `out` instead of onto the wire (for tests).
  // Returns its length, 0 on failure.
  size_t make_one(uint8_t* out, size_t cap);
  // Reads the clocks again so that the program's timestamps follow CLOCK_REALTIME.
  void refresh_clock();
  // Per client, the server's receive timestamp of its last reply, shared with the program
  // (interleaved mode); null otherwise.
  uint64_t* prev_server_rx() const { return prev_rx_; }

 private:
  LoadgenProgramConfig cfg_;
  loadgen* skel_ = nullptr;
  int link_fd_ = -1;
  bool native_ = false;
  uint64_t* prev_rx_ = nullptr;
  size_t prev_rx_len_ = 0;
};

}  // namespace chronon::bench
