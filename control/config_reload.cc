// Configuration reload while serving; see config_reload.h.
#include "control/config_reload.h"

#include <exception>

#include <fmt/format.h>

#include "control/policy_publisher.h"
#include "control/startup.h"

namespace chronon::ctl {

namespace {

std::string ratelimit_text(const RateLimitConfig& r) {
  if (!r.enabled) return "off";
  return fmt::format("interval {} burst {} leak {}{}", r.interval_log2, r.burst, r.leak,
                     r.kod ? fmt::format(" kod {}", r.kod) : "");
}

}  // namespace

ReloadOutcome reload_config(const std::string& path, Config* running, dp::Segment& seg,
                            SourceDriver& sources) {
  ReloadOutcome out;
  Config fresh;
  dp::AccessTable access{};
  try {
    fresh = load_config(path);
    compile_access(fresh.ntp_access, &access);
  } catch (const std::exception& e) {
    out.summary = e.what();
    return out;
  }
  for (const auto& n : fresh.not_implemented) out.notes.push_back(n);
  // The dataplane's own settings (port, backend, addresses, client table size, hardware
  // timestamping) are its command line: they change only with a new dataplane.
  if (dataplane_argv("", "", fresh) != dataplane_argv("", "", *running)) {
    out.notes.push_back(path + ": the dataplane's settings (dataplane, port, bindaddress, "
                        "clientloglimit, hwtimestamp) changed: they take effect when chronond "
                        "restarts");
  }
  publish_policy(seg, access, fresh.ratelimit);
  const std::string changed = sources.reload(fresh.sources, true);
  out.ok = true;
  out.summary = fmt::format("allow/deny: {} rule{}, ratelimit: {}, sources: {}",
                            fresh.ntp_access.size(), fresh.ntp_access.size() == 1 ? "" : "s",
                            ratelimit_text(fresh.ratelimit), changed);
  running->ntp_access = fresh.ntp_access;
  running->ratelimit = fresh.ratelimit;
  running->sources = fresh.sources;
  running->sourcedirs = fresh.sourcedirs;
  return out;
}

}  // namespace chronon::ctl
