// Access policy compilation and publication; see policy_publisher.h.
#include "control/policy_publisher.h"

#include <memory>

namespace chronon::ctl {

void compile_access(const std::vector<AccessRule>& rules, dp::AccessTable* out) {
  std::vector<dp::AccessRuleSpec> specs;
  specs.reserve(rules.size());
  for (const AccessRule& r : rules) {
    // No subnet: every IPv4 and IPv6 address (chrony's "0/0 and ::/0").
    specs.push_back(r.subnet ? dp::AccessRuleSpec{r.allow, r.all, *r.subnet, false}
                             : dp::AccessRuleSpec{r.allow, r.all, dp::IpPrefix{}, true});
  }
  int failed = 0;
  if (!dp::compile_access_table(specs.data(), static_cast<int>(specs.size()), out, &failed)) {
    throw ConfigError(rules[static_cast<size_t>(failed)].where.str() +
                      ": too many distinct allow/deny subnets (at most " +
                      std::to_string(dp::kMaxAccessRules) + ")");
  }
}

dp::RateLimitParams rate_limit_params(const RateLimitConfig& r) {
  if (!r.enabled) return dp::RateLimitParams{};
  return dp::make_rate_limit(r.interval_log2, r.burst, r.leak, static_cast<uint32_t>(r.kod));
}

void publish_policy(dp::Segment& seg, const dp::AccessTable& access,
                    const RateLimitConfig& ratelimit) {
  auto policy = std::make_unique<dp::Policy>();
  policy->generation = seg.policy_generation.load() + 1;
  policy->access = access;
  policy->rate_limit = rate_limit_params(ratelimit);
  seg.policy.write(*policy);
  seg.policy_generation.store(policy->generation, std::memory_order_release);
}

}  // namespace chronon::ctl
