// chronyd's UDP command port (cmdport, default 323) on chronond: on 127.0.0.1 and ::1, each
// replaced by a `bindcmdaddress IP` of its family. As in chronyd, it answers the
// open (read-only, harmless) requests only: tracking, sources, sourcestats, activity, source
// names; the others get "501 Not authorised" and must use the Unix socket. Requests from
// addresses other than loopback need `cmdallow` and are limited by `cmdratelimit`. So plain
// `chronyc tracking` works on a host where chronyd is not running.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "control/cmdmon/cmdmon_server.h"
#include "control/config/config.h"
#include "dataplane/core/rate_limiter.h"
#include "dataplane/shared/access_table.h"

namespace chronon::ctl {

class CmdmonUdp {
 public:
  // Opens the port on each address (none when cmdport is 0). An address that cannot be
  // bound is reported in `warnings` and skipped (chronyd may hold the port on this host);
  // the Unix socket still works. Throws ConfigError for a bad cmdallow/cmddeny table.
  CmdmonUdp(const Config& cfg, std::vector<std::string>* warnings);
  ~CmdmonUdp();
  CmdmonUdp(const CmdmonUdp&) = delete;
  CmdmonUdp& operator=(const CmdmonUdp&) = delete;

  const std::vector<int>& fds() const { return fds_; }
  // Where it listens, as "127.0.0.1:323".
  const std::vector<std::string>& endpoints() const { return endpoints_; }
  // Answers what waits on `fd`.
  void service(int fd, CmdmonServer& server, const ReportBuilder& reports, int unresolved);

  // Whether a request from `from` is answered at all: loopback always; others when
  // cmdallow lets them in and their rate is within cmdratelimit. `now_16`: 1/16 s units.
  bool admit(const dp::IpAddress& from, uint32_t now_16);

 private:
  std::vector<int> fds_;
  std::vector<std::string> endpoints_;
  std::unique_ptr<dp::AccessTable> access_;
  dp::RateLimitParams limit_{};
  std::unordered_map<std::string, dp::LimiterState> limiter_;  // by address bytes
  uint32_t rng_ = 0x9e3779b9;
};

}  // namespace chronon::ctl
