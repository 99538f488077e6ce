// InlineServer; see inline_server.h.
#include "dataplane/inline_server.h"

#include "dataplane/shared/segment.h"
#include "dataplane/socket/socket_worker.h"

namespace chronon::dp {

InlineServer::InlineServer(uint16_t port, const std::vector<std::string>& binds,
                           uint64_t clientlog_bytes, Segment* seg) {
  SocketWorkerConfig wc;
  wc.port = port;
  wc.bind_addresses = binds;
  wc.index = 0;
  wc.client_table_bytes = static_cast<size_t>(clientlog_bytes);
  worker_ = std::make_unique<SocketWorker>(wc, seg);
  worker_->begin();
  mark_dataplane_ready(seg, "inline", 1);
}

InlineServer::~InlineServer() { worker_->end(); }

void InlineServer::append_fds(std::vector<pollfd>* fds) const {
  for (int fd : worker_->fds()) fds->push_back(pollfd{fd, POLLIN, 0});
}

void InlineServer::service(const std::vector<pollfd>& fds, size_t first) {
  worker_->refresh();
  for (size_t i = 0; i < worker_->fds().size() && first + i < fds.size(); ++i) {
    if (fds[first + i].revents & POLLIN) worker_->serve_ready(fds[first + i].fd);
  }
}

}  // namespace chronon::dp
