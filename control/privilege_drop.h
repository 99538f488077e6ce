// chronond's switch to the configured user after start-up (`chronond -u USER`, chrony.conf's
// `user`): what it hands to that user first (the directories it created, the shared segment,
// the command socket), the switch itself with the capabilities of capability_plan.h, and the
// warnings about what the user will not be able to write later.
#pragma once

#include <string>
#include <vector>

#include "control/config/config.h"
#include "sandbox/capability_plan.h"
#include "sandbox/user_credentials.h"

namespace chronon::ctl {

// The directories on the way to the file `path` that do not exist yet, outermost first
// (those chronond is about to create, and so may give to its user).
std::vector<std::string> missing_parent_dirs(const std::string& path);

// What chronond created or opened as root that its user must own afterwards.
struct HandOver {
  std::vector<std::string> created_dirs;  // removing the pid file and socket at exit, logs
  std::string segment;         // a restarted dataplane (running as the user) opens it again;
                               // its group (root) stays
  std::string command_socket;  // owned by the user, as chronyd's; its group stays cmdgroup's
};

sandbox::DataplaneKind dataplane_kind(const Config& cfg);
sandbox::PrivilegeNeeds privilege_needs(const Config& cfg, bool no_clock);

// Gives `h` to `user`, switches to it keeping the capabilities `plan` gives control, and
// returns warnings for the log (a driftfile or logdir the user cannot write). Throws
// std::runtime_error ("cannot drop privileges: ...", "cannot give PATH to user NAME: ...").
std::vector<std::string> drop_privileges(const sandbox::UserCredentials& user,
                                         const sandbox::CapabilityPlan& plan, const HandOver& h,
                                         const Config& cfg);

}  // namespace chronon::ctl
