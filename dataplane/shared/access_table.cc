// Access table compilation and lookup.
#include "dataplane/shared/access_table.h"

#include <algorithm>
#include <cstring>

namespace chronon::dp {

namespace {

bool covers(const AccessEntry& outer, const AccessEntry& inner) {
  return outer.family == inner.family && inner.subnet.prefix_len >= outer.subnet.prefix_len &&
         outer.subnet.contains(inner.subnet.addr);
}

uint8_t family_of(const IpPrefix& p) {
  return p.addr.is_v4() && p.prefix_len >= 96 ? kFamilyV4 : kFamilyV6;
}

// IPv4's whole space: ::ffff:0.0.0.0/96.
IpPrefix all_v4() { return IpPrefix{IpAddress::from_v4(0), 96}; }

// chrony (addrfilt.c) keeps rules in a tree that branches 4 bits at a time: a rule whose
// length is not a multiple of 4 is written into every node of the next multiple of 4 under
// it, overwriting earlier rules of those lengths. So a later /22 replaces an earlier /23 or
// /24 inside it (but not a /25), and chronon does the same.
bool overwritten(const AccessEntry& rule, const AccessEntry& earlier) {
  const int len = rule.subnet.prefix_len;
  const int rounded = (len + 3) / 4 * 4;
  return covers(rule, earlier) && earlier.subnet.prefix_len <= rounded;
}

bool apply(const AccessEntry& rule, bool all, AccessTable* out) {
  uint32_t w = 0;
  for (uint32_t j = 0; j < out->count; ++j) {
    const AccessEntry& e = out->entries[j];
    const bool same = e.family == rule.family && e.subnet == rule.subnet;
    const bool cleared = (all && covers(rule, e)) || overwritten(rule, e);
    if (!same && !cleared) out->entries[w++] = e;
  }
  out->count = w;
  if (out->count >= static_cast<uint32_t>(kMaxAccessRules)) return false;
  out->entries[out->count++] = rule;
  return true;
}

void mask_words(int len, uint64_t out[2]) {
  uint8_t bytes[16] = {};
  for (int i = 0; i < 16; ++i) {
    const int bits = len - 8 * i;
    bytes[i] = bits >= 8 ? 0xff : bits <= 0 ? 0 : static_cast<uint8_t>(0xff << (8 - bits));
  }
  std::memcpy(out, bytes, 16);
}

inline uint32_t slot_hash(uint64_t w0, uint64_t w1, uint8_t len, uint8_t family) {
  const uint64_t h = (w0 * 0x9E3779B97F4A7C15ULL) ^ (w1 * 0xC2B2AE3D27D4EB4FULL) ^
                     (static_cast<uint64_t>(len | family << 8) * 0x165667B19E3779F9ULL);
  return static_cast<uint32_t>(h >> 40) & (kAccessSlots - 1);
}

}  // namespace

bool compile_access_table(const AccessRuleSpec* rules, int n, AccessTable* out,
                          int* failed_rule) {
  *out = AccessTable{};
  // chrony's order-dependent semantics first, on a plain list.
  for (int i = 0; i < n; ++i) {
    const AccessRuleSpec& r = rules[i];
    const uint8_t allow = r.allow ? 1 : 0;
    const bool ok =
        r.every_address
            ? apply(AccessEntry{all_v4(), allow, kFamilyV4}, r.all, out) &&
                  apply(AccessEntry{IpPrefix{}, allow, kFamilyV6}, r.all, out)
            : apply(AccessEntry{r.subnet, allow, family_of(r.subnet)}, r.all, out);
    if (!ok) {
      if (failed_rule != nullptr) *failed_rule = i;
      return false;
    }
  }
  // Then the lookup structure: distinct lengths (longest first) and a hash of prefixes.
  bool present[129] = {};
  for (uint32_t i = 0; i < out->count; ++i) present[out->entries[i].subnet.prefix_len] = true;
  for (int len = 128; len >= 0; --len) {
    mask_words(len, out->masks[len]);
    if (present[len]) out->lengths[out->n_lengths++] = static_cast<uint8_t>(len);
  }
  for (uint32_t i = 0; i < out->count; ++i) {
    const AccessEntry& e = out->entries[i];
    uint64_t w[2];
    std::memcpy(w, e.subnet.addr.bytes.data(), 16);
    w[0] &= out->masks[e.subnet.prefix_len][0];
    w[1] &= out->masks[e.subnet.prefix_len][1];
    uint32_t s = slot_hash(w[0], w[1], e.subnet.prefix_len, e.family);
    while (out->slots[s].used) s = (s + 1) & (kAccessSlots - 1);
    out->slots[s] = AccessSlot{{w[0], w[1]}, e.subnet.prefix_len, e.allow, 1, e.family};
  }
  return true;
}

bool access_allowed(const AccessTable& t, const IpAddress& a) {
  uint64_t w[2];
  std::memcpy(w, a.bytes.data(), 16);
  const uint8_t family = a.is_v4() ? kFamilyV4 : kFamilyV6;
  for (uint32_t i = 0; i < t.n_lengths; ++i) {
    const uint8_t len = t.lengths[i];
    if (family == kFamilyV4 && len < 96) break;  // shorter prefixes are all IPv6 rules
    const uint64_t m0 = w[0] & t.masks[len][0], m1 = w[1] & t.masks[len][1];
    for (uint32_t s = slot_hash(m0, m1, len, family);; s = (s + 1) & (kAccessSlots - 1)) {
      const AccessSlot& slot = t.slots[s];
      if (!slot.used) break;
      if (slot.prefix_len == len && slot.family == family && slot.prefix[0] == m0 &&
          slot.prefix[1] == m1)
        return slot.allow != 0;
    }
  }
  return false;
}

AccessShortcut access_shortcut(const AccessTable& t) {
  AccessShortcut out;
  const auto decide = [&t](uint8_t family, int whole_len) -> int8_t {
    int8_t d = 0;  // no rule: denied
    for (uint32_t i = 0; i < t.count; ++i) {
      const AccessEntry& e = t.entries[i];
      if (e.family != family) continue;
      if (e.subnet.prefix_len != whole_len) return -1;  // a choice within the family
      d = static_cast<int8_t>(e.allow);
    }
    return d;
  };
  out.v4 = decide(kFamilyV4, 96);
  out.v6 = decide(kFamilyV6, 0);
  return out;
}

}  // namespace chronon::dp
