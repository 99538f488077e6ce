// The per-worker request pipeline every backend calls: validate -> source check -> access
// list -> client record -> rate limit (or KoD) -> basic or interleaved reply.
// Owns the worker's view of the published state and policy, its client table and its local
// counters; reads the shared segment once per batch, never per packet, and makes no syscalls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "dataplane/core/client_table.h"
#include "dataplane/core/ntp_packet.h"
#include "dataplane/core/rate_limiter.h"
#include "dataplane/core/responder.h"
#include "dataplane/shared/access_table.h"
#include "dataplane/shared/ip_address.h"
#include "dataplane/shared/segment_layout.h"
#include "dataplane/shared/server_state.h"

namespace chronon::dp {

inline constexpr int kClientPrefetchAhead = 4;
// The longest UDP payload handled as a request (NTP header, extension fields, MAC); longer
// ones are dropped as bad_length.
inline constexpr size_t kMaxRequestLen = 1024;

struct LocalCounters {
  uint64_t received = 0;
  uint64_t replied = 0;  // includes KoD replies
  uint64_t send_errors = 0;
  uint64_t interleaved = 0;
  uint64_t kod = 0;
  uint64_t drops[static_cast<int>(NtpDrop::kCount)] = {};
  // Copies the totals to the worker's slot in the segment (relaxed stores, single writer).
  void publish(WorkerCounters& out, uint64_t client_evictions) const;
};

// What finish() needs to know about a reply that handle() built.
struct PendingReply {
  ClientRecord* record = nullptr;  // the client's record; checked again before use
  IpAddress addr{};
  uint64_t rx_ts = 0;               // receive timestamp as sent
  bool transmit_written = false;    // interleaved replies carry an old transmit timestamp
};

class ServerCore {
 public:
  // `client_table_bytes` sizes the client table once (clientloglimit share of this worker).
  ServerCore(uint64_t random_seed, size_t client_table_bytes, const SipKey& key);

  // Takes the latest published state (and policy, if its generation moved). Call once per
  // batch with CLOCK_MONOTONIC in ns; past the holdover the state turns unsynchronised.
  void refresh(const Segment& seg, int64_t now_mono_ns);
  // Sets state and policy directly (tests, benchmarks).
  void set_state(const ServerState& s) { state_ = s; }
  void set_smoothing(const SmoothingModel& m) {
    smoothing_ = m;
    smooth_batch_valid_ = false;
  }
  void set_policy(const Policy& p) {
    *policy_ = p;
    fresh_limiter_ = new_limiter_state(p.rate_limit);
    access_shortcut_ = access_shortcut(p.access);
  }
  void set_access(const AccessTable& t) {
    policy_->access = t;
    access_shortcut_ = access_shortcut(t);
  }

  // Prefetches the client records handle() will touch for this source. Call it
  // kClientPrefetchAhead packets before handle() for the same source (bench/: with a table of
  // 1 M active clients, 73 ns per request at 4 ahead, 81 at 8, 138 for a whole batch of 32).
  // Returns the source's client-table hash: pass it to handle() to avoid hashing twice.
  uint64_t prefetch(const IpAddress& src) const {
    const uint64_t h = clients_.hash(src);
    clients_.prefetch(h);
    return h;
  }

  // Handles one UDP payload received from src:src_port at `rx`. On success writes the reply
  // over the payload and returns its length, with `pending` filled for finish(); else returns
  // 0 and counts the drop reason.
  // `src_hash` is prefetch()'s result for src, or 0 to compute it here.
  size_t handle(uint8_t* payload, size_t len, const IpAddress& src, uint16_t src_port,
                ts::NtpTimestamp rx, PendingReply* pending, uint64_t src_hash = 0);
  // Completes a reply: writes the transmit timestamp `tx` (unless interleaved) and remembers
  // `tx` as this reply's accurate transmit time for the client's next interleaved request.
  void finish(uint8_t* reply, const PendingReply& pending, ts::NtpTimestamp tx);
  // Records a better (e.g. hardware) transmit timestamp for a reply already sent.
  void update_transmit(const PendingReply& pending, ts::NtpTimestamp tx);
  // The time served for our clock's `t`: `t` plus the smoothing offset (smoothtime), which
  // is evaluated once per batch (at its first timestamp) and extrapolated linearly within it.
  ts::NtpTimestamp served(ts::NtpTimestamp t);
  // A request a backend dropped before handle() (e.g. a datagram longer than its buffer).
  void count_drop(NtpDrop reason) {
    ++counters_.received;
    ++counters_.drops[static_cast<int>(reason)];
  }
  void count_send_error(uint64_t n) {
    counters_.send_errors += n;
    counters_.replied -= n;
  }

  const LocalCounters& counters() const { return counters_; }
  const ServerState& state() const { return state_; }
  const ClientTable& clients() const { return clients_; }
  void publish_counters(WorkerCounters& out) const { counters_.publish(out, clients_.evictions()); }

 private:
  void record_transmit(const PendingReply& pending, ts::NtpTimestamp tx);
  ServerState state_;
  SmoothingModel smoothing_{};
  ts::NtpTimestamp smooth_anchor_{};   // the model's anchor as an NTP timestamp
  bool smooth_batch_valid_ = false;
  ts::NtpTimestamp smooth_batch_t0_{};
  double smooth_batch_offset_s_ = 0, smooth_batch_rate_ = 0;
  std::unique_ptr<Policy> policy_;  // large: allocated once at start-up
  uint64_t policy_generation_ = ~uint64_t{0};
  int64_t published_mono_ns_ = 0;  // of the last state read, for the holdover
  int64_t holdover_ns_ = 0;
  LimiterState fresh_limiter_;  // state of a new client record under the current policy
  AccessShortcut access_shortcut_;  // of the current policy's access table
  ClientTable clients_;
  FastRandom rng_;
  uint32_t kod_countdown_ = 0;
  LocalCounters counters_;
};

// True for source addresses no client can have (RFC 1122 §3.2.1.3, RFC 4291 §2.5.2/§2.7):
// unspecified, limited broadcast, multicast, IPv4 0/8.
bool is_bogus_source(const IpAddress& a);

}  // namespace chronon::dp
