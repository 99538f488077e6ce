// Everything chronond answers commands on, as one unit for its poll loop: the Unix command
// socket (every command), the UDP command port (chronyd's open commands), the reports they
// share, and the client-table reader behind `clients`.
#pragma once

#include <poll.h>

#include <string>
#include <vector>

#include "control/cmdmon/client_log_reader.h"
#include "control/cmdmon/cmdmon_server.h"
#include "control/cmdmon/cmdmon_udp.h"
#include "control/cmdmon/report_builder.h"
#include "control/cmdmon/source_commands.h"

namespace chronon::ctl {

class CommandChannels {
 public:
  // Throws std::runtime_error when the Unix socket cannot be created (or cmdgroup does not
  // exist); UDP ports that cannot be opened only add to `warnings`.
  CommandChannels(const Config& cfg, TimeKeeper& keeper, ServerStateSource& state,
                  const ts::Clock& clock, const dp::Segment& seg,
                  std::vector<std::string>* warnings);

  // Adds the descriptors to poll; service() then answers what is ready among them.
  void append_fds(std::vector<pollfd>* fds);
  void service(const std::vector<pollfd>& fds, int unresolved);

  const ReportBuilder& reports() const { return reports_; }
  // What chronyc cyclelogs does here.
  void set_cyclelogs(std::function<void()> f) { unix_.set_cyclelogs(std::move(f)); }
  // What chronyc reload sources does here.
  void set_reload_sources(CmdmonServer::ReloadSources f) {
    unix_.set_reload_sources(std::move(f));
  }
  // What chronon reload does here.
  void set_reload_config(std::function<bool()> f) { unix_.set_reload_config(std::move(f)); }
  // Command requests answered and refused, on every channel (serverstats, metrics).
  uint64_t cmd_hits() const { return unix_.hits(); }
  uint64_t cmd_drops() const { return unix_.drops(); }
  // For the start-up log: "command socket /run/chronon/chronond.sock, port 127.0.0.1:323 ...".
  std::string describe() const;

 private:
  CmdmonServer unix_;
  CmdmonUdp udp_;
  ReportBuilder reports_;
  ClientLogReader client_log_;
  SourceCommands source_commands_;
  size_t first_fd_ = 0;
};

}  // namespace chronon::ctl
