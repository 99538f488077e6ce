// Shared exchange arithmetic; see sample_math.h.
#include "control/source/sample_math.h"

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

}  // namespace

PacketFields read_packet_fields(const uint8_t* p) {
  PacketFields f;
  f.leap = dp::lvm_leap(p[0]);
  f.stratum = p[1];
  f.poll = static_cast<int8_t>(p[2]);
  f.precision = static_cast<int8_t>(p[3]);
  f.root_delay = ts::NtpShort{load32(p + 4)};
  f.root_dispersion = ts::NtpShort{load32(p + 8)};
  f.refid = load32(p + 12);
  f.reference = load_ts(p + 16);
  f.origin = load_ts(p + 24);
  f.receive = load_ts(p + 32);
  f.transmit = load_ts(p + 40);
  return f;
}

KissCode kiss_code(uint32_t refid) {
  switch (refid) {
    case 0x52415445: return KissCode::kRate;  // "RATE"
    case 0x44454E59: return KissCode::kDeny;  // "DENY"
    case 0x52535452: return KissCode::kRstr;  // "RSTR"
    default: return KissCode::kOther;
  }
}

bool is_kiss(const PacketFields& f) { return f.stratum == 0 && f.leap == dp::kLeapUnsynchronised; }

ReplyResult& kiss_of_death(const PacketFields& f, ReplyResult& r) {
  if (f.origin.is_zero() || f.receive.is_zero() || f.transmit.is_zero())
    return r.verdict = ReplyVerdict::kInvalid, r;
  r.tests_passed |= kTestBit3 | kTestBit5;
  r.kiss = kiss_code(f.refid);
  return r.verdict = ReplyVerdict::kKissOfDeath, r;
}

ReplyResult& complete_sample(const PacketFields& f, timespec t1, timespec t4, int precision_log2,
                             const ReplyLimits& limits, ReplyResult& r) {
  const timespec t2 = ts::from_ntp(f.receive, t4);
  const timespec t3 = ts::from_ntp(f.transmit, t4);
  const ts::Nanos server_hold = ts::to_nanos(t3) - ts::to_nanos(t2);
  const bool test3 = !f.receive.is_zero() && !f.transmit.is_zero() && server_hold.count() >= 0;
  if (test3) r.tests_passed |= kTestBit3;
  r.tests_passed |= kTestBit5;  // no authentication configured
  // chrony's test 6 (RFC 5905 §8): leap 3, stratum 0 or stratum 16 and over is a server
  // that is not synchronised.
  const bool test6 = f.leap != dp::kLeapUnsynchronised && f.stratum != 0 && f.stratum < kMaxStratum;
  if (test6) r.tests_passed |= kTestBit6;
  const double root_delay_s = seconds(ts::from_short(f.root_delay));
  const double root_disp_s = seconds(ts::from_short(f.root_dispersion));
  const bool ref_after_tx = !f.reference.is_zero() && ts::diff(f.reference, f.transmit).count() > 0;
  const bool test7 = root_delay_s / 2 + root_disp_s < limits.max_distance_s && !ref_after_tx;
  if (test7) r.tests_passed |= kTestBit7;

  const double t41 = seconds(ts::to_nanos(t4) - ts::to_nanos(t1));
  const double local_precision = std::ldexp(1.0, precision_log2);
  const double remote_precision = std::ldexp(1.0, f.precision);
  // As chronyd (ntp_core.c), the absolute difference: a clock slewing fast on either side
  // over a long hold (a peer answers up to a poll later) can make it negative, and clamped
  // to the precision such a sample would look like the nearest ever and outweigh every
  // other in the regression.
  double delay = std::abs(t41 - seconds(server_hold));
  if (delay < local_precision) delay = local_precision;
  const bool testA = delay <= limits.max_delay_s;
  const bool testB = limits.max_delay_ratio <= 0 || limits.min_delay_seen_s <= 0 ||
                     delay <= limits.max_delay_ratio * limits.min_delay_seen_s;
  // Test D: the source is not synchronised to us (its refid is one of our addresses').
  bool testD = true;
  for (uint32_t own : limits.own_refids) testD &= !(f.refid == own && own != 0);
  if (testA) r.tests_passed |= kTestBitA;
  if (testB) r.tests_passed |= kTestBitB;
  r.tests_passed |= kTestBitC;
  if (testD) r.tests_passed |= kTestBitD;

  NtpSample& s = r.sample;
  const ts::Nanos n1 = ts::to_nanos(t1), n4 = ts::to_nanos(t4);
  s.local_time = ts::from_nanos(n1 + (n4 - n1) / 2);
  s.offset_s = 0.5 * (seconds(n1 - ts::to_nanos(t2)) + seconds(n4 - ts::to_nanos(t3)));
  s.delay_s = delay;
  s.dispersion_s = local_precision + remote_precision + kPhi * delay;
  s.root_delay_s = root_delay_s + delay;
  s.root_dispersion_s = root_disp_s + s.dispersion_s;
  s.stratum = f.stratum;
  s.leap = f.leap;
  s.refid = f.refid;
  s.reference_time = f.reference;
  s.poll = f.poll;

  if (!test3) r.verdict = ReplyVerdict::kInvalid;
  else if (!test6) r.verdict = ReplyVerdict::kUnsynchronised;
  else if (!test7) r.verdict = ReplyVerdict::kBadHeader;
  else if (!testA || !testB) r.verdict = ReplyVerdict::kBadDelay;
  else if (!testD) r.verdict = ReplyVerdict::kSyncLoop;
  else r.verdict = ReplyVerdict::kOk;
  return r;
}

}  // namespace chronon::ctl
