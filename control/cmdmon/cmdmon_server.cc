// CmdmonServer; see cmdmon_server.h.
#include "control/cmdmon/cmdmon_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "control/pidfile.h"

namespace chronon::ctl {

CmdmonServer::CmdmonServer(std::string path) : path_(std::move(path)) {
  sockaddr_un a{};
  if (path_.size() >= sizeof a.sun_path) {
    throw std::runtime_error("command socket path '" + path_ + "' is too long");
  }
  make_parent_dirs(path_);
  fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("command socket: ") + std::strerror(errno));
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path_.c_str(), path_.size() + 1);
  unlink(path_.c_str());  // left by a chronond that died
  // Created 0660 (umask for the bind), as chronyd's socket: the owner and its group only.
  const mode_t old = umask(0117);
  const int rc = bind(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a);
  const int e = errno;
  umask(old);
  if (rc != 0) {
    close(fd_);
    throw std::runtime_error("cannot bind command socket " + path_ + ": " + std::strerror(e));
  }
}

CmdmonServer::~CmdmonServer() {
  if (fd_ >= 0) {
    close(fd_);
    unlink(path_.c_str());
  }
}

namespace {

// chronyd's PERMIT_OPEN requests: harmless to answer to any host cmdallow lets in.
bool open_command(uint16_t command) {
  switch (command) {
    case candm::kNull: case candm::kNSources: case candm::kSourceData: case candm::kTracking:
    case candm::kSourceStats: case candm::kActivity: case candm::kNtpSourceName:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::vector<uint8_t> CmdmonServer::handle(const uint8_t* p, size_t len,
                                          const ReportBuilder& reports, int unresolved,
                                          Origin origin) {
  candm::Request r;
  if (!candm::parse_request(p, len, &r) || r.pkt_type != candm::kPktRequest) {
    ++drops_;
    return {};
  }
  ++hits_;
  // Never answer with more bytes than the request had (chrony's padding rule: a request
  // is padded to the length of its reply), so the socket cannot amplify.
  auto fits = [&](std::vector<uint8_t> reply) -> std::vector<uint8_t> {
    if (reply.size() <= len) return reply;
    auto short_reply = candm::reply_status(r, candm::kBadPktLength);
    if (short_reply.size() <= len) return short_reply;
    return {};
  };
  if (r.version != candm::kProtoVersion) return fits(candm::reply_status(r, candm::kBadPktVersion));
  if (origin == Origin::kNetwork && !open_command(r.command)) {
    return fits(candm::reply_status(r, candm::kUnauth));
  }
  switch (r.command) {
    case candm::kNull:
      return fits(candm::reply_status(r, candm::kSuccess));
    case candm::kTracking:
      return fits(candm::reply_tracking(r, reports.tracking()));
    case candm::kNSources:
      return fits(candm::reply_n_sources(r, static_cast<uint32_t>(reports.n_sources())));
    case candm::kSourceData: {
      const auto i = candm::request_index(r);
      const auto s = i && *i >= 0 ? reports.source(static_cast<size_t>(*i)) : std::nullopt;
      return fits(s ? candm::reply_source_data(r, *s) : candm::reply_status(r, candm::kNoSuchSource));
    }
    case candm::kSourceStats: {
      const auto i = candm::request_index(r);
      const auto s = i && *i >= 0 ? reports.sourcestats(static_cast<size_t>(*i)) : std::nullopt;
      return fits(s ? candm::reply_sourcestats(r, *s) : candm::reply_status(r, candm::kNoSuchSource));
    }
    case candm::kActivity:
      return fits(candm::reply_activity(r, reports.activity(unresolved)));
    case candm::kServerStats:
      return fits(candm::reply_server_stats(r, reports.server_stats(hits_, drops_)));
    case candm::kNtpSourceName: {
      const auto a = candm::request_address(r);
      const auto name = a ? reports.configured_name(*a) : std::nullopt;
      return fits(name ? candm::reply_ntp_source_name(r, *name)
                       : candm::reply_status(r, candm::kNoSuchSource));
    }
    case candm::kClientAccessesByIndex3:
      return fits(client_accesses(r));
    default:
      // Not implemented here (yet): chronyc prints "502 Invalid command".
      return fits(candm::reply_status(r, candm::kInvalid));
  }
}

std::vector<uint8_t> CmdmonServer::client_accesses(const candm::Request& r) {
  if (!clients_) return candm::reply_status(r, candm::kInactive);
  const auto q = candm::request_client_accesses(r);
  if (!q) return candm::reply_status(r, candm::kBadPktLength);
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  ClientAccessPage page;
  const std::string error = clients_->page(q->first_index, q->n_clients, q->min_hits, q->reset,
                                           now, &page);
  if (!error.empty()) {
    spdlog::warn("clients: {}", error);
    return candm::reply_status(r, candm::kFailed);
  }
  return candm::reply_client_accesses(r, page);
}

void CmdmonServer::service(const ReportBuilder& reports, int unresolved) {
  uint8_t buf[candm::kMaxRequestLen + 1];
  for (int i = 0; i < 64; ++i) {
    sockaddr_un from{};
    socklen_t from_len = sizeof from;
    const ssize_t n = recvfrom(fd_, buf, sizeof buf, MSG_DONTWAIT,
                               reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) return;
    if (static_cast<size_t>(n) > candm::kMaxRequestLen) {
      ++drops_;
      continue;
    }
    const auto reply = handle(buf, static_cast<size_t>(n), reports, unresolved);
    // A client that did not bind an address cannot get a reply (as with chronyd).
    if (reply.empty() || from_len <= sizeof(sa_family_t)) continue;
    sendto(fd_, reply.data(), reply.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from),
           from_len);
  }
}

}  // namespace chronon::ctl
