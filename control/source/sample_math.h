// What client and symmetric exchanges share once the origin check has passed: the header
// fields of a received packet, chrony's tests 3 and 5-7 and A-D, and the offset/delay/
// dispersion arithmetic of RFC 5905 §8 that turns four timestamps into an NtpSample.
#pragma once

#include <cstdint>
#include <ctime>

#include "control/source/client_exchange.h"

namespace chronon::ctl {

// Bits of ReplyResult::tests_passed, in chrony's measurements-log order.
enum TestBit : uint16_t {
  kTestBit1 = 1 << 0, kTestBit2 = 1 << 1, kTestBit3 = 1 << 2,
  kTestBit5 = 1 << 3, kTestBit6 = 1 << 4, kTestBit7 = 1 << 5,
  kTestBitA = 1 << 6, kTestBitB = 1 << 7, kTestBitC = 1 << 8, kTestBitD = 1 << 9,
};

struct PacketFields {
  uint8_t leap = 0;
  int stratum = 0;
  int8_t poll = 0;
  int8_t precision = 0;
  ts::NtpShort root_delay{}, root_dispersion{};
  uint32_t refid = 0;
  ts::NtpTimestamp reference{}, origin{}, receive{}, transmit{};
};

PacketFields read_packet_fields(const uint8_t* p);
KissCode kiss_code(uint32_t refid);
// A Kiss-o'-Death (RFC 5905 §7.4): stratum 0 with leap 3, as chronyd recognises one. A
// stratum-0 packet with another leap indicator is merely unsynchronised (test 6).
bool is_kiss(const PacketFields& f);
// Completes `r` for a kiss packet that passed tests 1 and 2: its code, and test 3 (a kiss
// with zero timestamps is invalid, and chronyd does not act on it).
ReplyResult& kiss_of_death(const PacketFields& f, ReplyResult& r);

// Completes `r` (tests 3, 5-7, A-D, the sample, the verdict) from the packet's fields, our
// transmit time `t1` and our receive time `t4`.
ReplyResult& complete_sample(const PacketFields& f, timespec t1, timespec t4, int precision_log2,
                             const ReplyLimits& limits, ReplyResult& r);

}  // namespace chronon::ctl
