// Turns the configuration's allow/deny rules and ratelimit into the policy the dataplane
// uses, and publishes it with a new generation number.
#pragma once

#include <string>
#include <vector>

#include "control/config/config.h"
#include "dataplane/core/rate_limiter.h"
#include "dataplane/shared/segment_layout.h"

namespace chronon::ctl {

// Throws ConfigError naming the rule that overflowed the table.
void compile_access(const std::vector<AccessRule>& rules, dp::AccessTable* out);

// The dataplane's limiter parameters for `ratelimit` (disabled when the directive is absent).
dp::RateLimitParams rate_limit_params(const RateLimitConfig& r);

// Publishes `access` and the rate limit as the new policy (generation = previous + 1).
void publish_policy(dp::Segment& seg, const dp::AccessTable& access,
                    const RateLimitConfig& ratelimit);

}  // namespace chronon::ctl
