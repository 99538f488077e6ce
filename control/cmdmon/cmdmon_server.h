// chronond's command socket: a Unix datagram socket (bindcmdaddress /path, default
// /run/chronon/chronond.sock, mode 0660) answering chrony's command protocol, so the chronon
// CLI and Debian's chronyc (`chronyc -h /path ...`) both read tracking, sources, sourcestats,
// activity and serverstats. Read-only: commands that change state are refused for now.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "control/cmdmon/candm_wire.h"
#include "control/cmdmon/client_log_reader.h"
#include "control/cmdmon/report_builder.h"

namespace chronon::ctl {

class CmdmonServer {
 public:
  // Creates the socket at `path` (a stale socket file is replaced; the directory is made).
  // Throws std::runtime_error naming the path and errno.
  explicit CmdmonServer(std::string path);
  ~CmdmonServer();
  CmdmonServer(const CmdmonServer&) = delete;
  CmdmonServer& operator=(const CmdmonServer&) = delete;

  int fd() const { return fd_; }
  // Where `clients` reads from; without one (noclientlog) chronyc gets chrony's "519 Client
  // logging is not active in the daemon".
  void set_client_log(ClientLogReader* clients) { clients_ = clients; }
  const std::string& path() const { return path_; }
  // Answers the requests waiting on the socket. `unresolved`: sources whose name has not
  // resolved yet (for activity).
  void service(const ReportBuilder& reports, int unresolved);

  // Where a request came from: the Unix socket (root and the socket's group: every command)
  // or the UDP command port (chronyd's open commands only; the rest get "501 Not
  // authorised").
  enum class Origin { kUnixSocket, kNetwork };
  // One request to its reply bytes (empty: no reply); the socket shells around it are thin.
  std::vector<uint8_t> handle(const uint8_t* p, size_t len, const ReportBuilder& reports,
                              int unresolved, Origin origin = Origin::kUnixSocket);
  // A request refused before handle() (access, rate, size), for serverstats.
  void count_drop() { ++drops_; }
  uint64_t hits() const { return hits_; }
  uint64_t drops() const { return drops_; }

 private:
  std::vector<uint8_t> client_accesses(const candm::Request& r);

  std::string path_;
  int fd_ = -1;
  ClientLogReader* clients_ = nullptr;
  uint64_t hits_ = 0, drops_ = 0;
};

}  // namespace chronon::ctl
