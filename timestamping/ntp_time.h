// NTP time formats (RFC 5905 §6) as distinct types: the 64-bit timestamp, the 32-bit short
// format, and conversions to/from timespec and std::chrono durations, with era handling (2036).
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>

namespace chronon::ts {

using Nanos = std::chrono::nanoseconds;

// Seconds between the NTP prime epoch (1900-01-01) and the Unix epoch (1970-01-01).
inline constexpr int64_t kNtpUnixOffsetS = 2208988800LL;

// 64-bit NTP timestamp: 32 bits of seconds (modulo 2^32, i.e. within an era) and 32 bits
// of fraction, in host byte order. The era is not carried; it is recovered against a
// pivot time when converting back (RFC 5905 §6: "era" and "timestamp" fields).
struct NtpTimestamp {
  uint64_t raw = 0;

  constexpr uint32_t seconds() const { return static_cast<uint32_t>(raw >> 32); }
  constexpr uint32_t fraction() const { return static_cast<uint32_t>(raw); }
  constexpr bool is_zero() const { return raw == 0; }
  static constexpr NtpTimestamp from_parts(uint32_t s, uint32_t f) {
    return NtpTimestamp{(static_cast<uint64_t>(s) << 32) | f};
  }
  friend constexpr bool operator==(NtpTimestamp, NtpTimestamp) = default;
};

// 32-bit NTP short format: 16 bits of seconds, 16 bits of fraction (root delay/dispersion).
struct NtpShort {
  uint32_t raw = 0;
  friend constexpr bool operator==(NtpShort, NtpShort) = default;
};

// Wire (network byte order) forms, for building packets without alignment assumptions.
uint64_t to_wire(NtpTimestamp t);
NtpTimestamp timestamp_from_wire(uint64_t be);

// timespec (CLOCK_REALTIME, Unix epoch) -> NTP timestamp. Fractions are rounded down.
NtpTimestamp to_ntp(const timespec& t);

// NTP timestamp -> timespec, choosing the era that puts the result nearest to `pivot`
// (within +-68 years), as chrony does with its era split. Works across the 2036 rollover.
timespec from_ntp(NtpTimestamp t, const timespec& pivot);

// Signed difference a - b in nanoseconds, assuming both lie within 68 years of each other.
Nanos diff(NtpTimestamp a, NtpTimestamp b);

// Adds a signed duration to a timestamp (wraps at the era boundary, as the wire format does).
NtpTimestamp add(NtpTimestamp t, Nanos d);

// Duration <-> NTP short format; negative durations clamp to 0, large ones saturate.
NtpShort to_short(Nanos d);
Nanos from_short(NtpShort s);

// timespec helpers.
Nanos to_nanos(const timespec& t);
timespec from_nanos(Nanos n);

}  // namespace chronon::ts
