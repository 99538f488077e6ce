// Turns the configuration's allow/deny rules into the access table the dataplane uses, and
// publishes it with a new generation number.
#pragma once

#include <string>
#include <vector>

#include "control/config/config.h"
#include "dataplane/shared/segment_layout.h"

namespace chronon::ctl {

// Throws ConfigError naming the rule that overflowed the table.
void compile_access(const std::vector<AccessRule>& rules, dp::AccessTable* out);

// Publishes `access` as the new policy (generation = previous + 1).
void publish_policy(dp::Segment& seg, const dp::AccessTable& access);

}  // namespace chronon::ctl
