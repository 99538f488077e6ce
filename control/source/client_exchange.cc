// ClientExchange; see client_exchange.h.
#include "control/source/client_exchange.h"

#include <endian.h>

#include <cmath>
#include <cstring>

#include "dataplane/core/ntp_packet.h"
#include "dataplane/shared/server_state.h"

namespace chronon::ctl {

namespace {

// RFC 5905 §7.2 PHI: the frequency tolerance assumed for the dispersion of a sample.
constexpr double kPhi = 15e-6;
constexpr int kMaxStratum = 16;

double seconds(ts::Nanos d) { return static_cast<double>(d.count()) * 1e-9; }

uint32_t load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return be32toh(v);
}
ts::NtpTimestamp load_ts(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return ts::timestamp_from_wire(v);
}

KissCode kiss_code(uint32_t refid) {
  switch (refid) {
    case 0x52415445: return KissCode::kRate;  // "RATE"
    case 0x44454E59: return KissCode::kDeny;  // "DENY"
    case 0x52535452: return KissCode::kRstr;  // "RSTR"
    default: return KissCode::kOther;
  }
}

enum TestBit : uint16_t {
  kTest1 = 1 << 0, kTest2 = 1 << 1, kTest3 = 1 << 2,
  kTest5 = 1 << 3, kTest6 = 1 << 4, kTest7 = 1 << 5,
  kTestA = 1 << 6, kTestB = 1 << 7, kTestC = 1 << 8, kTestD = 1 << 9,
};

}  // namespace

const char* reply_verdict_name(ReplyVerdict v) {
  switch (v) {
    case ReplyVerdict::kOk: return "ok";
    case ReplyVerdict::kNotExpected: return "not expected";
    case ReplyVerdict::kMalformed: return "malformed";
    case ReplyVerdict::kDuplicate: return "duplicate (test 1)";
    case ReplyVerdict::kBogus: return "bogus origin (test 2)";
    case ReplyVerdict::kInvalid: return "invalid timestamps (test 3)";
    case ReplyVerdict::kUnsynchronised: return "unsynchronised server (test 6)";
    case ReplyVerdict::kBadHeader: return "bad header (test 7)";
    case ReplyVerdict::kKissOfDeath: return "kiss-o'-death";
    case ReplyVerdict::kBadDelay: return "delay over limit (test A)";
  }
  return "?";
}

size_t ClientExchange::make_request(uint8_t* buf, int8_t poll, uint64_t cookie,
                                    timespec tx_time) {
  std::memset(buf, 0, kNtpRequestLen);
  buf[0] = dp::make_lvm(0, 4, dp::NtpMode::kClient);
  buf[2] = static_cast<uint8_t>(poll);
  cookie_ = ts::NtpTimestamp{cookie};
  const uint64_t wire = ts::to_wire(cookie_);
  std::memcpy(buf + 40, &wire, 8);
  tx_time_ = tx_time;
  outstanding_ = true;
  return kNtpRequestLen;
}

void ClientExchange::set_tx_time(timespec tx_time) { tx_time_ = tx_time; }

ReplyResult ClientExchange::process_reply(const uint8_t* p, size_t len, timespec rx_time,
                                          int precision_log2, const ReplyLimits& limits) {
  ReplyResult r;
  if (len < dp::kNtpHeaderLen) return r.verdict = ReplyVerdict::kMalformed, r;
  const uint8_t lvm = p[0];
  const uint8_t version = dp::lvm_version(lvm);
  if (version < 1 || version > 4 || dp::lvm_mode(lvm) != dp::NtpMode::kServer)
    return r.verdict = ReplyVerdict::kMalformed, r;
  if (!outstanding_) return r;  // kNotExpected

  const uint8_t leap = dp::lvm_leap(lvm);
  const int stratum = p[1];
  const int8_t server_precision = static_cast<int8_t>(p[3]);
  const ts::NtpShort root_delay{load32(p + 4)};
  const ts::NtpShort root_dispersion{load32(p + 8)};
  const uint32_t refid = load32(p + 12);
  const ts::NtpTimestamp ref_ts = load_ts(p + 16);
  const ts::NtpTimestamp origin = load_ts(p + 24);
  const ts::NtpTimestamp server_rx = load_ts(p + 32);
  const ts::NtpTimestamp server_tx = load_ts(p + 40);

  // Test 2 first: a reply that does not answer our request must not disturb the exchange
  // (a spoofed packet could otherwise cancel the real reply).
  if (origin != cookie_) return r.verdict = ReplyVerdict::kBogus, r;
  r.tests_passed |= kTest2;
  outstanding_ = false;
  if (server_tx == last_server_tx_) return r.verdict = ReplyVerdict::kDuplicate, r;
  r.tests_passed |= kTest1;
  last_server_tx_ = server_tx;

  if (stratum == 0) {
    r.kiss = kiss_code(refid);
    return r.verdict = ReplyVerdict::kKissOfDeath, r;
  }

  const timespec t2 = ts::from_ntp(server_rx, rx_time);
  const timespec t3 = ts::from_ntp(server_tx, rx_time);
  const ts::Nanos server_hold = ts::to_nanos(t3) - ts::to_nanos(t2);
  const bool test3 = !server_rx.is_zero() && !server_tx.is_zero() && server_hold.count() >= 0;
  if (test3) r.tests_passed |= kTest3;
  r.tests_passed |= kTest5;  // no authentication configured
  const bool test6 = leap != dp::kLeapUnsynchronised && stratum < kMaxStratum;
  if (test6) r.tests_passed |= kTest6;
  const double root_delay_s = seconds(ts::from_short(root_delay));
  const double root_disp_s = seconds(ts::from_short(root_dispersion));
  const bool ref_after_tx = ts::diff(ref_ts, server_tx).count() > 0 && !ref_ts.is_zero();
  const bool test7 = root_delay_s / 2 + root_disp_s < limits.max_distance_s && !ref_after_tx;
  if (test7) r.tests_passed |= kTest7;

  const double t41 = seconds(ts::to_nanos(rx_time) - ts::to_nanos(tx_time_));
  const double local_precision = std::ldexp(1.0, precision_log2);
  const double server_prec = std::ldexp(1.0, server_precision);
  double delay = t41 - seconds(server_hold);
  if (delay < local_precision) delay = local_precision;
  const bool testA = delay <= limits.max_delay_s;
  const bool testB = limits.max_delay_ratio <= 0 || limits.min_delay_seen_s <= 0 ||
                     delay <= limits.max_delay_ratio * limits.min_delay_seen_s;
  if (testA) r.tests_passed |= kTestA;
  if (testB) r.tests_passed |= kTestB;
  r.tests_passed |= kTestC | kTestD;

  NtpSample& s = r.sample;
  const ts::Nanos t1 = ts::to_nanos(tx_time_);
  const ts::Nanos t4 = ts::to_nanos(rx_time);
  s.local_time = ts::from_nanos(t1 + (t4 - t1) / 2);
  s.offset_s = 0.5 * (seconds(t1 - ts::to_nanos(t2)) + seconds(t4 - ts::to_nanos(t3)));
  s.delay_s = delay;
  s.dispersion_s = local_precision + server_prec + kPhi * delay;
  s.root_delay_s = root_delay_s + delay;
  s.root_dispersion_s = root_disp_s + s.dispersion_s;
  s.stratum = stratum;
  s.leap = leap;
  s.refid = refid;
  s.reference_time = ref_ts;
  s.poll = static_cast<int8_t>(p[2]);

  if (!test3) r.verdict = ReplyVerdict::kInvalid;
  else if (!test6) r.verdict = ReplyVerdict::kUnsynchronised;
  else if (!test7) r.verdict = ReplyVerdict::kBadHeader;
  else if (!testA || !testB) r.verdict = ReplyVerdict::kBadDelay;
  else r.verdict = ReplyVerdict::kOk;
  return r;
}

}  // namespace chronon::ctl
