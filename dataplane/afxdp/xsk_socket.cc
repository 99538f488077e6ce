// AF_XDP socket set-up; see xsk_socket.h.
#include "dataplane/afxdp/xsk_socket.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

namespace chronon::dp {

namespace {

bool power_of_two(uint32_t v) { return v != 0 && (v & (v - 1)) == 0; }

}  // namespace

XskSocket::XskSocket(const XskConfig& cfg) : cfg_(cfg) {
  const std::string where = cfg.iface + " queue " + std::to_string(cfg.queue);
  auto fail = [&](const std::string& what) {
    const int e = errno;
    release();
    throw std::runtime_error("AF_XDP on " + where + ": " + what + ": " + std::strerror(e));
  };
  if (!power_of_two(cfg.frame_count) || !power_of_two(cfg.ring_size)) {
    throw std::runtime_error("AF_XDP on " + where + ": ring sizes must be powers of two");
  }
  umem_len_ = size_t{cfg.frame_count} * kFrameSize;
  void* mem = mmap(nullptr, umem_len_, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (mem == MAP_FAILED) fail("cannot map " + std::to_string(umem_len_) + " bytes of UMEM");
  umem_ = static_cast<uint8_t*>(mem);

  fd_ = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd_ < 0) fail("cannot create the socket (kernel without AF_XDP, or not root?)");
  xdp_umem_reg reg{};
  reg.addr = reinterpret_cast<uint64_t>(umem_);
  reg.len = umem_len_;
  reg.chunk_size = kFrameSize;
  reg.headroom = 0;
  if (setsockopt(fd_, SOL_XDP, XDP_UMEM_REG, &reg, sizeof reg) != 0) fail("XDP_UMEM_REG");
  const uint32_t fill_entries = cfg.frame_count, ring = cfg.ring_size;
  if (setsockopt(fd_, SOL_XDP, XDP_UMEM_FILL_RING, &fill_entries, sizeof fill_entries) != 0 ||
      setsockopt(fd_, SOL_XDP, XDP_UMEM_COMPLETION_RING, &ring, sizeof ring) != 0 ||
      setsockopt(fd_, SOL_XDP, XDP_RX_RING, &ring, sizeof ring) != 0 ||
      setsockopt(fd_, SOL_XDP, XDP_TX_RING, &ring, sizeof ring) != 0) {
    fail("cannot size the rings");
  }
  xdp_mmap_offsets off{};
  socklen_t off_len = sizeof off;
  if (getsockopt(fd_, SOL_XDP, XDP_MMAP_OFFSETS, &off, &off_len) != 0) fail("XDP_MMAP_OFFSETS");
  map_ring(fill_, fd_, XDP_UMEM_PGOFF_FILL_RING, off.fr, sizeof(uint64_t), fill_entries, "fill");
  map_ring(comp_, fd_, XDP_UMEM_PGOFF_COMPLETION_RING, off.cr, sizeof(uint64_t), ring, "completion");
  map_ring(rx_, fd_, XDP_PGOFF_RX_RING, off.rx, sizeof(xdp_desc), ring, "RX");
  map_ring(tx_, fd_, XDP_PGOFF_TX_RING, off.tx, sizeof(xdp_desc), ring, "TX");

  sockaddr_xdp sa{};
  sa.sxdp_family = AF_XDP;
  sa.sxdp_ifindex = static_cast<uint32_t>(cfg.ifindex);
  sa.sxdp_queue_id = cfg.queue;
  int r = -1;
  if (cfg.mode != XskBindMode::kCopy) {
    sa.sxdp_flags = XDP_USE_NEED_WAKEUP | XDP_ZEROCOPY;
    r = bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    zerocopy_ = r == 0;
    if (r != 0 && cfg.mode == XskBindMode::kZeroCopy) {
      fail("cannot bind in zero-copy mode (the driver may not support it; try 'copy')");
    }
  }
  if (r != 0) {
    sa.sxdp_flags = XDP_USE_NEED_WAKEUP | XDP_COPY;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) fail("cannot bind");
  }

  // Every frame (or the first fill_frames) starts in the fill ring; a server's replies are
  // built in the request's frame and come back through the completion ring.
  const uint32_t to_fill =
      cfg.fill_frames && cfg.fill_frames < cfg.frame_count ? cfg.fill_frames : cfg.frame_count;
  const uint32_t n = fill_.free_slots(to_fill);
  for (uint32_t i = 0; i < n; ++i) fill_.addr(fill_.cached_prod + i) = uint64_t{i} * kFrameSize;
  fill_.submit(n);
}

void XskSocket::map_ring(XskRing& r, int fd, uint64_t pgoff, const xdp_ring_offset& off,
                         size_t desc_size, uint32_t entries, const char* name) {
  r.map_len = off.desc + entries * desc_size;
  void* m = mmap(nullptr, r.map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
                 static_cast<off_t>(pgoff));
  if (m == MAP_FAILED) {
    const int e = errno;
    r.map = nullptr;
    release();
    throw std::runtime_error("AF_XDP on " + cfg_.iface + " queue " + std::to_string(cfg_.queue) +
                             ": cannot map the " + name + " ring: " + std::strerror(e));
  }
  auto* base = static_cast<uint8_t*>(m);
  r.map = m;
  r.producer = reinterpret_cast<uint32_t*>(base + off.producer);
  r.consumer = reinterpret_cast<uint32_t*>(base + off.consumer);
  r.flags = reinterpret_cast<uint32_t*>(base + off.flags);
  r.descs = base + off.desc;
  r.size = entries;
  r.mask = entries - 1;
  r.cached_prod = *r.producer;
  r.cached_cons = *r.consumer;
}

XskSocket::~XskSocket() { release(); }

void XskSocket::release() {
  for (XskRing* r : {&fill_, &comp_, &rx_, &tx_}) {
    if (r->map) munmap(r->map, r->map_len);
    r->map = nullptr;
  }
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  if (umem_) munmap(umem_, umem_len_);
  umem_ = nullptr;
}

bool XskSocket::kick_tx() {
  if (sendto(fd_, nullptr, 0, MSG_DONTWAIT, nullptr, 0) >= 0) return true;
  return errno == EAGAIN || errno == EBUSY || errno == ENOBUFS || errno == ENETDOWN ||
         errno == EINTR;
}

uint64_t XskSocket::kernel_drops() const {
  xdp_statistics st{};
  socklen_t len = sizeof st;
  if (getsockopt(fd_, SOL_XDP, XDP_STATISTICS, &st, &len) != 0) return 0;
  return st.rx_dropped + st.rx_invalid_descs + st.tx_invalid_descs + st.rx_ring_full;
}

}  // namespace chronon::dp
