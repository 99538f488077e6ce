// AF_XDP worker loop; see afxdp_worker.h.
#include "dataplane/afxdp/afxdp_worker.h"

#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <new>
#include <stdexcept>

#include "dataplane/core/frame.h"
#include "dataplane/core/worker_core.h"
#include "timestamping/clock_read.h"
#include "ebpf/ntp_steer_abi.h"
#include "timestamping/ntp_time.h"

namespace chronon::dp {

namespace {

constexpr uint32_t kBurst = 64;
constexpr int kIdlePollMs = 100;
constexpr uint32_t kKernelStatsEvery = 256;  // bursts between XDP_STATISTICS reads

static_assert(static_cast<int>(FrameDrop::kCount) <= kFrameDropSlots);

}  // namespace

struct AfxdpWorker::Burst {
  uint64_t addr[kBurst];
  FrameInfo info[kBurst];
  bool valid[kBurst];
  timespec rx[kBurst];
  uint64_t hash[kBurst];
  // Replies, in burst order: which request, how long, and what finish() needs.
  uint32_t out[kBurst];
  uint16_t reply_len[kBurst];
  uint32_t frame_len[kBurst];
  PendingReply pending[kBurst];
  uint64_t recycle[kBurst];
};

AfxdpWorker::AfxdpWorker(const AfxdpWorkerConfig& cfg, Segment* seg) : cfg_(cfg), seg_(seg) {
  xsk_ = std::make_unique<XskSocket>(cfg_.xsk);
  core_ = make_worker_core(cfg_.index, cfg_.client_table_bytes);
}

AfxdpWorker::~AfxdpWorker() = default;

void AfxdpWorker::recycle_completions() {
  XskRing& comp = xsk_->completion();
  XskRing& fill = xsk_->fill();
  const uint32_t n = comp.peek(comp.size);
  if (n == 0) return;
  // The fill ring has room for every frame, so this is all of them.
  const uint32_t room = fill.free_slots(n);
  for (uint32_t i = 0; i < room; ++i) {
    fill.addr(fill.cached_prod + i) = XskSocket::chunk_of(comp.addr(comp.cached_cons + i));
  }
  fill.submit(room);
  comp.release(room);
}

void AfxdpWorker::serve_burst(Burst& b, uint32_t n) {
  ServerCore& core = *core_;
  XskRing& rx = xsk_->rx();
  XskRing& tx = xsk_->tx();
  // One userspace reading stands in for frames without the NIC's timestamp.
  const timespec burst_rx = ts::realtime_now();
  for (uint32_t i = 0; i < n; ++i) {
    const xdp_desc& d = rx.desc(rx.cached_cons + i);
    b.addr[i] = d.addr;
    uint8_t* frame = xsk_->frame(d.addr);
    b.rx[i] = burst_rx;
    if (cfg_.metadata_timestamps && d.addr % XskSocket::kFrameSize >= sizeof(chronon_xdp_meta)) {
      chronon_xdp_meta meta;
      std::memcpy(&meta, frame - sizeof meta, sizeof meta);
      if (meta.magic == CHRONON_XDP_META_MAGIC) {
        // Cleared so that a later frame in this chunk without metadata is not misread.
        const uint32_t zero = 0;
        std::memcpy(frame - sizeof(uint32_t), &zero, sizeof zero);
        const timespec hw{static_cast<time_t>(meta.rx_timestamp_ns / 1000000000u),
                          static_cast<long>(meta.rx_timestamp_ns % 1000000000u)};
        if (cfg_.hw) {
          if (auto sys = cfg_.hw->to_system(cfg_.xsk.ifindex, hw)) {
            b.rx[i] = *sys;
            ++hw_stamped_;
          }
        }
      }
    }
    const FrameDrop drop = parse_frame(frame, d.len, &b.info[i]);
    b.valid[i] = drop == FrameDrop::kNone;
    if (!b.valid[i]) ++frame_drops_[static_cast<int>(drop)];
  }

  // Client records are fetched a few requests ahead of handle().
  for (uint32_t i = 0; i < n && i < static_cast<uint32_t>(kClientPrefetchAhead); ++i) {
    if (b.valid[i]) b.hash[i] = core.prefetch(b.info[i].src);
  }
  uint32_t n_out = 0, n_recycle = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t ahead = i + kClientPrefetchAhead;
    if (ahead < n && b.valid[ahead]) b.hash[ahead] = core.prefetch(b.info[ahead].src);
    if (!b.valid[i]) {
      b.recycle[n_recycle++] = b.addr[i];
      continue;
    }
    uint8_t* frame = xsk_->frame(b.addr[i]);
    const FrameInfo& info = b.info[i];
    const size_t reply_len =
        core.handle(frame + info.payload_offset, info.payload_len, info.src, info.src_port,
                    ts::to_ntp(b.rx[i]), &b.pending[n_out], b.hash[i]);
    const size_t frame_len = reply_len ? build_reply_in_place(frame, info, reply_len) : 0;
    if (frame_len == 0) {
      b.recycle[n_recycle++] = b.addr[i];
      continue;
    }
    b.out[n_out] = i;
    b.reply_len[n_out] = static_cast<uint16_t>(reply_len);
    b.frame_len[n_out] = static_cast<uint32_t>(frame_len);
    ++n_out;
  }
  rx.release(n);

  if (n_out > 0) {
    const uint32_t slots = tx.free_slots(n_out);
    if (slots < n_out) {
      // The TX ring is full (the link is down or the NIC stalls): these replies are lost.
      core.count_send_error(n_out - slots);
      for (uint32_t k = slots; k < n_out; ++k) b.recycle[n_recycle++] = b.addr[b.out[k]];
    }
    // Transmit timestamps as late as possible: one reading just before the burst goes out.
    const ts::NtpTimestamp tx_time = ts::to_ntp(ts::realtime_now());
    for (uint32_t k = 0; k < slots; ++k) {
      const uint32_t i = b.out[k];
      uint8_t* frame = xsk_->frame(b.addr[i]);
      core.finish(frame + reply_payload_offset(b.info[i]), b.pending[k], tx_time);
      refresh_reply_udp_checksum(frame, b.info[i], b.reply_len[k]);
      xdp_desc& d = tx.desc(tx.cached_prod + k);
      d.addr = b.addr[i];
      d.len = b.frame_len[k];
      d.options = 0;
    }
    tx.submit(slots);
    flush_tx();
  }
  if (n_recycle > 0) {
    XskRing& fill = xsk_->fill();
    const uint32_t room = fill.free_slots(n_recycle);
    for (uint32_t k = 0; k < room; ++k) fill.addr(fill.cached_prod + k) = XskSocket::chunk_of(b.recycle[k]);
    fill.submit(room);
  }
}

void AfxdpWorker::flush_tx() {
  XskRing& tx = xsk_->tx();
  // Zero-copy drivers pick the ring up themselves unless they ask for a wakeup; copy mode
  // sends in the syscall, at most 32 frames per call (the kernel's TX batch).
  if (xsk_->zerocopy() && !tx.needs_wakeup()) return;
  for (int tries = 0; tries < 8; ++tries) {
    if (!xsk_->kick_tx()) return;  // left in the ring for the next flush
    if (std::atomic_ref<uint32_t>(*tx.consumer).load(std::memory_order_acquire) == tx.cached_prod)
      return;
  }
}

void AfxdpWorker::publish() {
  WorkerCounters& slot = seg_->workers[cfg_.index];
  core_->publish_counters(slot);
  slot.rx_hw_timestamps.store(hw_stamped_, std::memory_order_relaxed);
  for (int i = 0; i < kFrameDropSlots; ++i)
    slot.frame_drops[i].store(frame_drops_[i], std::memory_order_relaxed);
}

void AfxdpWorker::run(const std::atomic<bool>& stop) {
  if (cfg_.cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cfg_.cpu, &set);
    if (const int err = pthread_setaffinity_np(pthread_self(), sizeof set, &set); err != 0) {
      std::fprintf(stderr, "chronon-dataplane: worker of queue %u not pinned to CPU %d: %s\n",
                   cfg_.xsk.queue, cfg_.cpu, std::strerror(err));
    }
  }
  auto burst = std::make_unique<Burst>();
  WorkerCounters& slot = seg_->workers[cfg_.index];
  start_worker_slot(slot, *core_);
  pollfd pfd{xsk_->fd(), POLLIN, 0};
  XskRing& rx = xsk_->rx();
  XskRing& tx = xsk_->tx();
  uint32_t bursts = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    core_->refresh(*seg_, ts::monotonic_now_ns());
    recycle_completions();
    const uint32_t n = rx.peek(kBurst);
    if (n == 0) {
      // Idle: finish any TX the kernel has not taken yet, publish, and sleep until a frame
      // arrives (poll also wakes a driver that waits for the fill ring).
      if (std::atomic_ref<uint32_t>(*tx.consumer).load(std::memory_order_acquire) != tx.cached_prod)
        flush_tx();
      publish();
      slot.kernel_drops.store(xsk_->kernel_drops(), std::memory_order_relaxed);
      poll(&pfd, 1, kIdlePollMs);
      continue;
    }
    serve_burst(*burst, n);
    publish();
    if (++bursts % kKernelStatsEvery == 0)
      slot.kernel_drops.store(xsk_->kernel_drops(), std::memory_order_relaxed);
  }
  recycle_completions();
  publish();
  slot.kernel_drops.store(xsk_->kernel_drops(), std::memory_order_relaxed);
  slot.active.store(0, std::memory_order_relaxed);
}

}  // namespace chronon::dp
