// `dataplane inline`: the socket backend's responder run from chronond's own poll loop, with
// no second process and no threads, so a small server (or a host under a syscall-level
// clock/network simulator) is one single-threaded process. One SocketWorker, stepped by
// the caller.
#pragma once

#include <poll.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/shared/segment_layout.h"

namespace chronon::dp {

class SocketWorker;

class InlineServer {
 public:
  // Binds the NTP sockets (port, optional bind addresses) and marks the segment as served
  // by this process. Throws std::runtime_error naming the address and errno.
  InlineServer(uint16_t port, const std::vector<std::string>& binds, uint64_t clientlog_bytes,
               Segment* seg);
  ~InlineServer();
  // Appends the sockets to poll for reading.
  void append_fds(std::vector<pollfd>* fds) const;
  // Serves what poll reported readable among the descriptors from `first` on.
  void service(const std::vector<pollfd>& fds, size_t first);

 private:
  std::unique_ptr<SocketWorker> worker_;
};

}  // namespace chronon::dp
