// chronon reload and SIGHUP: the configuration file read again while serving. What can change
// without a restart is applied (allow/deny and ratelimit, published to the dataplane as a new
// policy generation; the sources, compared line by line); a file with errors changes nothing.
#pragma once

#include <string>
#include <vector>

#include "control/config/config.h"
#include "control/source_driver.h"
#include "dataplane/shared/segment_layout.h"

namespace chronon::ctl {

struct ReloadOutcome {
  bool ok = false;
  // ok: what changed ("allow/deny: 3 rules, ratelimit: off, sources: 1 added, 0 removed");
  // otherwise the error, naming the file and line.
  std::string summary;
  // Warnings: directives that changed but need a restart, not-implemented directives.
  std::vector<std::string> notes;
};

// Reads `path` and applies it over `running` (the configuration in force, updated on
// success: its access rules, rate limit, sources and sourcedirs).
ReloadOutcome reload_config(const std::string& path, Config* running, dp::Segment& seg,
                            SourceDriver& sources);

}  // namespace chronon::ctl
