// chronond's privilege drop; see privilege_drop.h.
#include "control/privilege_drop.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "sandbox/privileges.h"

namespace chronon::ctl {

namespace {

void give(const std::string& path, uid_t uid, gid_t gid, const std::string& user) {
  if (path.empty()) return;
  if (chown(path.c_str(), uid, gid) != 0) {
    throw std::runtime_error("cannot give " + path + " to user " + user + ": " +
                             std::strerror(errno));
  }
}

std::string dir_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

std::vector<std::string> missing_parent_dirs(const std::string& path) {
  std::vector<std::string> out;
  for (size_t pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1)) {
    const std::string dir = path.substr(0, pos);
    struct stat st {};
    if (stat(dir.c_str(), &st) != 0 && errno == ENOENT) out.push_back(dir);
  }
  return out;
}

sandbox::DataplaneKind dataplane_kind(const Config& cfg) {
  using K = DataplaneConfig::Kind;
  switch (cfg.dataplane.kind) {
    case K::kAfxdp:
      return sandbox::DataplaneKind::kAfxdp;
    case K::kDpdk:
      return sandbox::DataplaneKind::kDpdk;
    case K::kInline:
      return sandbox::DataplaneKind::kInline;
    case K::kNone:
      return sandbox::DataplaneKind::kNone;
    default:
      return sandbox::DataplaneKind::kSocket;
  }
}

sandbox::PrivilegeNeeds privilege_needs(const Config& cfg, bool no_clock) {
  return {dataplane_kind(cfg), !no_clock, cfg.port, !cfg.hwtimestamps.empty()};
}

std::vector<std::string> drop_privileges(const sandbox::UserCredentials& user,
                                         const sandbox::CapabilityPlan& plan, const HandOver& h,
                                         const Config& cfg) {
  for (const auto& d : h.created_dirs) give(d, user.uid, user.gid, user.name);
  // Files keep their group (root's, or cmdgroup's for the socket): the user's own group may be
  // shared with others (nobody's nogroup), who must not read the policy or send commands.
  give(h.segment, user.uid, static_cast<gid_t>(-1), user.name);
  give(h.command_socket, user.uid, static_cast<gid_t>(-1), user.name);
  sandbox::switch_user(user, plan.control, plan.dataplane_start);
  // Now as the user: what it will fail to write later is better said at start.
  std::vector<std::string> warnings;
  auto check = [&](const std::string& what, const std::string& dir) {
    if (access(dir.c_str(), W_OK | X_OK) != 0) {
      warnings.push_back(what + ": " + sandbox::describe(user) + " cannot write to " + dir + " (" +
                         std::strerror(errno) + ")");
    }
  };
  if (!cfg.driftfile.empty()) check("driftfile " + cfg.driftfile, dir_of(cfg.driftfile));
  if (!cfg.logdir.empty() && !cfg.log.empty()) check("logdir", cfg.logdir);
  return warnings;
}

}  // namespace chronon::ctl
