// dpdk worker loop; see dpdk_worker.h.
#include "dataplane/dpdk/dpdk_worker.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <unistd.h>

#include <ctime>
#include <new>
#include <stdexcept>
#include <string>

#include "dataplane/core/frame.h"
#include "dataplane/core/worker_core.h"
#include "timestamping/clock_read.h"
#include "timestamping/ntp_time.h"

namespace chronon::dp {

namespace {

constexpr uint16_t kBurst = 32;
constexpr int kIdlePollsBeforeSleep = 1024;
constexpr long kIdleSleepNs = 50000;

// Sends what it can and frees the rest; returns how many were not sent.
uint16_t send_all(uint16_t port, uint16_t queue, rte_mbuf** m, uint16_t n) {
  const uint16_t sent = n ? rte_eth_tx_burst(port, queue, m, n) : 0;
  for (uint16_t i = sent; i < n; ++i) rte_pktmbuf_free(m[i]);
  return static_cast<uint16_t>(n - sent);
}

}  // namespace

struct DpdkWorker::Burst {
  rte_mbuf* rx[kBurst];
  FrameInfo info[kBurst];
  bool ntp[kBurst];  // for the responder (else: to the kernel)
  uint64_t hash[kBurst];
  rte_mbuf* out[kBurst];
  uint16_t out_index[kBurst];
  uint16_t reply_len[kBurst];
  PendingReply pending[kBurst];
  rte_mbuf* kernel[kBurst];
  rte_mbuf* from_kernel[kBurst];
};

DpdkWorker::DpdkWorker(const DpdkWorkerConfig& cfg, Segment* seg) : cfg_(cfg), seg_(seg) {
  core_ = make_worker_core(cfg_.index, cfg_.client_table_bytes);
}

DpdkWorker::~DpdkWorker() = default;

void DpdkWorker::serve_burst(Burst& b, uint16_t n) {
  ServerCore& core = *core_;
  const ts::NtpTimestamp rx_time = ts::to_ntp(ts::realtime_now());
  uint16_t n_kernel = 0;
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = b.rx[i];
    b.ntp[i] = false;
    // Requests fit in one segment; anything chained is the kernel's.
    if (m->nb_segs == 1 &&
        parse_frame(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m), &b.info[i]) ==
            FrameDrop::kNone &&
        b.info[i].dst_port == cfg_.ntp_port && b.info[i].payload_len > 0 &&
        local_.contains(b.info[i].dst)) {
      // Modes 3 (and NTPv1's 0) are requests; 6 and 7 the responder drops and counts; peers
      // (1, 2) and the rest belong to chronond's sockets.
      const uint8_t mode = rte_pktmbuf_mtod(m, const uint8_t*)[b.info[i].payload_offset] & 7;
      b.ntp[i] = mode == 0 || mode == 3 || mode == 6 || mode == 7;
    }
    if (!b.ntp[i]) b.kernel[n_kernel++] = m;
  }
  for (uint16_t i = 0; i < n && i < kClientPrefetchAhead; ++i) {
    if (b.ntp[i]) b.hash[i] = core.prefetch(b.info[i].src);
  }
  uint16_t n_out = 0;
  for (uint16_t i = 0; i < n; ++i) {
    const uint16_t ahead = static_cast<uint16_t>(i + kClientPrefetchAhead);
    if (ahead < n && b.ntp[ahead]) b.hash[ahead] = core.prefetch(b.info[ahead].src);
    if (!b.ntp[i]) continue;
    rte_mbuf* m = b.rx[i];
    uint8_t* frame = rte_pktmbuf_mtod(m, uint8_t*);
    const FrameInfo& info = b.info[i];
    const size_t reply_len = core.handle(frame + info.payload_offset, info.payload_len, info.src,
                                         info.src_port, rx_time, &b.pending[n_out], b.hash[i]);
    const size_t frame_len = reply_len ? build_reply_in_place(frame, info, reply_len) : 0;
    if (frame_len == 0) {
      rte_pktmbuf_free(m);
      continue;
    }
    m->data_len = static_cast<uint16_t>(frame_len);
    m->pkt_len = static_cast<uint32_t>(frame_len);
    b.out[n_out] = m;
    b.out_index[n_out] = i;
    b.reply_len[n_out] = static_cast<uint16_t>(reply_len);
    ++n_out;
  }
  if (n_out > 0) {
    // Transmit timestamps as late as possible: one reading just before the burst goes out.
    const ts::NtpTimestamp tx_time = ts::to_ntp(ts::realtime_now());
    for (uint16_t k = 0; k < n_out; ++k) {
      uint8_t* frame = rte_pktmbuf_mtod(b.out[k], uint8_t*);
      const FrameInfo& info = b.info[b.out_index[k]];
      core.finish(frame + reply_payload_offset(info), b.pending[k], tx_time);
      refresh_reply_udp_checksum(frame, info, b.reply_len[k]);
    }
    const uint16_t unsent = send_all(cfg_.port, cfg_.queue, b.out, n_out);
    if (unsent) core.count_send_error(unsent);
  }
  if (n_kernel > 0) {
    kernel_drops_ += send_all(cfg_.tap, cfg_.queue, b.kernel, n_kernel);
    to_kernel_ += n_kernel;
  }
}

void DpdkWorker::forward_from_kernel(Burst& b) {
  const uint16_t n = rte_eth_rx_burst(cfg_.tap, cfg_.queue, b.from_kernel, kBurst);
  if (n == 0) return;
  from_kernel_ += n;
  kernel_drops_ += send_all(cfg_.port, cfg_.queue, b.from_kernel, n);
}

void DpdkWorker::run(const std::atomic<bool>& stop) {
  auto burst = std::make_unique<Burst>();
  WorkerCounters& slot = seg_->workers[cfg_.index];
  start_worker_slot(slot, *core_);
  int idle = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    core_->refresh(*seg_, ts::monotonic_now_ns());
    const uint64_t gen = cfg_.addresses_generation->load(std::memory_order_acquire);
    if (gen != local_generation_ && cfg_.addresses->read(&local_)) local_generation_ = gen;
    const uint16_t n = rte_eth_rx_burst(cfg_.port, cfg_.queue, burst->rx, kBurst);
    if (n > 0) serve_burst(*burst, n);
    const uint64_t before = from_kernel_;
    forward_from_kernel(*burst);
    if (n == 0 && from_kernel_ == before) {
      if (++idle < kIdlePollsBeforeSleep) continue;
      timespec ts{0, kIdleSleepNs};
      nanosleep(&ts, nullptr);  // idle: give the CPU back, then publish below
    } else {
      idle = 0;
    }
    core_->publish_counters(slot);
    slot.kernel_drops.store(kernel_drops_, std::memory_order_relaxed);
    slot.to_kernel.store(to_kernel_, std::memory_order_relaxed);
    slot.from_kernel.store(from_kernel_, std::memory_order_relaxed);
  }
  core_->publish_counters(slot);
  slot.active.store(0, std::memory_order_relaxed);
}

}  // namespace chronon::dp
