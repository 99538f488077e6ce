// How chronon-loadgen marks its requests so that a reply names its request with no state kept
// per request: the transmit timestamp is the send time with its low 8 fraction bits (< 60 ns)
// replaced by a 7-bit check of the client and a flag bit that tells the two fields apart.
#pragma once

#include <cstdint>

namespace chronon::bench {

inline constexpr uint64_t kStampLowBits = 0xff;

// 7 bits derived from the client's index, so that a reply addressed to one client but carrying
// another's timestamp (or anything not ours) is seen as invalid.
constexpr uint8_t stamp_check(uint32_t client_index) {
  uint32_t h = client_index * 0x9e3779b1u;
  h ^= h >> 15;
  return static_cast<uint8_t>((h >> 7) & 0x7f);
}

// A request's transmit field (flag 0) or, for interleaved clients, its receive field (flag 1:
// chronyd and chronon answer interleaved only when receive != transmit).
constexpr uint64_t make_stamp(uint64_t send_ntp_raw, uint32_t client_index, bool flag) {
  return (send_ntp_raw & ~kStampLowBits) | (uint64_t{stamp_check(client_index)} << 1) |
         (flag ? 1u : 0u);
}

struct StampInfo {
  uint64_t send_ntp_raw;  // the send time, to within 2^-24 s
  bool check_ok;          // the check matches the client
  bool flag;              // 1: it was the receive field (an interleaved reply echoes that)
};

constexpr StampInfo read_stamp(uint64_t stamp, uint32_t client_index) {
  return StampInfo{stamp & ~kStampLowBits,
                   ((stamp >> 1) & 0x7f) == stamp_check(client_index), (stamp & 1) != 0};
}

}  // namespace chronon::bench
