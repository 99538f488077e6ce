// The per-worker request pipeline; see server_core.h.
#include "dataplane/core/server_core.h"

#include <endian.h>

#include <cstring>

namespace chronon::dp {

void LocalCounters::publish(WorkerCounters& out, uint64_t client_evictions) const {
  out.received.store(received, std::memory_order_relaxed);
  out.replied.store(replied, std::memory_order_relaxed);
  out.send_errors.store(send_errors, std::memory_order_relaxed);
  out.interleaved.store(interleaved, std::memory_order_relaxed);
  out.kod.store(kod, std::memory_order_relaxed);
  out.client_evictions.store(client_evictions, std::memory_order_relaxed);
  for (int i = 0; i < static_cast<int>(NtpDrop::kCount); ++i)
    out.drops[i].store(drops[i], std::memory_order_relaxed);
}

bool is_bogus_source(const IpAddress& a) {
  if (a.is_v4()) {
    const uint32_t v = a.v4();
    return (v >> 24) == 0 || v == 0xffffffffu || (v >> 28) == 0xe;
  }
  if (a.bytes[0] == 0xff) return true;  // multicast
  uint64_t w[2];
  std::memcpy(w, a.bytes.data(), 16);
  return (w[0] | w[1]) == 0;  // unspecified
}

ServerCore::ServerCore(uint64_t random_seed, size_t client_table_bytes, const SipKey& key)
    : state_(unsynchronised_state(-20)),
      policy_(std::make_unique<Policy>()),
      fresh_limiter_(new_limiter_state(policy_->rate_limit)),
      access_shortcut_(access_shortcut(policy_->access)),
      clients_(client_table_bytes, key),
      rng_{random_seed | 1} {}

void ServerCore::refresh(const Segment& seg, int64_t now_mono_ns) {
  PublishedState ps;
  if (seg.state.read(&ps)) {
    state_ = ps.server;
    if (ps.smoothing.enabled) smooth_anchor_ = ts::to_ntp(ts::from_nanos(ts::Nanos(ps.smoothing.anchor_ns)));
    smoothing_ = ps.smoothing;
    published_mono_ns_ = ps.published_mono_ns;
    holdover_ns_ = ps.holdover_ns;
  }
  // Also when the state could not be read (a chronond killed in the middle of publishing
  // leaves it unreadable until the next one publishes): the age is that of the last read.
  if (holdover_ns_ > 0 && now_mono_ns - published_mono_ns_ > holdover_ns_) {
    // Control has not published for too long: keep answering, but say we are not
    // synchronised (as a client would see chronyd that lost its sources).
    state_ = unsynchronised_state(state_.precision);
  }
  smooth_batch_valid_ = false;
  const uint64_t gen = seg.policy_generation.load(std::memory_order_acquire);
  if (gen != policy_generation_) {
    // The policy is large: copy it only when its generation moved.
    if (seg.policy.read(policy_.get())) {
      policy_generation_ = policy_->generation;
      fresh_limiter_ = new_limiter_state(policy_->rate_limit);
      access_shortcut_ = access_shortcut(policy_->access);
    }
  }
}

namespace {
// chrony's client time (1/16 s) from an NTP timestamp: only differences matter.
uint32_t client_time_of(ts::NtpTimestamp t) {
  const uint32_t v = (t.seconds() << kTsFracBits) | (t.fraction() >> (32 - kTsFracBits));
  return v == 0 ? 1 : v;
}

// Field by field, not through a temporary: copying a temporary PendingReply read back, with
// wide loads, what had just been stored in parts (a store-forwarding stall on every request).
inline void set_pending(PendingReply* p, ClientRecord* rec, const IpAddress& addr, uint64_t rx_ts,
                        bool transmit_written) {
  p->record = rec;
  p->addr = addr;
  p->rx_ts = rx_ts;
  p->transmit_written = transmit_written;
}
}  // namespace

ts::NtpTimestamp ServerCore::served(ts::NtpTimestamp t) {
  if (!smoothing_.enabled) return t;
  // NTP timestamp differences are exact across eras for spans under 68 years.
  constexpr double kFrac = 1.0 / 4294967296.0;
  if (!smooth_batch_valid_) {
    const double since_anchor = static_cast<double>(static_cast<int64_t>(t.raw - smooth_anchor_.raw)) * kFrac;
    smooth_batch_offset_s_ = smoothing_.offset_at(
        smoothing_.anchor_ns + static_cast<int64_t>(since_anchor * 1e9), &smooth_batch_rate_);
    smooth_batch_t0_ = t;
    smooth_batch_valid_ = true;
  }
  const double dt = static_cast<double>(static_cast<int64_t>(t.raw - smooth_batch_t0_.raw)) * kFrac;
  const double off = smooth_batch_offset_s_ + smooth_batch_rate_ * dt;
  return ts::add(t, ts::Nanos(static_cast<int64_t>(off * 1e9)));
}

size_t ServerCore::handle(uint8_t* payload, size_t len, const IpAddress& src,
                          uint16_t src_port, ts::NtpTimestamp rx, PendingReply* pending,
                          uint64_t src_hash) {
  ++counters_.received;
  rx = served(rx);
  // Longer than any request served, on every backend (the socket backend's receive buffer
  // truncates such datagrams): counted before any other check, as the socket backend does.
  // Initialised in place (no copy of the parsed request: a copy read back with wide loads
  // what parse_request had just stored field by field, a store-forwarding stall).
  const NtpParse parsed = len <= kMaxRequestLen ? parse_request(payload, len, src_port)
                                                : NtpParse{NtpDrop::kBadLength, {}};
  NtpDrop drop = parsed.drop;
  if (drop == NtpDrop::kNone && is_bogus_source(src)) drop = NtpDrop::kBadSource;
  if (drop == NtpDrop::kNone) {
    const int8_t decided = access_shortcut_.of(src);
    if (decided == 0 || (decided < 0 && !access_allowed(policy_->access, src)))
      drop = NtpDrop::kDenied;
  }
  if (drop != NtpDrop::kNone) {
    ++counters_.drops[static_cast<int>(drop)];
    return 0;
  }
  const NtpRequest& req = parsed.req;
  const RateLimitParams& rl = policy_->rate_limit;
  const uint32_t now = client_time_of(rx);
  ClientRecord& rec = clients_.find_or_insert(src, src_hash ? src_hash : clients_.hash(src),
                                              fresh_limiter_, now);
  if (rec.hits != UINT32_MAX) ++rec.hits;
  limiter_hit(rl, rec.limiter, now);

  if (limiter_should_drop(rl, rec.limiter, static_cast<uint32_t>(rng_.next()))) {
    if (rec.drops != UINT16_MAX) ++rec.drops;
    if (rl.kod_every == 0 || ++kod_countdown_ < rl.kod_every) {
      ++counters_.drops[static_cast<int>(NtpDrop::kRateLimited)];
      return 0;
    }
    // 1 in kod_every limited requests gets a KoD RATE (RFC 5905 §7.4), never longer than
    // the request, and not remembered for interleaving.
    kod_countdown_ = 0;
    const size_t n = build_reply(payload, req, state_, rx, rng_.next());
    make_kiss_of_death(payload, kKissRate);
    ++counters_.kod;
    ++counters_.replied;
    set_pending(pending, nullptr, src, 0, false);
    return n;
  }

  // Interleaved request (chronyd's test): NTPv4, origin odd (one of our receive timestamps),
  // receive != transmit, and it is the receive timestamp of our previous reply to this client
  // whose transmit time we know. Each reply replaces rec.rx_ts, so a receive timestamp is
  // never answered interleaved twice (chronyd disables it explicitly).
  const bool interleaved = req.version == 4 && (req.origin_ts.raw & 1) &&
                           req.receive_ts.raw != req.transmit_ts.raw &&
                           rec.rx_ts == req.origin_ts.raw && (rec.flags & kTxValid);
  size_t n;
  if (interleaved) {
    const ts::NtpTimestamp prev_tx =
        ts::add(ts::NtpTimestamp{rec.rx_ts}, ts::Nanos(rec.tx_offset_ns));
    n = build_interleaved_reply(payload, req, state_, rx, prev_tx, rng_.next());
    ++counters_.interleaved;
    if (rec.interleaved_hits != UINT16_MAX) ++rec.interleaved_hits;
  } else {
    n = build_reply(payload, req, state_, rx, rng_.next());
  }
  uint64_t sent_rx;
  std::memcpy(&sent_rx, payload + offsetof(NtpHeaderWire, receive_ts), 8);
  rec.rx_ts = be64toh(sent_rx);
  rec.flags = 0;
  set_pending(pending, &rec, src, rec.rx_ts, interleaved);
  ++counters_.replied;
  return n;
}

void ServerCore::finish(uint8_t* reply, const PendingReply& pending, ts::NtpTimestamp tx) {
  tx = served(tx);
  if (!pending.transmit_written) set_transmit(reply, tx, state_.precision, rng_.next());
  record_transmit(pending, tx);
}

void ServerCore::update_transmit(const PendingReply& pending, ts::NtpTimestamp tx) {
  record_transmit(pending, served(tx));
}

void ServerCore::record_transmit(const PendingReply& pending, ts::NtpTimestamp tx) {
  ClientRecord* rec = pending.record;
  if (!rec) return;
  // Since handle(), a new client in the same batch may have moved this record to its other
  // bucket (client_table.h) or replaced it: look the client up again if the slot is not ours.
  if (!(rec->addr == pending.addr)) rec = clients_.find(pending.addr);
  if (!rec || rec->rx_ts != pending.rx_ts) return;
  const ts::Nanos off = ts::diff(tx, ts::NtpTimestamp{pending.rx_ts});
  // chronyd keeps the offset only when it is within (-2 s, 1 s]; so do we (int32 ns).
  if (off <= std::chrono::seconds(-2) || off > std::chrono::seconds(1)) {
    rec->flags &= static_cast<uint8_t>(~kTxValid);
    return;
  }
  rec->tx_offset_ns = static_cast<int32_t>(off.count());
  rec->flags |= kTxValid;
}

}  // namespace chronon::dp
