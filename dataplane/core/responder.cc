// Reply construction; see responder.h.
#include "dataplane/core/responder.h"
#include "dataplane/core/byte_order.h"

#include <endian.h>

#include <cstring>

namespace chronon::dp {

uint32_t fuzz_mask(int8_t precision_log2) {
  // Fraction bits worth less than 2^precision: 32 + precision of them (none if >= 0).
  const int bits = 32 + precision_log2;
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffffu;
  return (1u << bits) - 1;
}

size_t build_reply(uint8_t* p, const NtpRequest& req, const ServerState& state,
                   ts::NtpTimestamp rx, uint64_t random) {
  const int8_t poll = req.poll > state.min_poll ? req.poll : state.min_poll;
  p[0] = make_lvm(state.leap, req.version, NtpMode::kServer);
  p[1] = state.stratum;
  p[2] = static_cast<uint8_t>(poll);
  p[3] = static_cast<uint8_t>(state.precision);
  store_be32(p + offsetof(NtpHeaderWire, root_delay), state.root_delay.raw);
  store_be32(p + offsetof(NtpHeaderWire, root_dispersion), state.root_dispersion.raw);
  store_be32(p + offsetof(NtpHeaderWire, refid), state.refid);
  store_be64(p + offsetof(NtpHeaderWire, reference_ts), state.reference_time.raw);
  // RFC 5905 §9.2: origin = the request's transmit timestamp.
  store_be64(p + offsetof(NtpHeaderWire, origin_ts), req.transmit_ts.raw);
  const uint64_t mask = fuzz_mask(state.precision);
  uint64_t rx_raw = (rx.raw & ~mask) | (random & mask);
  rx_raw |= 1;  // chronyd marks its receive timestamps odd (interleaved-mode detection)
  if (rx_raw == req.transmit_ts.raw) rx_raw += 2;
  store_be64(p + offsetof(NtpHeaderWire, receive_ts), rx_raw);
  return kNtpHeaderLen;
}

size_t build_interleaved_reply(uint8_t* p, const NtpRequest& req, const ServerState& state,
                               ts::NtpTimestamp rx, ts::NtpTimestamp previous_tx,
                               uint64_t random) {
  const size_t len = build_reply(p, req, state, rx, random);
  store_be64(p + offsetof(NtpHeaderWire, origin_ts), req.receive_ts.raw);
  set_transmit(p, previous_tx, state.precision, random >> 32);
  return len;
}

void make_kiss_of_death(uint8_t* p, uint32_t code) {
  p[0] = static_cast<uint8_t>((p[0] & 0x3f) | (kLeapUnsynchronised << 6));
  p[1] = 0;
  store_be32(p + offsetof(NtpHeaderWire, refid), code);
}

void set_transmit(uint8_t* p, ts::NtpTimestamp tx, int8_t precision, uint64_t random) {
  const uint64_t mask = fuzz_mask(precision);
  uint64_t tx_raw = ((tx.raw & ~mask) | (random & mask)) & ~uint64_t{1};
  const uint64_t rx_raw = load_be64(p + offsetof(NtpHeaderWire, receive_ts));
  const uint64_t org_raw = load_be64(p + offsetof(NtpHeaderWire, origin_ts));
  // The receive timestamp is odd and the transmit even, so only the origin can collide.
  if (tx_raw == org_raw || tx_raw == rx_raw) tx_raw += 2;
  store_be64(p + offsetof(NtpHeaderWire, transmit_ts), tx_raw);
}

}  // namespace chronon::dp
