// chronon-loadgen's engine: paced runs of requests from many simulated clients (made by the
// XDP program in live-frames mode, or sent from the AF_XDP socket), replies read from one
// AF_XDP socket, with per-step counts, response times (the send time stamped per request, the
// receive time read once per batch) and a check of the server's timestamps.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/loadgen/client_set.h"
#include "bench/loadgen/latency_histogram.h"
#include "bench/loadgen/loadgen_options.h"
#include "bench/loadgen/ntp_frames.h"

namespace chronon::dp {
class XskSocket;
}

namespace chronon::bench {

class LoadgenProgram;

struct StepResult {
  double rate_asked = 0, seconds = 0;
  uint64_t sent = 0;
  uint64_t basic = 0, interleaved = 0, kod = 0;  // answers to this step's requests
  uint64_t invalid = 0;  // to our clients, not answering anything we sent
  uint64_t late = 0;     // answers to an earlier step's requests
  uint64_t inconsistent = 0;  // server timestamps outside what the client saw (see .cc)
  uint64_t loadgen_drops = 0;  // frames the kernel dropped for our socket (our loss, not the server's)
  uint64_t tx_stalls = 0;      // batches cut short: no free frame or TX slot
  LatencyHistogram response;   // T4 - T1 of answered requests
  LatencyHistogram server;     // T3 - T2 of basic replies

  uint64_t answered() const { return basic + interleaved + kod; }
  // A step that was asked for requests but could send none (the kernel refused every run)
  // counts as all lost, so it never passes for loss-free.
  double loss_pct() const {
    if (sent == 0) return rate_asked != 0 || tx_stalls != 0 ? 100.0 : 0.0;
    return 100.0 * static_cast<double>(sent - std::min(sent, answered())) /
           static_cast<double>(sent);
  }
  std::string json() const;
};

class XdpLoadgen {
 public:
  // Creates the socket and attaches the XDP program. Throws std::runtime_error.
  explicit XdpLoadgen(const LoadgenOptions& o);
  ~XdpLoadgen();
  XdpLoadgen(const XdpLoadgen&) = delete;
  XdpLoadgen& operator=(const XdpLoadgen&) = delete;

  bool native_xdp() const;
  bool zerocopy() const;
  bool live_frames() const { return live_; }
  // Sends at `rate` requests/s (0: as fast as possible) for the configured time, then keeps
  // counting replies for the drain time.
  StepResult run_step(double rate);

 private:
  void receive(StepResult& r, uint64_t step_start_ntp);
  uint32_t send(uint32_t want, StepResult& r);
  uint32_t send_live(uint32_t want, StepResult& r);
  void recycle_completions();

  LoadgenOptions o_;
  ClientSet clients_;
  RequestTemplate tpl_{};
  std::unique_ptr<LoadgenProgram> program_;
  bool live_ = false;  // --tx live: the program sends; otherwise the socket's TX ring
  std::unique_ptr<dp::XskSocket> xsk_;
  uint8_t template_[128] = {};
  std::vector<uint64_t> tx_free_;          // UMEM frames not in flight
  std::vector<uint64_t> prev_rx_storage_;
  // Interleaved clients: the server's receive timestamp of each one's last reply (in the
  // program's map with live frames); null for basic clients.
  uint64_t* prev_server_rx_ = nullptr;
  uint64_t rng_ = 0x9e3779b97f4a7c15ull;
  uint64_t kernel_drops_ = 0;
};

}  // namespace chronon::bench
