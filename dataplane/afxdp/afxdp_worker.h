// The AF_XDP backend's worker: one per RX queue, owning that queue's socket, UMEM, counters
// and client table. Receives a burst, validates each frame (dataplane/core/frame.h), runs the
// same ServerCore as every backend, builds the reply in the request's own frame and sends the
// burst; frames go back to the fill ring as they are dropped or their transmission completes.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "dataplane/afxdp/xsk_socket.h"
#include "dataplane/core/server_core.h"
#include "dataplane/nic/hw_timestamping.h"
#include "dataplane/shared/segment_layout.h"

namespace chronon::dp {

struct AfxdpWorkerConfig {
  XskConfig xsk;
  int index = 0;                        // worker slot in the segment
  size_t client_table_bytes = 524288;   // this worker's share of clientloglimit
  int cpu = -1;                         // pin the thread to this CPU; -1: do not pin
  // RX timestamps from the XDP program's metadata (NIC clock), turned into system time
  // through `hw`; null: one clock reading per burst.
  const HwTimestamps* hw = nullptr;
  bool metadata_timestamps = false;
};

class AfxdpWorker {
 public:
  // Creates the socket and the client table. Throws std::runtime_error.
  AfxdpWorker(const AfxdpWorkerConfig& cfg, Segment* seg);
  ~AfxdpWorker();
  AfxdpWorker(const AfxdpWorker&) = delete;
  AfxdpWorker& operator=(const AfxdpWorker&) = delete;

  int socket_fd() const { return xsk_->fd(); }
  bool zerocopy() const { return xsk_->zerocopy(); }

  // Serves until `stop` becomes true (checked at least every 100 ms).
  void run(const std::atomic<bool>& stop);

 private:
  struct Burst;
  void serve_burst(Burst& b, uint32_t n);
  void recycle_completions();
  void flush_tx();
  void publish();

  AfxdpWorkerConfig cfg_;
  Segment* seg_;
  std::unique_ptr<XskSocket> xsk_;
  std::unique_ptr<ServerCore> core_;
  uint64_t frame_drops_[kFrameDropSlots] = {};
  uint64_t hw_stamped_ = 0;
};

}  // namespace chronon::dp
