// Tests for the access table: chrony 4.3's allow/deny semantics.
#include "dataplane/shared/access_table.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <vector>

namespace chronon::dp {
namespace {

struct Rule {
  bool allow;
  bool all;
  const char* subnet;
};

std::unique_ptr<AccessTable> compile(std::vector<Rule> rules) {
  std::vector<AccessRuleSpec> specs;
  for (const Rule& r : rules) {
    const auto p = parse_prefix(r.subnet);
    EXPECT_TRUE(p.has_value()) << r.subnet;
    specs.push_back({r.allow, r.all, p.value_or(IpPrefix{})});
  }
  auto t = std::make_unique<AccessTable>();
  EXPECT_TRUE(compile_access_table(specs.data(), static_cast<int>(specs.size()), t.get()));
  return t;
}

bool allowed(const AccessTable& t, const char* ip) { return access_allowed(t, *parse_ip(ip)); }

TEST(AccessTable, NoRuleDeniesEveryone) {
  auto t = compile({});
  EXPECT_FALSE(allowed(*t, "127.0.0.1"));
  EXPECT_FALSE(allowed(*t, "::1"));
}

TEST(AccessTable, MostSpecificSubnetWins) {
  auto t = compile({{true, false, "10.0.0.0/8"}, {false, false, "10.1.0.0/16"},
                    {true, false, "10.1.2.0/24"}});
  EXPECT_TRUE(allowed(*t, "10.2.0.1"));
  EXPECT_FALSE(allowed(*t, "10.1.3.1"));
  EXPECT_TRUE(allowed(*t, "10.1.2.3"));
  EXPECT_FALSE(allowed(*t, "11.0.0.1"));
}

TEST(AccessTable, LaterIdenticalSubnetOverrides) {
  auto t = compile({{true, false, "10.0.0.0/8"}, {false, false, "10.0.0.0/8"}});
  EXPECT_FALSE(allowed(*t, "10.0.0.1"));
}

// chrony's 4-bit tree: a later rule whose length is not a multiple of 4 overwrites earlier
// rules inside it up to the next multiple of 4, not beyond.
TEST(AccessTable, LaterRuleOverwritesUpToTheNextNibbleLikeChrony) {
  auto t = compile({{false, false, "10.0.0.0/24"}, {true, false, "10.0.0.0/22"}});
  EXPECT_TRUE(allowed(*t, "10.0.0.1"));
  auto u = compile({{false, false, "10.0.0.0/23"}, {true, false, "10.0.0.0/22"}});
  EXPECT_TRUE(allowed(*u, "10.0.1.1"));
  auto v = compile({{false, false, "10.0.0.0/25"}, {true, false, "10.0.0.0/22"}});
  EXPECT_FALSE(allowed(*v, "10.0.0.1"));   // /25 lies below the /24 nodes: kept
  EXPECT_TRUE(allowed(*v, "10.0.0.200"));
  auto w = compile({{false, false, "10.0.0.0/24"}, {true, false, "10.0.0.0/20"}});
  EXPECT_FALSE(allowed(*w, "10.0.0.1"));   // /20 is a whole nibble: more specific /24 kept
  auto x = compile({{false, false, "2001:db8::/48"}, {true, false, "2001:db8::/46"}});
  EXPECT_TRUE(allowed(*x, "2001:db8::1"));
}

TEST(AccessTable, AllClearsMoreSpecificEarlierRules) {
  auto t = compile({{false, false, "10.1.0.0/16"}, {true, true, "10.0.0.0/8"}});
  EXPECT_TRUE(allowed(*t, "10.1.0.1"));
  auto u = compile({{true, false, "10.1.0.0/16"}, {false, true, "10.0.0.0/8"}});
  EXPECT_FALSE(allowed(*u, "10.1.0.1"));
}

// chrony keeps the families apart: an IPv6 subnet never matches an IPv4 client, even one
// that covers the v4-mapped range, and IPv4's 0/0 never matches IPv6.
TEST(AccessTable, Ipv6SubnetsDoNotCoverIpv4) {
  auto t = compile({{true, false, "::/0"}});
  EXPECT_TRUE(allowed(*t, "2001:db8::1"));
  EXPECT_FALSE(allowed(*t, "192.0.2.1"));
  auto u = compile({{true, false, "0/0"}, {false, false, "::/0"}});
  EXPECT_TRUE(allowed(*u, "192.0.2.1"));
  EXPECT_FALSE(allowed(*u, "2001:db8::1"));
  auto v = compile({{true, false, "::ffff:0:0/80"}});
  EXPECT_FALSE(allowed(*v, "192.0.2.1"));
}

TEST(AccessTable, NoSubnetMeansBothFamiliesAndAllClearsBoth) {
  std::vector<AccessRuleSpec> specs = {{false, false, *parse_prefix("10.0.0.0/8")},
                                       {false, false, *parse_prefix("2001:db8::/32")},
                                       {true, true, IpPrefix{}, true}};
  auto t = std::make_unique<AccessTable>();
  ASSERT_TRUE(compile_access_table(specs.data(), 3, t.get()));
  EXPECT_TRUE(allowed(*t, "10.1.1.1"));
  EXPECT_TRUE(allowed(*t, "2001:db8::1"));
  EXPECT_EQ(t->count, 2u);  // 0/0 and ::/0
}

TEST(AccessTable, OverflowNamesTheRule) {
  std::vector<AccessRuleSpec> specs;
  for (uint32_t i = 0; i < kMaxAccessRules + 5; ++i)
    specs.push_back({true, false, IpPrefix{IpAddress::from_v4(0x0a000000 + (i << 8)), 120}});
  auto t = std::make_unique<AccessTable>();
  int failed = -1;
  EXPECT_FALSE(compile_access_table(specs.data(), static_cast<int>(specs.size()), t.get(), &failed));
  EXPECT_EQ(failed, kMaxAccessRules);  // the first rule that does not fit
}

TEST(AccessTable, Ipv6AndIpv4AreSeparate) {
  auto t = compile({{true, false, "::1"}, {true, false, "127.0.0.0/8"}});
  EXPECT_TRUE(allowed(*t, "::1"));
  EXPECT_TRUE(allowed(*t, "127.0.0.1"));
  EXPECT_FALSE(allowed(*t, "::2"));
  EXPECT_FALSE(allowed(*t, "128.0.0.1"));
}

IpPrefix masked(IpAddress a, int len) {
  for (int i = 0; i < 16; ++i) {
    const int bits = len - 8 * i;
    if (bits <= 0) a.bytes[i] = 0;
    else if (bits < 8) a.bytes[i] &= static_cast<uint8_t>(0xff << (8 - bits));
  }
  return IpPrefix{a, static_cast<uint8_t>(len)};
}

// The compiled hash must agree with a plain longest-match scan over the merged rules.
TEST(AccessShortcut, DecidesAFamilyOnlyWhenNoRuleWithinItCouldChooseOtherwise) {
  const AccessShortcut none = access_shortcut(*compile({}));
  EXPECT_EQ(none.v4, 0);
  EXPECT_EQ(none.v6, 0);
  auto all = std::make_unique<AccessTable>();
  const AccessRuleSpec every{true, false, IpPrefix{}, true};  // `allow` without a subnet
  ASSERT_TRUE(compile_access_table(&every, 1, all.get()));
  EXPECT_EQ(access_shortcut(*all).v4, 1);
  EXPECT_EQ(access_shortcut(*all).v6, 1);
  // `allow all` then `deny all`: the later whole-family rule decides.
  const AccessShortcut flipped =
      access_shortcut(*compile({{true, true, "0.0.0.0/0"}, {false, true, "0.0.0.0/0"}}));
  EXPECT_EQ(flipped.v4, 0);
  EXPECT_EQ(flipped.v6, 0);  // no IPv6 rule at all
  // A subnet within a family leaves the choice to the lookup, for that family only.
  const AccessShortcut some = access_shortcut(*compile({{true, false, "10.0.0.0/8"}, {true, true, "::/0"}}));
  EXPECT_EQ(some.v4, -1);
  EXPECT_EQ(some.v6, 1);
  const AccessShortcut except =
      access_shortcut(*compile({{true, true, "::/0"}, {false, false, "2001:db8::/32"}}));
  EXPECT_EQ(except.v6, -1);
  EXPECT_EQ(except.v4, 0);
}

TEST(AccessShortcut, AgreesWithTheLookupWheneverItDecides) {
  std::mt19937_64 rng(11);
  const char* subnets[] = {"0.0.0.0/0", "::/0", "10.0.0.0/8", "10.1.0.0/16", "2001:db8::/32",
                           "192.0.2.1/32"};
  const char* clients[] = {"10.1.2.3", "192.0.2.1", "198.51.100.7", "2001:db8::1", "fe80::1",
                           "2a00::5"};
  int decided = 0;
  for (int round = 0; round < 2000; ++round) {
    std::vector<Rule> rules;
    const int n = static_cast<int>(rng() % 4);
    for (int i = 0; i < n; ++i) {
      // Whole-family rules most of the time, so that the shortcut often decides.
      const char* sub = subnets[rng() % 3 == 0 ? rng() % 6 : rng() % 2];
      rules.push_back({rng() % 2 == 0, rng() % 3 == 0, sub});
    }
    const auto t = compile(rules);
    const AccessShortcut sc = access_shortcut(*t);
    for (const char* c : clients) {
      const IpAddress a = *parse_ip(c);
      if (sc.of(a) < 0) continue;
      ++decided;
      ASSERT_EQ(sc.of(a) == 1, access_allowed(*t, a)) << c << " in round " << round;
    }
  }
  EXPECT_GT(decided, 2000);
}

TEST(AccessTable, CompiledLookupMatchesLinearScan) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 20; ++round) {
    std::vector<AccessRuleSpec> specs;
    const int n = 1 + static_cast<int>(rng() % 300);
    for (int i = 0; i < n; ++i) {
      IpAddress a{};
      const bool v6 = rng() % 2;
      if (v6) {
        for (auto& b : a.bytes) b = static_cast<uint8_t>(rng() % 4);
      } else {
        a = *parse_ip("10.0.0.0");
        for (int k = 13; k < 16; ++k) a.bytes[k] = static_cast<uint8_t>(rng() % 4);
      }
      const int len = v6 ? static_cast<int>(rng() % 129) : 96 + static_cast<int>(rng() % 33);
      specs.push_back({rng() % 2 == 0, rng() % 10 == 0, masked(a, len)});
    }
    auto t = std::make_unique<AccessTable>();
    ASSERT_TRUE(compile_access_table(specs.data(), n, t.get()));
    for (int q = 0; q < 2000; ++q) {
      IpAddress a{};
      if (rng() % 2) {
        for (auto& b : a.bytes) b = static_cast<uint8_t>(rng() % 4);
      } else {
        a = *parse_ip("10.0.0.0");
        for (int k = 13; k < 16; ++k) a.bytes[k] = static_cast<uint8_t>(rng() % 4);
      }
      int best = -1;
      bool expect = false;
      const uint8_t family = a.is_v4() ? kFamilyV4 : kFamilyV6;
      for (uint32_t i = 0; i < t->count; ++i) {
        const AccessEntry& e = t->entries[i];
        if (e.family == family && e.subnet.contains(a) && e.subnet.prefix_len > best) {
          best = e.subnet.prefix_len;
          expect = e.allow != 0;
        }
      }
      ASSERT_EQ(access_allowed(*t, a), expect) << to_string(a);
    }
  }
}

TEST(IpAddress, ShortIpv4FormsAreNetworks) {
  EXPECT_EQ(to_string(*parse_prefix("10")), "10.0.0.0/8");
  EXPECT_EQ(to_string(*parse_prefix("192.168")), "192.168.0.0/16");
  EXPECT_EQ(to_string(*parse_prefix("192.168.1")), "192.168.1.0/24");
  EXPECT_EQ(to_string(*parse_prefix("192.168.1.7/24")), "192.168.1.0/24");
  EXPECT_EQ(to_string(*parse_prefix("10/8")), "10.0.0.0/8");
  EXPECT_EQ(to_string(*parse_prefix("172.16/12")), "172.16.0.0/12");
  EXPECT_EQ(to_string(*parse_prefix("0/0")), "0.0.0.0/0");
  EXPECT_EQ(to_string(*parse_prefix("2001:db8::1/32")), "2001:db8::/32");
}

TEST(IpAddress, BadSubnetsAreRejected) {
  EXPECT_EQ(to_string(*parse_prefix("::ffff:0:0/80")), "::/80");
  // IPv4-mapped IPv6 subnets are refused: chrony treats them as IPv6, matching no IPv4 client.
  for (const char* bad : {"", "1.2.3.4/33", "::/129", "300.1", "1.2.3.4/x", "a.b", "1..2", "1.2/",
                          "::ffff:127.0.0.1", "::ffff:0:0/96"})
    EXPECT_FALSE(parse_prefix(bad).has_value()) << bad;
}

}  // namespace
}  // namespace chronon::dp
