// Attaches chronon-loadgen's XDP program (loadgen_rx.bpf.c) to the interface it sends from,
// through a bpf_link so that nothing stays attached when the load generator exits or dies.
#pragma once

#include <cstdint>
#include <string>

struct loadgen_rx;  // the bpftool skeleton

namespace chronon::bench {

class RxProgram {
 public:
  // Loads the program for replies from `server_port` and attaches it to `ifindex` in native
  // mode, generic if the driver has none. Throws std::runtime_error naming the reason.
  RxProgram(const std::string& iface, int ifindex, uint16_t server_port);
  ~RxProgram();
  RxProgram(const RxProgram&) = delete;
  RxProgram& operator=(const RxProgram&) = delete;

  bool native() const { return native_; }
  // Hands what arrives on RX queue `queue` to the AF_XDP socket `xsk_fd`. Throws.
  void set_socket(uint32_t queue, int xsk_fd);

 private:
  loadgen_rx* skel_ = nullptr;
  int link_fd_ = -1;
  bool native_ = false;
  std::string iface_;
};

}  // namespace chronon::bench
