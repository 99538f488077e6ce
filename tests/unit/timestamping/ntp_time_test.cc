// Tests for NTP time formats, conversions and era handling.
#include "timestamping/ntp_time.h"

#include <gtest/gtest.h>

namespace chronon::ts {
namespace {

timespec ts(int64_t s, long ns) {
  timespec t{};
  t.tv_sec = static_cast<time_t>(s);
  t.tv_nsec = ns;
  return t;
}

TEST(NtpTime, UnixEpochIsNtpSeconds2208988800) {
  const NtpTimestamp t = to_ntp(ts(0, 0));
  EXPECT_EQ(t.seconds(), 2208988800u);
  EXPECT_EQ(t.fraction(), 0u);
}

TEST(NtpTime, HalfSecondIsHalfFraction) {
  EXPECT_EQ(to_ntp(ts(0, 500000000)).fraction(), 0x80000000u);
}

TEST(NtpTime, RoundTripKeepsNanoseconds) {
  const timespec in = ts(1764000000, 123456789);
  const timespec out = from_ntp(to_ntp(in), in);
  EXPECT_EQ(out.tv_sec, in.tv_sec);
  EXPECT_EQ(out.tv_nsec, in.tv_nsec);
}

TEST(NtpTime, Era1StartsAt2036Rollover) {
  // 2036-02-07T06:28:16Z is NTP era 1, second 0.
  const int64_t rollover_unix = (1LL << 32) - kNtpUnixOffsetS;
  EXPECT_EQ(rollover_unix, 2085978496LL);
  const NtpTimestamp t = to_ntp(ts(rollover_unix, 0));
  EXPECT_EQ(t.seconds(), 0u);
  const timespec back = from_ntp(t, ts(rollover_unix - 100, 0));
  EXPECT_EQ(back.tv_sec, rollover_unix);
}

TEST(NtpTime, PivotBeforeRolloverResolvesTimestampAfterIt) {
  const int64_t rollover_unix = (1LL << 32) - kNtpUnixOffsetS;
  const NtpTimestamp after = to_ntp(ts(rollover_unix + 3600, 0));  // era 1, second 3600
  EXPECT_EQ(after.seconds(), 3600u);
  EXPECT_EQ(from_ntp(after, ts(rollover_unix - 3600, 0)).tv_sec, rollover_unix + 3600);
}

TEST(NtpTime, PivotAfterRolloverResolvesTimestampBeforeIt) {
  const int64_t rollover_unix = (1LL << 32) - kNtpUnixOffsetS;
  const NtpTimestamp before = to_ntp(ts(rollover_unix - 10, 0));
  EXPECT_EQ(before.seconds(), 0xfffffff6u);
  EXPECT_EQ(from_ntp(before, ts(rollover_unix + 10, 0)).tv_sec, rollover_unix - 10);
}

TEST(NtpTime, DiffIsSignedAcrossRollover) {
  const int64_t rollover_unix = (1LL << 32) - kNtpUnixOffsetS;
  const NtpTimestamp a = to_ntp(ts(rollover_unix + 1, 0));
  const NtpTimestamp b = to_ntp(ts(rollover_unix - 1, 0));
  EXPECT_EQ(diff(a, b), std::chrono::seconds(2));
  EXPECT_EQ(diff(b, a), std::chrono::seconds(-2));
}

TEST(NtpTime, AddNegativeDurationBorrowsFromSeconds) {
  const NtpTimestamp t = NtpTimestamp::from_parts(100, 0);
  const NtpTimestamp r = add(t, std::chrono::milliseconds(-500));
  EXPECT_EQ(r.seconds(), 99u);
  EXPECT_EQ(r.fraction(), 0x80000000u);
}

TEST(NtpTime, ShortFormatOneSecondIs0x10000) {
  EXPECT_EQ(to_short(std::chrono::seconds(1)).raw, 0x10000u);
  EXPECT_EQ(from_short(NtpShort{0x10000}), std::chrono::seconds(1));
}

TEST(NtpTime, ShortFormatClampsNegativeAndSaturates) {
  EXPECT_EQ(to_short(std::chrono::seconds(-5)).raw, 0u);
  EXPECT_EQ(to_short(std::chrono::hours(100)).raw, 0xffffffffu);
}

TEST(NtpTime, ShortFormatNeverRoundsSmallIntervalToZero) {
  EXPECT_EQ(to_short(std::chrono::nanoseconds(1)).raw, 1u);
}

TEST(NtpTime, WireFormatIsBigEndian) {
  const NtpTimestamp t = NtpTimestamp::from_parts(0x01020304, 0x05060708);
  const uint64_t w = to_wire(t);
  const auto* b = reinterpret_cast<const uint8_t*>(&w);
  EXPECT_EQ(b[0], 1);
  EXPECT_EQ(b[7], 8);
  EXPECT_EQ(timestamp_from_wire(w), t);
}

TEST(NtpTime, NanosRoundTripNegative) {
  const timespec t = from_nanos(Nanos(-1));
  EXPECT_EQ(t.tv_sec, -1);
  EXPECT_EQ(t.tv_nsec, 999999999);
  EXPECT_EQ(to_nanos(t), Nanos(-1));
}

}  // namespace
}  // namespace chronon::ts
