// One AF_XDP socket bound to one RX/TX queue, with its own UMEM: the four rings (fill, RX, TX,
// completion) mapped from the kernel, need_wakeup, zero-copy where the driver offers it and
// copy mode otherwise. Written on the kernel's uapi (linux/if_xdp.h) directly: no libxdp.
#pragma once

#include <linux/if_xdp.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

namespace chronon::dp {

enum class XskBindMode { kAuto, kZeroCopy, kCopy };

struct XskConfig {
  std::string iface;
  int ifindex = 0;
  uint32_t queue = 0;
  XskBindMode mode = XskBindMode::kAuto;
  uint32_t frame_count = 4096;  // UMEM frames (power of two)
  uint32_t ring_size = 2048;    // RX, TX and completion rings (power of two); fill = frames
  // Frames [0, fill_frames) start in the fill ring; the rest are the caller's to transmit
  // from (the load generator). 0: all of them (a server builds replies in request frames).
  uint32_t fill_frames = 0;
};

// A single-producer/single-consumer ring shared with the kernel. `cached_*` keep the other
// side's index so the shared cache line is read only when the cached view runs out.
struct XskRing {
  uint32_t* producer = nullptr;
  uint32_t* consumer = nullptr;
  uint32_t* flags = nullptr;
  void* descs = nullptr;
  uint32_t mask = 0, size = 0;
  uint32_t cached_prod = 0, cached_cons = 0;
  void* map = nullptr;
  size_t map_len = 0;

  // Consumer side (RX, completion): entries ready to read, at most `max`.
  uint32_t peek(uint32_t max) {
    uint32_t ready = cached_prod - cached_cons;
    if (ready == 0) {
      cached_prod = std::atomic_ref<uint32_t>(*producer).load(std::memory_order_acquire);
      ready = cached_prod - cached_cons;
    }
    return ready < max ? ready : max;
  }
  void release(uint32_t n) {
    cached_cons += n;
    std::atomic_ref<uint32_t>(*consumer).store(cached_cons, std::memory_order_release);
  }
  // Producer side (fill, TX): free slots, at most `max`.
  uint32_t free_slots(uint32_t max) {
    uint32_t free = size - (cached_prod - cached_cons);
    if (free < max) {
      cached_cons = std::atomic_ref<uint32_t>(*consumer).load(std::memory_order_acquire);
      free = size - (cached_prod - cached_cons);
    }
    return free < max ? free : max;
  }
  void submit(uint32_t n) {
    cached_prod += n;
    std::atomic_ref<uint32_t>(*producer).store(cached_prod, std::memory_order_release);
  }
  bool needs_wakeup() const {
    return std::atomic_ref<uint32_t>(*flags).load(std::memory_order_relaxed) & XDP_RING_NEED_WAKEUP;
  }
  // Entries ring-index `i` of each kind.
  uint64_t& addr(uint32_t i) { return static_cast<uint64_t*>(descs)[i & mask]; }
  xdp_desc& desc(uint32_t i) { return static_cast<xdp_desc*>(descs)[i & mask]; }
};

class XskSocket {
 public:
  static constexpr uint32_t kFrameSize = 2048;  // UMEM chunk: one MTU-1500 frame + headroom

  // Creates the UMEM and the socket and binds it. Throws std::runtime_error naming the
  // interface, the queue and the reason.
  explicit XskSocket(const XskConfig& cfg);
  ~XskSocket();
  XskSocket(const XskSocket&) = delete;
  XskSocket& operator=(const XskSocket&) = delete;

  int fd() const { return fd_; }
  bool zerocopy() const { return zerocopy_; }
  uint8_t* frame(uint64_t addr) { return umem_ + addr; }
  static uint64_t chunk_of(uint64_t addr) { return addr & ~uint64_t{kFrameSize - 1}; }

  XskRing& fill() { return fill_; }
  XskRing& completion() { return comp_; }
  XskRing& rx() { return rx_; }
  XskRing& tx() { return tx_; }

  // Tells the kernel to process the TX ring (always needed in copy mode). Returns false on an
  // error other than "busy, try again".
  bool kick_tx();
  // Packets the kernel dropped for this socket (ring full, invalid descriptors), from
  // XDP_STATISTICS.
  uint64_t kernel_drops() const;

 private:
  void map_ring(XskRing& r, int fd, uint64_t pgoff, const xdp_ring_offset& off, size_t desc_size,
                uint32_t entries, const char* name);
  void release();  // unmaps and closes what exists (destructor, failed constructor)

  XskConfig cfg_;
  int fd_ = -1;
  uint8_t* umem_ = nullptr;
  size_t umem_len_ = 0;
  bool zerocopy_ = false;
  XskRing fill_, comp_, rx_, tx_;
};

}  // namespace chronon::dp
