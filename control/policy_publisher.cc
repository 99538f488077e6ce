// Access policy compilation and publication; see policy_publisher.h.
#include "control/policy_publisher.h"

#include <memory>

namespace chronon::ctl {

void compile_access(const std::vector<AccessRule>& rules, dp::AccessTable* out) {
  std::vector<dp::AccessRuleSpec> specs;
  specs.reserve(rules.size());
  for (const AccessRule& r : rules) {
    // No subnet: every address, IPv4 and IPv6 (the whole 128-bit space).
    const dp::IpPrefix subnet = r.subnet ? *r.subnet : dp::IpPrefix{};
    specs.push_back(dp::AccessRuleSpec{r.allow, r.all, subnet});
  }
  if (!dp::compile_access_table(specs.data(), static_cast<int>(specs.size()), out)) {
    throw ConfigError("too many distinct allow/deny subnets (at most " +
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
