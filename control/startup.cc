// Start-up checks and descriptions; see startup.h.
#include "control/startup.h"

#include <net/if.h>
#include <poll.h>
#include <strings.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "control/policy_publisher.h"
#include "dataplane/shared/cpu_list.h"
#include "control/refclock/phc_refclock.h"

namespace chronon::ctl {

uint64_t fnv1a(const std::vector<std::string>& parts) {
  uint64_t h = 1469598103934665603ULL;
  for (const auto& p : parts) {
    for (unsigned char c : p) h = (h ^ c) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
  }
  return h;
}

// What can be checked without starting anything, checked before detaching. Returns the
// compiled access table, which run() publishes.
std::unique_ptr<dp::AccessTable> check_startable(const Config& cfg) {
  if (cfg.dataplane.kind == DataplaneConfig::Kind::kAfxdp &&
      if_nametoindex(cfg.dataplane.iface.c_str()) == 0) {
    throw ConfigError(cfg.dataplane.where.str() + ": no network interface '" +
                           cfg.dataplane.iface + "'");
  }
  for (const auto& rc : cfg.refclocks) {
    if (strcasecmp(rc.driver.c_str(), "phc") != 0) continue;
    const std::string dev = "/dev/ptp" + std::to_string(phc_index_of(rc));
    if (access(dev.c_str(), R_OK) != 0) {
      throw ConfigError(rc.where.str() + ": refclock PHC " + dev + ": " + std::strerror(errno));
    }
    if (rc.tai && cfg.leapsectz.empty() && cfg.leapseclist.empty()) {
      throw ConfigError(rc.where.str() + ": refclock option 'tai' needs 'leapsectz' or "
                             "'leapseclist' (for TAI - UTC)");
    }
  }
  auto access = std::make_unique<dp::AccessTable>();
  compile_access(cfg.ntp_access, access.get());
  return access;
}


std::vector<std::string> dataplane_argv(const std::string& binary, const std::string& segment,
                                        const Config& cfg, const std::string& user,
                                        int filter_level) {
  std::vector<std::string> a = {binary, "--segment", segment, "--port",
                                std::to_string(cfg.port), "--clientlog-bytes",
                                std::to_string(cfg.clientloglimit)};
  const DataplaneConfig& d = cfg.dataplane;
  if (d.kind == DataplaneConfig::Kind::kAfxdp) {
    a.insert(a.end(), {"--backend", "afxdp", "--interface", d.iface, "--queues",
                       std::to_string(d.queues), "--xsk-mode",
                       d.zerocopy ? "zerocopy" : d.copy ? "copy" : "auto", "--xdp-mode",
                       d.xdp_mode.empty() ? "auto" : d.xdp_mode});
    if (!d.cpus.empty()) a.insert(a.end(), {"--cpus", dp::format_cpu_list(d.cpus)});
  } else if (d.kind == DataplaneConfig::Kind::kDpdk) {
    a.insert(a.end(), {"--backend", "dpdk", "--interface", d.iface, "--queues",
                       std::to_string(d.queues), "--tap", d.tap});
    if (!d.lcores.empty()) a.insert(a.end(), {"--lcores", d.lcores});
    if (!d.eal_args.empty()) a.insert(a.end(), {"--eal", d.eal_args});
  } else {
    a.insert(a.end(), {"--backend", "socket", "--threads", std::to_string(d.threads)});
  }
  for (const auto& h : cfg.hwtimestamps) {
    // IFACE,MINPOLL,MINSAMPLES,MAXSAMPLES,RXCOMP,RXFILTER (chronon-dataplane --help).
    a.push_back("--hwtimestamp");
    a.push_back(fmt::format("{},{},{},{},{},{}", h.iface, h.minpoll, h.minsamples, h.maxsamples,
                            h.rxcomp_s, h.rxfilter));
  }
  for (const auto& b : cfg.bindaddress) {
    a.push_back("--bind");
    a.push_back(b);
  }
  if (!user.empty()) a.insert(a.end(), {"--user", user});
  if (filter_level != 0) a.insert(a.end(), {"--seccomp", std::to_string(filter_level)});
  return a;
}

// Waits until the dataplane has opened its sockets (it records its pid in the segment) or
// has exited. Returns false on exit or timeout.
bool wait_dataplane_ready(const dp::Segment& seg, const DataplaneSupervisor& sup) {
  // Up to 60 s: a large clientloglimit is faulted in before the dataplane reports ready.
  for (int i = 0; i < 6000; ++i) {
    if (seg.header.dataplane_pid.load() == sup.pid()) return true;
    pollfd p{sup.exit_fd(), POLLIN, 0};
    if (poll(&p, 1, 10) > 0) return false;
  }
  return false;
}

std::string where_served(const Config& cfg) {
  std::string where;
  // One socket per family: the configured address, else every address of that family.
  std::string v4 = "all IPv4 addresses", v6 = "all IPv6 addresses";
  for (const auto& b : cfg.bindaddress) (b.find(':') == std::string::npos ? v4 : v6) = b;
  where = v4 + " and " + v6;
  if (cfg.dataplane.kind == DataplaneConfig::Kind::kAfxdp) {
    return "UDP port " + std::to_string(cfg.port) + " on " + where + " of " + cfg.dataplane.iface +
           " (afxdp backend)";
  }
  if (cfg.dataplane.kind == DataplaneConfig::Kind::kDpdk) {
    return "UDP port " + std::to_string(cfg.port) + " on " + where + " of TAP " +
           cfg.dataplane.tap + " through DPDK port " + cfg.dataplane.iface + " (dpdk backend)";
  }
  if (cfg.dataplane.kind == DataplaneConfig::Kind::kInline) {
    return "UDP port " + std::to_string(cfg.port) + " on " + where +
           " (inline: the socket backend in chronond's own loop)";
  }
  if (cfg.dataplane.kind == DataplaneConfig::Kind::kNone) {
    return "no address (dataplane none: a client only)";
  }
  return "UDP port " + std::to_string(cfg.port) + " on " + where + " (socket backend)";
}

std::string starting_reference(const Config& cfg) {
  std::string s;
  if (!cfg.sources.empty()) {
    s = std::to_string(cfg.sources.size()) + " source" + (cfg.sources.size() > 1 ? "s" : "") +
        " configured, unsynchronised until one is selected";
    if (cfg.local.enabled) s += "; meanwhile local stratum " + std::to_string(cfg.local.stratum);
    return s;
  }
  return cfg.local.enabled ? "local stratum " + std::to_string(cfg.local.stratum)
                           : std::string("unsynchronised (no source, no 'local')");
}

}  // namespace chronon::ctl
