// Tests for the client table and its keyed hash.
#include "dataplane/core/client_table.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <set>

namespace chronon::dp {
namespace {

TEST(SipHash, MatchesCPythonSipHash13WithZeroKey) {
  // Reference values: PYTHONHASHSEED=0 python3 -c 'print(hex(hash(bytes(range(16)))%2**64))'
  // (CPython 3.11 hashes bytes with SipHash-1-3; seed 0 means an all-zero key).
  uint8_t a[16], b[16];
  for (int i = 0; i < 16; ++i) {
    a[i] = static_cast<uint8_t>(i);
    b[i] = 0xff;
  }
  EXPECT_EQ(siphash13_16(SipKey{0, 0}, a), 0x8972188433a5c5b7ULL);
  EXPECT_EQ(siphash13_16(SipKey{0, 0}, b), 0x35029a3b6274a39bULL);
}

TEST(SipHash, KeyChangesTheHash) {
  uint8_t a[16] = {};
  a[15] = 1;
  EXPECT_NE(siphash13_16(SipKey{1, 2}, a), siphash13_16(SipKey{1, 3}, a));
  const SipKey k1 = random_sip_key(), k2 = random_sip_key();
  EXPECT_FALSE(k1.k0 == k2.k0 && k1.k1 == k2.k1);
}

TEST(ClientTable, RecordsAre48Bytes) { EXPECT_EQ(sizeof(ClientRecord), 48u); }

TEST(ClientTable, CapacityIsSizedFromBytesAndNeverExceedsThem) {
  ClientTable t(524288, SipKey{1, 2});  // chrony's default clientloglimit
  EXPECT_LE(t.bytes(), 524288u);
  EXPECT_GT(t.bytes(), 524288u / 2);
  EXPECT_EQ(t.capacity() % kBucketWays, 0u);
  ClientTable tiny(1, SipKey{1, 2});
  EXPECT_EQ(tiny.capacity(), static_cast<size_t>(kBucketWays));
}

TEST(ClientTable, FindsWhatItInserted) {
  ClientTable t(1 << 20, SipKey{1, 2});
  const IpAddress a = *parse_ip("192.0.2.1"), b = *parse_ip("2001:db8::1");
  ClientRecord& ra = t.find_or_insert(a, LimiterState{}, 1);
  ra.hits = 5;
  t.find_or_insert(b, LimiterState{}, 1).hits = 7;
  EXPECT_EQ(t.find(a)->hits, 5u);
  EXPECT_EQ(t.find(b)->hits, 7u);
  EXPECT_EQ(&t.find_or_insert(a, LimiterState{}, 1), t.find(a));
  EXPECT_EQ(t.find(*parse_ip("192.0.2.2")), nullptr);
}

TEST(ClientTable, Ipv4AndItsMappedIpv6FormAreOneKeyOtherFamiliesAreNot) {
  ClientTable t(1 << 20, SipKey{1, 2});
  t.find_or_insert(*parse_ip("192.0.2.1"), LimiterState{}, 1).hits = 3;
  EXPECT_EQ(t.find(*parse_ip("::ffff:192.0.2.1"))->hits, 3u);
  EXPECT_EQ(t.find(*parse_ip("::192.0.2.1")), nullptr);
}

TEST(ClientTable, FullBucketEvictsLeastRecentlySeen) {
  ClientTable t(1, SipKey{1, 2});  // one bucket of 4
  for (uint32_t i = 1; i <= 4; ++i) {
    LimiterState s{};
    s.last_hit = 100 + i;
    t.find_or_insert(IpAddress::from_v4(0x0a000000 + i), s, 1);
  }
  EXPECT_EQ(t.evictions(), 0u);
  t.find_or_insert(IpAddress::from_v4(0x0a0000ff), LimiterState{}, 1);
  EXPECT_EQ(t.evictions(), 1u);
  EXPECT_EQ(t.find(IpAddress::from_v4(0x0a000001)), nullptr);  // oldest went
  EXPECT_NE(t.find(IpAddress::from_v4(0x0a000004)), nullptr);
}

TEST(ClientTable, EstablishedClientsOutliveAFloodOfNewSources) {
  ClientTable t(1, SipKey{1, 2});  // one bucket of 4: every address competes for it
  const uint32_t now = 5000;
  for (uint32_t i = 1; i <= 2; ++i) {
    ClientRecord& r = t.find_or_insert(IpAddress::from_v4(0x0a000000 + i), LimiterState{}, now);
    r.hits = 2;
    r.limiter.last_hit = now;
  }
  for (uint32_t i = 0; i < 10000; ++i) {
    ClientRecord& r = t.find_or_insert(IpAddress::from_v4(0xc0000000 + i), LimiterState{}, now);
    r.hits = 1;
    r.limiter.last_hit = now + i / 100;
  }
  EXPECT_NE(t.find(IpAddress::from_v4(0x0a000001)), nullptr);
  EXPECT_NE(t.find(IpAddress::from_v4(0x0a000002)), nullptr);
  // Idle for longer than the longest polling interval: no longer protected.
  const uint32_t later = now + (1025u << 4);
  for (uint32_t i = 0; i < 4; ++i) {
    ClientRecord& r = t.find_or_insert(IpAddress::from_v4(0xc1000000 + i), LimiterState{}, later);
    r.hits = 1;
    r.limiter.last_hit = later;
  }
  EXPECT_EQ(t.find(IpAddress::from_v4(0x0a000001)), nullptr);
}

TEST(ClientTable, RandomAddressesFillMostOfTheTableBeforeEvicting) {
  ClientTable t(48 * 4096, SipKey{3, 4});
  std::mt19937_64 rng(7);
  const size_t n = t.capacity() * 3 / 4;
  for (size_t i = 0; i < n; ++i) {
    IpAddress a;
    const uint64_t r1 = rng(), r2 = rng();
    std::memcpy(a.bytes.data(), &r1, 8);
    std::memcpy(a.bytes.data() + 8, &r2, 8);
    LimiterState s{};
    s.last_hit = static_cast<uint32_t>(i + 1);
    t.find_or_insert(a, s, 1);
  }
  // Two-choice hashing over 4-way buckets at 75 % load: almost nothing is evicted (a single
  // 4-way bucket choice loses about 10 % here).
  EXPECT_LT(t.evictions(), n / 200);
}

TEST(ClientTable, ChosenAddressesDoNotCollideUnderASecretKey) {
  // An attacker who knows the bucket function without the key cannot aim: sequential
  // addresses spread over the buckets.
  ClientTable t(48 * 1024, random_sip_key());
  for (uint32_t i = 1; i <= 200; ++i) t.find_or_insert(IpAddress::from_v4(0xc6336400 + i), {}, 1);
  EXPECT_LT(t.evictions(), 20u);
}

}  // namespace
}  // namespace chronon::dp
