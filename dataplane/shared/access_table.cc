// Access table compilation and lookup.
#include "dataplane/shared/access_table.h"

namespace chronon::dp {

namespace {
bool covers(const IpPrefix& outer, const IpPrefix& inner) {
  return inner.prefix_len >= outer.prefix_len && outer.contains(inner.addr);
}
}  // namespace

bool compile_access_table(const AccessRuleSpec* rules, int n, AccessTable* out) {
  out->count = 0;
  for (int i = 0; i < n; ++i) {
    const AccessRuleSpec& r = rules[i];
    uint32_t w = 0;
    for (uint32_t j = 0; j < out->count; ++j) {
      const AccessEntry& e = out->entries[j];
      const bool same = e.subnet == r.subnet;
      const bool cleared = r.all && covers(r.subnet, e.subnet);
      if (!same && !cleared) out->entries[w++] = e;
    }
    out->count = w;
    if (out->count >= static_cast<uint32_t>(kMaxAccessRules)) return false;
    out->entries[out->count++] = AccessEntry{r.subnet, static_cast<uint8_t>(r.allow ? 1 : 0)};
  }
  return true;
}

bool access_allowed(const AccessTable& t, const IpAddress& a) {
  int best_len = -1;
  bool allowed = false;
  for (uint32_t i = 0; i < t.count; ++i) {
    const AccessEntry& e = t.entries[i];
    if (static_cast<int>(e.subnet.prefix_len) > best_len && e.subnet.contains(a)) {
      best_len = e.subnet.prefix_len;
      allowed = e.allow != 0;
    }
  }
  return allowed;
}

}  // namespace chronon::dp
