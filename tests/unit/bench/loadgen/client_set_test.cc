#include "bench/loadgen/client_set.h"

#include <gtest/gtest.h>

#include <set>

namespace chronon::bench {
namespace {

TEST(ClientSet, AddressesAreDistinctInsideTheSubnetAndMapBack) {
  const auto s = ClientSet::make(0x0ac80000, 20, 4094);  // 10.200.0.0/20: all of it
  ASSERT_TRUE(s);
  std::set<uint32_t> seen;
  for (uint32_t i = 0; i < s->count(); ++i) {
    const uint32_t a = s->address(i);
    EXPECT_EQ(a & 0xfffff000u, 0x0ac80000u) << i;
    EXPECT_NE(a & 0xfffu, 0xfffu) << "client " << i << " has the broadcast address";
    EXPECT_NE(a & 0xfffu, 0u) << "client " << i << " has the subnet's own address";
    EXPECT_TRUE(seen.insert(a).second) << "address of client " << i << " repeats";
    ASSERT_EQ(s->index_of(a), i);
  }
}

TEST(ClientSet, AddressesOutsideTheSetAreNobodys) {
  const auto s = ClientSet::make(0x0ac80000, 16, 100);
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->index_of(0x0ac90001));  // another subnet
  int outside = 0;
  for (uint32_t host = 0; host < 65536; ++host) {
    if (!s->index_of(0x0ac80000 | host)) ++outside;
  }
  EXPECT_EQ(outside, 65536 - 100);
}

TEST(ClientSet, NoSizeOfSetGivesAClientTheBroadcastAddress) {
  for (int prefix : {24, 22, 20}) {
    const uint32_t mask = (1u << (32 - prefix)) - 1;
    for (uint32_t count = 1; count <= mask - 1; count += prefix == 24 ? 1 : 37) {
      const auto s = ClientSet::make(0x0ac80000, prefix, count);
      ASSERT_TRUE(s);
      std::set<uint32_t> seen;
      for (uint32_t i = 0; i < count; ++i) {
        const uint32_t host = s->address(i) & mask;
        ASSERT_NE(host, mask) << "/" << prefix << ", " << count << " clients, client " << i;
        ASSERT_NE(host, 0u) << "/" << prefix << ", " << count << " clients, client " << i;
        ASSERT_TRUE(seen.insert(host).second);
        ASSERT_EQ(s->index_of(s->address(i)), i);
      }
      EXPECT_FALSE(s->index_of(0x0ac80000 | mask));
    }
  }
}

TEST(ClientSet, RefusesCountsTheSubnetCannotHold) {
  EXPECT_FALSE(ClientSet::make(0x0ac80000, 24, 255));
  EXPECT_TRUE(ClientSet::make(0x0ac80000, 24, 254));
  EXPECT_FALSE(ClientSet::make(0x0ac80000, 24, 0));
  EXPECT_FALSE(ClientSet::make(0x0ac80000, 31, 1));
}

TEST(ClientSet, PortsAreUnprivilegedAndVaried) {
  const auto s = ClientSet::make(0x0ac80000, 16, 1000);
  std::set<uint16_t> ports;
  for (uint32_t i = 0; i < 1000; ++i) {
    EXPECT_GE(s->port(i), 1024);
    ports.insert(s->port(i));
  }
  EXPECT_GT(ports.size(), 900u);
}

}  // namespace
}  // namespace chronon::bench
