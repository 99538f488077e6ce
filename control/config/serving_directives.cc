// Directives about what and whom chronon serves: allow/deny, local, ratelimit, dataplane.
#include <cstdlib>

#include "control/config/directive_context.h"
#include "dataplane/shared/cpu_list.h"
#include "dataplane/shared/segment_layout.h"

namespace chronon::ctl::config_detail {

// allow|deny|cmdallow|cmddeny [all] [SUBNET] (chrony 4.3, conf.c parse_allow_deny).
void parse_access(DirectiveContext& c) {
  AccessRule r;
  r.allow = c.directive == "allow" || c.directive == "cmdallow";
  r.where = c.where;
  size_t i = 0;
  if (i < c.args.size() && lower(c.args[i]) == "all") {
    r.all = true;
    ++i;
  }
  if (i < c.args.size()) {
    const std::string& text = c.args[i++];
    r.subnet = dp::parse_prefix(text);
    if (!r.subnet) {
      c.fail("invalid subnet '" + text + "' for '" + c.directive +
             "' (an address, ADDRESS/BITS or a short IPv4 form such as 192.168; "
             "host names are not supported)");
    }
  }
  if (i < c.args.size()) c.fail("too many arguments for '" + c.directive + "': '" + c.args[i] + "'");
  const bool cmd = c.directive.rfind("cmd", 0) == 0;
  (cmd ? c.cfg.cmd_access : c.cfg.ntp_access).push_back(r);
}

// local [stratum N] [orphan] [distance X]
void parse_local(DirectiveContext& c) {
  LocalConfig l;
  l.enabled = true;
  l.where = c.where;
  parse_options(c, 0, {{"stratum", &l.stratum, 1, 15}, {"orphan", &l.orphan},
                       {"distance", &l.distance}});
  if (l.distance < 0.0) c.fail("distance of 'local' must not be negative");
  c.cfg.local = l;
}

// ratelimit|cmdratelimit|ntsratelimit [interval I] [burst B] [leak L]; ratelimit also takes
// chronon's [kod N]: one in N limited requests gets a Kiss-o'-Death RATE reply.
void parse_ratelimit(DirectiveContext& c) {
  RateLimitConfig* target = c.directive == "ratelimit"      ? &c.cfg.ratelimit
                            : c.directive == "cmdratelimit" ? &c.cfg.cmdratelimit
                                                            : &c.cfg.ntsratelimit;
  RateLimitConfig r = *target;
  r.enabled = true;
  r.where = c.where;
  if (target == &c.cfg.ratelimit) {
    parse_options(c, 0, {{"interval", &r.interval_log2}, {"burst", &r.burst},
                         {"leak", &r.leak}, {"kod", &r.kod, 0, 1000000}});
  } else {
    parse_options(c, 0, {{"interval", &r.interval_log2}, {"burst", &r.burst},
                         {"leak", &r.leak}});
  }
  // chronyd clamps these silently; chronon clamps the same way and says so.
  auto clamp = [&](int& v, int lo, int hi, const char* name) {
    if (v >= lo && v <= hi) return;
    const int was = v;
    v = v < lo ? lo : hi;
    c.cfg.notices.push_back(c.where.str() + ": " + c.directive + " " + name + " " +
                            std::to_string(was) + " is outside " + std::to_string(lo) + ".." +
                            std::to_string(hi) + "; using " + std::to_string(v) + " (as chronyd)");
  };
  clamp(r.interval_log2, -19, 12, "interval");
  clamp(r.burst, 1, 255, "burst");
  clamp(r.leak, 1, 4, "leak");
  *target = r;
}

// dataplane socket [threads N]
// dataplane afxdp IFACE [queues N] [zerocopy|copy] [mode native|generic] [cpus LIST]
// dataplane dpdk PORT [queues N] [lcores LIST] [tap IFNAME] [eal "ARGS"]
void parse_dataplane(DirectiveContext& c) {
  c.expect_args(1, 64);
  DataplaneConfig d;
  d.where = c.where;
  const std::string kind = lower(c.args[0]);
  if (kind == "socket") {
    d.kind = DataplaneConfig::Kind::kSocket;
    parse_options(c, 1, {{"threads", &d.threads, 1, dp::kMaxWorkers}});
  } else if (kind == "inline" || kind == "none") {
    d.kind = kind == "inline" ? DataplaneConfig::Kind::kInline : DataplaneConfig::Kind::kNone;
    parse_options(c, 1, {});
  } else if (kind == "afxdp") {
    if (c.args.size() < 2) c.fail("'dataplane afxdp' needs an interface name");
    d.kind = DataplaneConfig::Kind::kAfxdp;
    d.iface = c.args[1];
    std::string cpus;
    parse_options(c, 2, {{"queues", &d.queues, 1, dp::kMaxWorkers}, {"zerocopy", &d.zerocopy},
                         {"copy", &d.copy},
                         {"mode", &d.xdp_mode, 0, 0, {"native", "generic"}},
                         {"cpus", &cpus}});
    if (d.zerocopy && d.copy) c.fail("'dataplane afxdp' takes zerocopy or copy, not both");
    if (!cpus.empty()) {
      std::string error;
      const auto list = dp::parse_cpu_list(cpus, &error);
      if (!list) c.fail("invalid 'cpus' of 'dataplane afxdp': " + error);
      d.cpus = *list;
    }
  } else if (kind == "dpdk") {
    if (c.args.size() < 2) c.fail("'dataplane dpdk' needs a port (PCI address or vdev)");
    d.kind = DataplaneConfig::Kind::kDpdk;
    d.iface = c.args[1];
    // eal takes the rest of the line, optionally in double quotes (chrony has no quoting,
    // so this is the one place chronon joins words back together).
    std::vector<std::string> head(c.args.begin(), c.args.end());
    size_t eal = head.size();
    for (size_t i = 2; i < head.size() && eal == head.size(); ++i) {
      if (lower(head[i]) == "eal") eal = i;  // the first: EAL arguments may contain "eal"
    }
    if (eal != head.size()) {
      if (eal + 1 >= head.size()) c.fail("option 'eal' of 'dataplane' needs a value");
      std::string joined;
      for (size_t i = eal + 1; i < head.size(); ++i) joined += (joined.empty() ? "" : " ") + head[i];
      if (joined.size() >= 2 && joined.front() == '"' && joined.back() == '"') {
        joined = joined.substr(1, joined.size() - 2);
      } else if (joined.find('"') != std::string::npos) {
        c.fail("unbalanced quotes in the 'eal' option of 'dataplane'");
      }
      d.eal_args = joined;
      c.args.resize(eal);
    }
    parse_options(c, 2, {{"queues", &d.queues, 1, dp::kMaxWorkers}, {"lcores", &d.lcores},
                         {"tap", &d.tap}});
    if (d.tap.empty() || d.tap.size() >= 16 || d.tap.find_first_of("/ ,=") != std::string::npos) {
      c.fail("invalid TAP interface name '" + d.tap + "' for 'dataplane dpdk' (1 to 15 "
             "characters, no '/', ',', '=' or space)");
    }
  } else {
    c.fail("unknown dataplane '" + c.args[0] + "' (socket, afxdp, dpdk, inline or none)");
  }
  c.cfg.dataplane = d;
}

}  // namespace chronon::ctl::config_detail
