// Loading, attaching and running the load generator's XDP program; see loadgen_program.h.
#include "bench/loadgen/loadgen_program.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include "loadgen.skel.h"

namespace chronon::bench {

namespace {

constexpr size_t kTemplateLen = 14 + 20 + 8 + 48;  // loadgen.bpf.c's FRAME_LEN

std::string errno_text(int e) { return std::strerror(e < 0 ? -e : e); }

uint16_t field16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);  // memory order, as the program loads it
  return v;
}

int64_t ns_of(clockid_t id) {
  timespec t{};
  clock_gettime(id, &t);
  return int64_t{t.tv_sec} * 1000000000 + t.tv_nsec;
}

}  // namespace

LoadgenProgram::LoadgenProgram(const LoadgenProgramConfig& cfg) : cfg_(cfg) {
  if (cfg.tmpl_len != kTemplateLen) throw std::runtime_error("loadgen: unexpected template length");
  skel_ = loadgen__open();
  if (!skel_) throw std::runtime_error("cannot open the load generator's XDP program: " + errno_text(errno));
  auto* ro = skel_->rodata;
  ro->server_port = cfg.server_port;
  for (int i = 0; i < 6; ++i) ro->own_mac[i] = cfg.own_mac[i];
  ro->clients = cfg.clients.count();
  ro->subnet_base = cfg.clients.base();
  ro->host_mask = cfg.clients.host_mask();
  ro->swap_from = cfg.clients.swap_from();
  ro->swap_to = cfg.clients.swap_to();
  ro->interleaved = cfg.interleaved;
  ro->ip_csum_base = field16(cfg.tmpl + 14 + 10);
  ro->udp_csum_base = field16(cfg.tmpl + 14 + 20 + 6);
  bpf_map__set_max_entries(skel_->maps.prev_server_rx, cfg.interleaved ? cfg.clients.count() : 1);
  if (const int r = loadgen__load(skel_); r != 0) {
    loadgen__destroy(skel_);
    throw std::runtime_error("cannot load the load generator's XDP program: " + errno_text(r));
  }
  if (cfg.interleaved) {
    prev_rx_len_ = size_t{cfg.clients.count()} * sizeof(uint64_t);
    void* m = mmap(nullptr, prev_rx_len_, PROT_READ | PROT_WRITE, MAP_SHARED,
                   bpf_map__fd(skel_->maps.prev_server_rx), 0);
    if (m == MAP_FAILED) {
      const int e = errno;
      loadgen__destroy(skel_);
      throw std::runtime_error("cannot map the interleave table: " + errno_text(e));
    }
    prev_rx_ = static_cast<uint64_t*>(m);
  }
  const int prog = bpf_program__fd(skel_->progs.loadgen);
  for (const uint32_t mode : {uint32_t{XDP_FLAGS_DRV_MODE}, uint32_t{XDP_FLAGS_SKB_MODE}}) {
    bpf_link_create_opts lo{};
    lo.sz = sizeof lo;
    lo.flags = mode;
    link_fd_ = bpf_link_create(prog, cfg.ifindex, BPF_XDP, &lo);
    if (link_fd_ >= 0) {
      native_ = mode == XDP_FLAGS_DRV_MODE;
      refresh_clock();
      return;
    }
  }
  const int e = errno;
  if (prev_rx_) munmap(prev_rx_, prev_rx_len_);
  loadgen__destroy(skel_);
  throw std::runtime_error("cannot attach the load generator's XDP program to " + cfg.iface +
                           ": " + errno_text(e) + " (another XDP program attached?)");
}

LoadgenProgram::~LoadgenProgram() {
  if (link_fd_ >= 0) close(link_fd_);
  if (prev_rx_) munmap(prev_rx_, prev_rx_len_);
  loadgen__destroy(skel_);
}

void LoadgenProgram::set_socket(uint32_t queue, int xsk_fd) {
  if (bpf_map_update_elem(bpf_map__fd(skel_->maps.xsks), &queue, &xsk_fd, BPF_ANY) != 0) {
    throw std::runtime_error("cannot register the AF_XDP socket of " + cfg_.iface + " queue " +
                             std::to_string(queue) + ": " + errno_text(errno));
  }
}

void LoadgenProgram::refresh_clock() {
  // bpf_ktime_get_ns() is CLOCK_MONOTONIC; the midpoint of two realtime readings bounds the
  // error by the time between them.
  const int64_t r0 = ns_of(CLOCK_REALTIME);
  const int64_t m = ns_of(CLOCK_MONOTONIC);
  const int64_t r1 = ns_of(CLOCK_REALTIME);
  skel_->bss->realtime_offset_ns = static_cast<uint64_t>(r0 + (r1 - r0) / 2 - m);
}

bool LoadgenProgram::send(uint32_t n) {
  xdp_md ctx{};
  ctx.ingress_ifindex = static_cast<uint32_t>(cfg_.ifindex);
  ctx.rx_queue_index = cfg_.queue;
  ctx.data_end = static_cast<uint32_t>(cfg_.tmpl_len);  // the kernel wants the extent here too
  bpf_test_run_opts o{};
  o.sz = sizeof o;
  o.data_in = cfg_.tmpl;
  o.data_size_in = static_cast<uint32_t>(cfg_.tmpl_len);
  o.ctx_in = &ctx;
  o.ctx_size_in = sizeof ctx;
  o.repeat = n;
  o.flags = BPF_F_TEST_XDP_LIVE_FRAMES;
  return bpf_prog_test_run_opts(bpf_program__fd(skel_->progs.loadgen), &o) == 0;
}

size_t LoadgenProgram::make_one(uint8_t* out, size_t cap) {
  bpf_test_run_opts o{};
  o.sz = sizeof o;
  o.data_in = cfg_.tmpl;
  o.data_size_in = static_cast<uint32_t>(cfg_.tmpl_len);
  o.data_out = out;
  o.data_size_out = static_cast<uint32_t>(cap);
  o.repeat = 1;
  if (bpf_prog_test_run_opts(bpf_program__fd(skel_->progs.loadgen), &o) != 0 ||
      o.retval != XDP_TX) {
    return 0;
  }
  return o.data_size_out;
}

}  // namespace chronon::bench
