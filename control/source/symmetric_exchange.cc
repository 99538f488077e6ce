// SymmetricExchange; see symmetric_exchange.h.
#include "control/source/symmetric_exchange.h"

#include <endian.h>

#include <cmath>
#include <cstring>

#include "control/source/sample_math.h"
#include "dataplane/core/ntp_packet.h"

namespace chronon::ctl {

namespace {
void put32(uint8_t* p, uint32_t v) {
  v = htobe32(v);
  std::memcpy(p, &v, 4);
}
void put_ts(uint8_t* p, ts::NtpTimestamp t) {
  const uint64_t w = ts::to_wire(t);
  std::memcpy(p, &w, 8);
}
}  // namespace

size_t SymmetricExchange::make_packet(uint8_t* buf, int8_t poll, int version,
                                      const dp::ServerState& ours, timespec tx_time) {
  std::memset(buf, 0, kNtpRequestLen);
  buf[0] = dp::make_lvm(ours.leap, static_cast<uint8_t>(version), dp::NtpMode::kSymmetricActive);
  buf[1] = ours.stratum;
  buf[2] = static_cast<uint8_t>(poll);
  buf[3] = static_cast<uint8_t>(ours.precision);
  put32(buf + 4, ours.root_delay.raw);
  put32(buf + 8, ours.root_dispersion.raw);
  put32(buf + 12, ours.refid);
  put_ts(buf + 16, ours.reference_time);
  if (!peer_tx_.is_zero()) {
    put_ts(buf + 24, peer_tx_);
    put_ts(buf + 32, ts::to_ntp(peer_rx_time_));
  }
  Sent& s = sent_[next_++ % kRemembered];
  s.tx = ts::to_ntp(tx_time);
  s.time = tx_time;
  put_ts(buf + 40, s.tx);
  return kNtpRequestLen;
}

ReplyResult SymmetricExchange::process_packet(const uint8_t* p, size_t len, timespec rx_time,
                                              int precision_log2, const ReplyLimits& limits) {
  ReplyResult r;
  if (len < dp::kNtpHeaderLen) return r.verdict = ReplyVerdict::kMalformed, r;
  const dp::NtpMode mode = dp::lvm_mode(p[0]);
  const uint8_t version = dp::lvm_version(p[0]);
  if (version < 1 || version > 4 ||
      (mode != dp::NtpMode::kSymmetricActive && mode != dp::NtpMode::kSymmetricPassive))
    return r.verdict = ReplyVerdict::kMalformed, r;
  const PacketFields f = read_packet_fields(p);
  if (f.transmit.is_zero()) return r.verdict = ReplyVerdict::kInvalid, r;
  // Test 1: the same transmit timestamp again is a copy (replayed or duplicated).
  if (f.transmit == peer_tx_) return r.verdict = ReplyVerdict::kDuplicate, r;
  r.tests_passed |= kTestBit1;
  // Whatever else is wrong, the peer's latest transmit time and our receive time of it are
  // what our next packet must echo (RFC 5905 A.5.1.1), so a restarted peer resynchronises.
  peer_tx_ = f.transmit;
  peer_rx_time_ = rx_time;
  // Test 2: the peer echoes one of our recent packets (origin and receive both refer to the
  // last packet of ours it got, so that packet's transmit time is T1).
  Sent* echoed = nullptr;
  for (Sent& s : sent_) {
    if (!s.tx.is_zero() && s.tx == f.origin) echoed = &s;
  }
  if (!echoed) return r.verdict = ReplyVerdict::kBogus, r;
  r.tests_passed |= kTestBit2;
  const timespec t1 = echoed->time;
  // Each of our packets completes at most one exchange.
  echoed->tx = ts::NtpTimestamp{};
  if (is_kiss(f)) return kiss_of_death(f, r);
  return complete_sample(f, t1, rx_time, precision_log2, limits, r);
}

}  // namespace chronon::ctl
