// What chronond works out before its loop runs: the checks that can fail a start before it
// detaches, the dataplane's command line and readiness, and the start-up lines that say what
// is served from where.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "control/config/config.h"
#include "control/dataplane_supervisor.h"
#include "dataplane/shared/access_table.h"
#include "dataplane/shared/segment.h"

namespace chronon::ctl {

// A stable hash of the dataplane's arguments (a running dataplane with other arguments is
// replaced, not adopted).
uint64_t fnv1a(const std::vector<std::string>& parts);

// What can be checked without starting anything (interfaces, PHC devices, option pairs),
// checked before detaching. Throws ConfigError. Returns the compiled access table.
std::unique_ptr<dp::AccessTable> check_startable(const Config& cfg);

// chronon-dataplane's command line for the configured backend; `user` (chronond -u) and
// `filter_level` (-F) are passed on when set, so a dataplane started without them is
// replaced rather than adopted.
std::vector<std::string> dataplane_argv(const std::string& binary, const std::string& segment,
                                        const Config& cfg, const std::string& user = "",
                                        int filter_level = 0);

// Waits until the dataplane has opened its sockets (it records its pid in the segment) or
// has exited. Returns false on exit or timeout.
bool wait_dataplane_ready(const dp::Segment& seg, const DataplaneSupervisor& sup);

// "UDP port 123 on ... (socket backend)" and the like, for the start-up line.
std::string where_served(const Config& cfg);
// What is served at first: local stratum, unsynchronised, or sources being waited for.
std::string starting_reference(const Config& cfg);

}  // namespace chronon::ctl
