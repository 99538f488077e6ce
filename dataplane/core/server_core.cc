// The per-worker request pipeline; see server_core.h.
#include "dataplane/core/server_core.h"

namespace chronon::dp {

void LocalCounters::publish(WorkerCounters& out) const {
  out.received.store(received, std::memory_order_relaxed);
  out.replied.store(replied, std::memory_order_relaxed);
  out.send_errors.store(send_errors, std::memory_order_relaxed);
  for (int i = 0; i < static_cast<int>(NtpDrop::kCount); ++i)
    out.drops[i].store(drops[i], std::memory_order_relaxed);
}

ServerCore::ServerCore(uint64_t random_seed)
    : state_(unsynchronised_state(-20)),
      policy_(std::make_unique<Policy>()),
      rng_{random_seed | 1} {}

void ServerCore::refresh(const Segment& seg, int64_t now_mono_ns) {
  PublishedState ps;
  if (seg.state.read(&ps)) {
    state_ = ps.server;
    if (ps.holdover_ns > 0 && now_mono_ns - ps.published_mono_ns > ps.holdover_ns) {
      // Control has not published for too long: keep answering, but say we are not
      // synchronised (as a client would see chronyd that lost its sources).
      state_ = unsynchronised_state(ps.server.precision);
    }
  }
  const uint64_t gen = seg.policy_generation.load(std::memory_order_acquire);
  if (gen != policy_generation_) {
    // The policy is large: copy it only when its generation moved.
    if (seg.policy.read(policy_.get())) policy_generation_ = policy_->generation;
  }
}

size_t ServerCore::handle(uint8_t* payload, size_t len, const IpAddress& src,
                          uint16_t src_port, ts::NtpTimestamp rx) {
  ++counters_.received;
  const NtpParse parsed = parse_request(payload, len, src_port);
  NtpDrop drop = parsed.drop;
  if (drop == NtpDrop::kNone && !access_allowed(policy_->access, src)) drop = NtpDrop::kDenied;
  if (drop != NtpDrop::kNone) {
    ++counters_.drops[static_cast<int>(drop)];
    return 0;
  }
  ++counters_.replied;
  return build_reply(payload, parsed.req, state_, rx, rng_.next());
}

}  // namespace chronon::dp
