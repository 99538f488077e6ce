// Conversions between NTP formats, timespec and durations; the only place that does this math.
#include "timestamping/ntp_time.h"

#include <endian.h>

#include <limits>

namespace chronon::ts {

namespace {
constexpr int64_t kNsPerS = 1000000000LL;
constexpr int64_t kEraS = 1LL << 32;
}  // namespace

uint64_t to_wire(NtpTimestamp t) { return htobe64(t.raw); }
NtpTimestamp timestamp_from_wire(uint64_t be) { return NtpTimestamp{be64toh(be)}; }

NtpTimestamp to_ntp(const timespec& t) {
  const int64_t ntp_s = static_cast<int64_t>(t.tv_sec) + kNtpUnixOffsetS;
  // Fraction = ns * 2^32 / 1e9, rounded down; fits in 64 bits since ns < 2^30.
  const uint64_t frac = (static_cast<uint64_t>(t.tv_nsec) << 32) / kNsPerS;
  return NtpTimestamp::from_parts(static_cast<uint32_t>(ntp_s), static_cast<uint32_t>(frac));
}

timespec from_ntp(NtpTimestamp t, const timespec& pivot) {
  const int64_t pivot_ntp_s = static_cast<int64_t>(pivot.tv_sec) + kNtpUnixOffsetS;
  // Candidate in the pivot's era, then move by one era if that is nearer to the pivot.
  int64_t era = pivot_ntp_s >= 0 ? pivot_ntp_s / kEraS : -((-pivot_ntp_s + kEraS - 1) / kEraS);
  int64_t s = era * kEraS + t.seconds();
  if (s - pivot_ntp_s > kEraS / 2) s -= kEraS;
  if (pivot_ntp_s - s > kEraS / 2) s += kEraS;
  // Round the fraction to the nearest nanosecond so that to_ntp(from_ntp(x)) is stable.
  const uint64_t ns = (static_cast<uint64_t>(t.fraction()) * kNsPerS + (1ULL << 31)) >> 32;
  timespec out{};
  out.tv_sec = static_cast<time_t>(s - kNtpUnixOffsetS);
  out.tv_nsec = static_cast<long>(ns);
  if (out.tv_nsec >= kNsPerS) {
    out.tv_sec += 1;
    out.tv_nsec -= kNsPerS;
  }
  return out;
}

Nanos diff(NtpTimestamp a, NtpTimestamp b) {
  // Two's complement difference in 32.32 fixed point gives the nearest signed interval.
  const int64_t d = static_cast<int64_t>(a.raw - b.raw);
  const int64_t s = d >> 32;  // arithmetic shift: floor
  const uint64_t frac = static_cast<uint64_t>(d) & 0xffffffffULL;
  return Nanos(s * kNsPerS + static_cast<int64_t>((frac * kNsPerS) >> 32));
}

NtpTimestamp add(NtpTimestamp t, Nanos d) {
  const int64_t ns = d.count();
  const int64_t s = ns >= 0 ? ns / kNsPerS : -((-ns + kNsPerS - 1) / kNsPerS);
  const int64_t rem = ns - s * kNsPerS;  // 0 <= rem < 1e9
  const uint64_t frac = (static_cast<uint64_t>(rem) << 32) / kNsPerS;
  return NtpTimestamp{t.raw + (static_cast<uint64_t>(s) << 32) + frac};
}

NtpShort to_short(Nanos d) {
  const int64_t ns = d.count();
  if (ns <= 0) return NtpShort{0};
  if (ns >= 65536LL * kNsPerS) return NtpShort{std::numeric_limits<uint32_t>::max()};
  // 16.16: ns * 2^16 / 1e9, rounded up so a non-zero interval never reads as zero.
  const uint64_t v = (static_cast<uint64_t>(ns) * 65536ULL + kNsPerS - 1) / kNsPerS;
  return NtpShort{static_cast<uint32_t>(v)};
}

Nanos from_short(NtpShort s) {
  return Nanos(static_cast<int64_t>((static_cast<uint64_t>(s.raw) * kNsPerS) >> 16));
}

Nanos to_nanos(const timespec& t) {
  return Nanos(static_cast<int64_t>(t.tv_sec) * kNsPerS + t.tv_nsec);
}

timespec from_nanos(Nanos n) {
  int64_t ns = n.count();
  int64_t s = ns / kNsPerS;
  int64_t rem = ns % kNsPerS;
  if (rem < 0) {
    rem += kNsPerS;
    s -= 1;
  }
  timespec t{};
  t.tv_sec = static_cast<time_t>(s);
  t.tv_nsec = static_cast<long>(rem);
  return t;
}

}  // namespace chronon::ts
