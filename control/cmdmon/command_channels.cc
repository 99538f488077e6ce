// CommandChannels; see command_channels.h.
#include "control/cmdmon/command_channels.h"

namespace chronon::ctl {

CommandChannels::CommandChannels(const Config& cfg, TimeKeeper& keeper,
                                 ServerStateSource& state, const ts::Clock& clock,
                                 const dp::Segment& seg, std::vector<std::string>* warnings)
    : unix_(cfg.cmdsocket, cfg.cmdgroup),
      udp_(cfg, warnings),
      reports_(keeper, state, clock, seg),
      client_log_(seg),
      source_commands_(keeper, reports_, clock) {
  unix_.set_source_commands(&source_commands_);
  // noclientlog turns the client list off, as in chronyd (rate limiting still works).
  if (!cfg.noclientlog) unix_.set_client_log(&client_log_);
}

void CommandChannels::append_fds(std::vector<pollfd>* fds) {
  first_fd_ = fds->size();
  fds->push_back(pollfd{unix_.fd(), POLLIN, 0});
  for (int fd : udp_.fds()) fds->push_back(pollfd{fd, POLLIN, 0});
}

void CommandChannels::service(const std::vector<pollfd>& fds, int unresolved) {
  if (fds[first_fd_].revents & POLLIN) unix_.service(reports_, unresolved);
  for (size_t i = 0; i < udp_.fds().size(); ++i) {
    if (fds[first_fd_ + 1 + i].revents & POLLIN) {
      udp_.service(udp_.fds()[i], unix_, reports_, unresolved);
    }
  }
}

std::string CommandChannels::describe() const {
  std::string s = "command socket " + unix_.path();
  if (udp_.endpoints().empty()) return s + ", no command port";
  s += ", command port";
  for (const auto& e : udp_.endpoints()) s += " " + e;
  return s;
}

}  // namespace chronon::ctl
