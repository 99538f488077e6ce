// Loading and attaching the load generator's XDP program; see rx_program.h.
#include "bench/loadgen/rx_program.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "loadgen_rx.skel.h"

namespace chronon::bench {

namespace {

std::string errno_text(int e) { return std::strerror(e < 0 ? -e : e); }

}  // namespace

RxProgram::RxProgram(const std::string& iface, int ifindex, uint16_t server_port)
    : iface_(iface) {
  skel_ = loadgen_rx__open();
  if (!skel_) throw std::runtime_error("cannot open the load generator's XDP program: " + errno_text(errno));
  skel_->rodata->server_port = server_port;
  if (const int r = loadgen_rx__load(skel_); r != 0) {
    loadgen_rx__destroy(skel_);
    throw std::runtime_error("cannot load the load generator's XDP program: " + errno_text(r));
  }
  const int prog = bpf_program__fd(skel_->progs.loadgen_rx);
  for (const uint32_t mode : {uint32_t{XDP_FLAGS_DRV_MODE}, uint32_t{XDP_FLAGS_SKB_MODE}}) {
    bpf_link_create_opts lo{};
    lo.sz = sizeof lo;
    lo.flags = mode;
    link_fd_ = bpf_link_create(prog, ifindex, BPF_XDP, &lo);
    if (link_fd_ >= 0) {
      native_ = mode == XDP_FLAGS_DRV_MODE;
      return;
    }
  }
  const int e = errno;
  loadgen_rx__destroy(skel_);
  throw std::runtime_error("cannot attach the load generator's XDP program to " + iface + ": " +
                           errno_text(e) + " (another XDP program attached?)");
}

RxProgram::~RxProgram() {
  if (link_fd_ >= 0) close(link_fd_);
  loadgen_rx__destroy(skel_);
}

void RxProgram::set_socket(uint32_t queue, int xsk_fd) {
  if (bpf_map_update_elem(bpf_map__fd(skel_->maps.xsks), &queue, &xsk_fd, BPF_ANY) != 0) {
    throw std::runtime_error("cannot register the AF_XDP socket of " + iface_ + " queue " +
                             std::to_string(queue) + ": " + errno_text(errno));
  }
}

}  // namespace chronon::bench
