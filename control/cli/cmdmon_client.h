// The chronon CLI's side of chronond's command channels: chrony's command protocol (candm)
// over its Unix datagram socket or to a UDP command port (chronyd's too), with chronyc's
// retries, its list of places to try and its "5xx" error texts.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "control/cmdmon/candm_wire.h"

namespace chronon::ctl {

// chronyc's text for a reply status ("501 Not authorised", ...).
std::string cmdmon_status_text(uint16_t status);

class CmdmonClient {
 public:
  // `socket_paths`: chronyc's -h list, tried in order until one answers: Unix socket paths
  // (starting with '/') and hosts (addresses or names) whose UDP `port` is asked, in
  // `family` (AF_UNSPEC, AF_INET or AF_INET6: chronyc's -4/-6).
  explicit CmdmonClient(std::vector<std::string> socket_paths,
                        std::chrono::milliseconds timeout = std::chrono::seconds(1),
                        int attempts = 3, int port = 323, int family = 0);
  ~CmdmonClient();
  CmdmonClient(const CmdmonClient&) = delete;
  CmdmonClient& operator=(const CmdmonClient&) = delete;

  // Sends `command` and waits for its reply, resending (same sequence, next attempt number)
  // after each `timeout`. Returns "" with the whole reply in `reply` when it succeeded with
  // the `expected` format; otherwise chronyc's error text, naming the socket when no daemon
  // answered.
  std::string request(uint16_t command, const std::vector<uint8_t>& fields,
                      candm::ReplyType expected, std::vector<uint8_t>* reply);

 private:
  // Opens a socket connected to paths_[path_index_]; "" or why not.
  std::string open_socket();
  std::string open_udp(const std::string& host);
  // How errors name an entry of the list: the path, or "HOST:PORT".
  std::string place(const std::string& entry) const;
  void close_socket();
  // One exchange on the open socket: "" and the reply, or an error (nothing received).
  std::string exchange(uint16_t command, const std::vector<uint8_t>& request,
                       std::vector<uint8_t>* reply);

  std::vector<std::string> paths_;
  size_t path_index_ = 0;
  int port_;
  int family_;
  std::chrono::milliseconds timeout_;
  int attempts_;
  int fd_ = -1;
  std::string bound_path_;  // our end's socket file, removed on close ("" if abstract)
  uint32_t next_sequence_;
};

}  // namespace chronon::ctl
