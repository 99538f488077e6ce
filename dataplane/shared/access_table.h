// The NTP access list as control publishes it: allow/deny subnets after chrony 4.3's rules
// have been applied (later identical subnet overrides; "all" clears what lies under it),
// compiled into a longest-prefix-match structure that is a fixed-size, trivially copyable
// value (it travels through the shared segment). Lookup: one hash probe per distinct prefix
// length present, longest first; the most specific matching subnet decides.
#pragma once

#include <cstdint>
#include <type_traits>

#include "dataplane/shared/ip_address.h"

namespace chronon::dp {

inline constexpr int kMaxAccessRules = 1024;
inline constexpr int kAccessSlots = 4096;  // hash slots: load factor <= 1/4

// IPv4 subnets live in the v4-mapped part of the 128-bit space, so an IPv6 subnet such as
// ::/0 would cover them too; chrony keeps the families apart, and so does the family tag.
inline constexpr uint8_t kFamilyV4 = 4;
inline constexpr uint8_t kFamilyV6 = 6;

struct AccessEntry {
  IpPrefix subnet;
  uint8_t allow;   // 1 allow, 0 deny
  uint8_t family;  // kFamilyV4 or kFamilyV6
};

struct AccessSlot {
  uint64_t prefix[2];  // masked address, as two 64-bit words in memory order
  uint8_t prefix_len;
  uint8_t allow;
  uint8_t used;
  uint8_t family;
};

struct AccessTable {
  uint32_t count = 0;            // rules after chrony's merging, in `entries`
  uint32_t n_lengths = 0;        // distinct prefix lengths, longest first, in `lengths`
  uint8_t lengths[129] = {};
  uint64_t masks[129][2] = {};   // mask words per prefix length
  AccessSlot slots[kAccessSlots] = {};
  AccessEntry entries[kMaxAccessRules] = {};
};
static_assert(std::is_trivially_copyable_v<AccessTable>);

// A rule as written in the configuration. An IPv4 subnet (v4-mapped, length >= 96) matches
// IPv4 clients only, any other subnet IPv6 clients only; `every_address` (allow/deny without
// a subnet) is chrony's "0/0 and ::/0".
struct AccessRuleSpec {
  bool allow;
  bool all;       // "allow all"/"deny all": clears more specific earlier rules under it
  IpPrefix subnet;
  bool every_address = false;
};

// Applies the rules in order and builds the lookup structure. Returns false if more than
// kMaxAccessRules distinct subnets remain, with the index of the rule that overflowed in
// *failed_rule (if given).
bool compile_access_table(const AccessRuleSpec* rules, int n, AccessTable* out,
                          int* failed_rule = nullptr);

// No rule matches -> denied (chronyd serves nobody without an allow).
bool access_allowed(const AccessTable& t, const IpAddress& a);

// The decision for every address of a family when the table leaves no choice (no rule of that
// family: 0; only the whole family, e.g. `allow all`: that rule's), else -1: look it up. Lets
// the dataplane skip the lookup for a public server's `allow`/`allow all`.
struct AccessShortcut {
  int8_t v4 = -1;
  int8_t v6 = -1;
  int8_t of(const IpAddress& a) const { return a.is_v4() ? v4 : v6; }
};
AccessShortcut access_shortcut(const AccessTable& t);

}  // namespace chronon::dp
