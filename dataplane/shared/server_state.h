// The server state that control publishes and every reply carries (RFC 5905 §7.3 header
// fields of a server), as a trivially copyable value for the shared segment.
#pragma once

#include <cstdint>
#include <type_traits>

#include "timestamping/ntp_time.h"

namespace chronon::dp {

inline constexpr uint8_t kLeapNone = 0;
inline constexpr uint8_t kLeapInsert = 1;
inline constexpr uint8_t kLeapDelete = 2;
inline constexpr uint8_t kLeapUnsynchronised = 3;

// refids chronyd uses (chrony ntp.h): unsynchronised, and the local reference 127.127.1.1.
inline constexpr uint32_t kRefidUnsync = 0;
inline constexpr uint32_t kRefidLocal = 0x7F7F0101;

struct ServerState {
  uint8_t leap = kLeapUnsynchronised;
  uint8_t stratum = 0;          // as sent: 0 means unspecified/invalid (RFC 5905 §7.3)
  int8_t precision = -20;       // log2 seconds
  int8_t min_poll = 0;          // replies carry max(min_poll, request poll) as chronyd does
  uint32_t refid = kRefidUnsync;
  ts::NtpShort root_delay{};
  ts::NtpShort root_dispersion{};
  ts::NtpTimestamp reference_time{};
};
static_assert(std::is_trivially_copyable_v<ServerState>);

// What chronyd sends when it has no source and no local reference (chrony reference.c):
// leap 3, stratum 16 sent as 0, refid 0, zero reference time, root delay/dispersion 1 s.
ServerState unsynchronised_state(int8_t precision);

}  // namespace chronon::dp
