// The NTP access list as control publishes it: allow/deny subnets after chrony 4.3's rules
// have been applied (later identical subnet overrides; "all" clears what lies under it), as a
// fixed-size, trivially copyable table. Lookup: the most specific matching subnet decides.
#pragma once

#include <cstdint>
#include <type_traits>

#include "dataplane/shared/ip_address.h"

namespace chronon::dp {

inline constexpr int kMaxAccessRules = 1024;

struct AccessEntry {
  IpPrefix subnet;
  uint8_t allow;  // 1 allow, 0 deny
};

struct AccessTable {
  uint32_t count = 0;
  AccessEntry entries[kMaxAccessRules];
};
static_assert(std::is_trivially_copyable_v<AccessTable>);

// A rule as written in the configuration; `subnet` with prefix_len 0 and `v4_only`/`v6_only`
// false means every address ("allow" with no argument).
struct AccessRuleSpec {
  bool allow;
  bool all;       // "allow all"/"deny all": clears more specific earlier rules under it
  IpPrefix subnet;
};

// Applies the rules in order. Returns false if more than kMaxAccessRules distinct subnets.
bool compile_access_table(const AccessRuleSpec* rules, int n, AccessTable* out);

// No rule matches -> denied (chronyd serves nobody without an allow).
bool access_allowed(const AccessTable& t, const IpAddress& a);

}  // namespace chronon::dp
