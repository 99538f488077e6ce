// The per-worker request pipeline every backend calls: validate -> access list -> reply.
// Owns the worker's view of the published state and policy and its local counters; reads the
// shared segment once per batch, never per packet, and makes no syscalls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "dataplane/core/ntp_packet.h"
#include "dataplane/core/responder.h"
#include "dataplane/shared/access_table.h"
#include "dataplane/shared/ip_address.h"
#include "dataplane/shared/segment_layout.h"
#include "dataplane/shared/server_state.h"

namespace chronon::dp {

struct LocalCounters {
  uint64_t received = 0;
  uint64_t replied = 0;
  uint64_t send_errors = 0;
  uint64_t drops[static_cast<int>(NtpDrop::kCount)] = {};
  // Copies the totals to the worker's slot in the segment (relaxed stores, single writer).
  void publish(WorkerCounters& out) const;
};

class ServerCore {
 public:
  explicit ServerCore(uint64_t random_seed);

  // Takes the latest published state (and policy, if its generation moved). Call once per
  // batch with CLOCK_MONOTONIC in ns; past the holdover the state turns unsynchronised.
  void refresh(const Segment& seg, int64_t now_mono_ns);
  // Sets state and policy directly (tests, benchmarks).
  void set_state(const ServerState& s) { state_ = s; }
  void set_access(const AccessTable& t) { policy_->access = t; }

  // Handles one UDP payload received from src:src_port at `rx`. On success writes the reply
  // (all but the transmit timestamp) over the payload and returns its length; else returns 0
  // and counts the drop reason.
  size_t handle(uint8_t* payload, size_t len, const IpAddress& src, uint16_t src_port,
                ts::NtpTimestamp rx);
  // Writes the transmit timestamp into a reply that handle() built.
  void finish(uint8_t* reply, ts::NtpTimestamp tx) {
    set_transmit(reply, tx, state_.precision, rng_.next());
  }
  void count_send_error(uint64_t n) { counters_.send_errors += n; counters_.replied -= n; }

  const LocalCounters& counters() const { return counters_; }
  const ServerState& state() const { return state_; }

 private:
  ServerState state_;
  std::unique_ptr<Policy> policy_;  // large: allocated once at start-up
  uint64_t policy_generation_ = ~uint64_t{0};
  FastRandom rng_;
  LocalCounters counters_;
};

}  // namespace chronon::dp
