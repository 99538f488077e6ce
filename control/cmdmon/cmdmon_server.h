// chronond's command socket: a Unix datagram socket (bindcmdaddress /path, default
// /run/chronon/chronond.sock, mode 0660, group `cmdgroup`) answering chrony's command
// protocol, so the chronon CLI and Debian's chronyc (`chronyc -h /path ...`) both work.
// Reports for anyone who can reach the socket; commands that change state (online, offline,
// burst, makestep, reselect, smoothtime) only for root, chronond's own user and members of
// cmdgroup, checked with the sender's kernel-attested credentials (SCM_CREDENTIALS) on every
// request.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "control/cmdmon/candm_wire.h"
#include "control/cmdmon/client_log_reader.h"
#include "control/cmdmon/report_builder.h"
#include "control/cmdmon/source_commands.h"

namespace chronon::ctl {

class CmdmonServer {
 public:
  // Creates the socket at `path` (a stale socket file is replaced; the directory is made),
  // owned by `group` when given. Throws std::runtime_error naming the path and errno, or the
  // unknown group.
  explicit CmdmonServer(std::string path, const std::string& group = "");
  ~CmdmonServer();
  CmdmonServer(const CmdmonServer&) = delete;
  CmdmonServer& operator=(const CmdmonServer&) = delete;

  int fd() const { return fd_; }
  // Where `clients` reads from; without one (noclientlog) chronyc gets chrony's "519 Client
  // logging is not active in the daemon".
  void set_client_log(ClientLogReader* clients) { clients_ = clients; }
  // What the state-changing commands act on; without it they get "502 Invalid command".
  void set_source_commands(SourceCommands* commands) { commands_ = commands; }
  // What `cyclelogs` does (reopen the log files, as SIGHUP); without it "502".
  void set_cyclelogs(std::function<void()> cyclelogs) { cyclelogs_ = std::move(cyclelogs); }
  // What `reload sources` does: "" with a summary for the log, or why it failed.
  using ReloadSources = std::function<std::string(std::string* summary)>;
  void set_reload_sources(ReloadSources reload) { reload_sources_ = std::move(reload); }
  // chronon reload: re-reads the configuration; returns false when it kept the old one.
  void set_reload_config(std::function<bool()> reload) { reload_config_ = std::move(reload); }
  const std::string& path() const { return path_; }
  // Answers the requests waiting on the socket. `unresolved`: sources whose name has not
  // resolved yet (for activity).
  void service(const ReportBuilder& reports, int unresolved);

  // Where a request came from: the Unix socket from root, chronond's user or cmdgroup (every
  // command); the Unix socket from another user (reports only: "501 Not authorised" for the
  // rest); or the UDP command port (chronyd's open commands only).
  enum class Origin { kUnixSocket, kUnixReadOnly, kNetwork };
  // Whether a local sender may change state: root, our own user, or in cmdgroup (primary or
  // supplementary group, read from /proc/PID/status).
  bool may_change_state(uid_t uid, gid_t gid, pid_t pid) const;
  // One request to its reply bytes (empty: no reply); the socket shells around it are thin.
  std::vector<uint8_t> handle(const uint8_t* p, size_t len, const ReportBuilder& reports,
                              int unresolved, Origin origin);
  // A request refused before handle() (access, rate, size), for serverstats.
  void count_drop() { ++drops_; }
  uint64_t hits() const { return hits_; }
  uint64_t drops() const { return drops_; }

 private:
  std::vector<uint8_t> client_accesses(const candm::Request& r, bool may_reset);

  std::vector<uint8_t> change_state(const candm::Request& r);

  std::string path_;
  int fd_ = -1;
  bool have_group_ = false;
  gid_t group_ = 0;
  ClientLogReader* clients_ = nullptr;
  SourceCommands* commands_ = nullptr;
  std::function<void()> cyclelogs_;
  ReloadSources reload_sources_;
  std::function<bool()> reload_config_;
  std::string last_clients_error_;
  time_t last_clients_error_s_ = 0;
  uint64_t hits_ = 0, drops_ = 0;
};

}  // namespace chronon::ctl
