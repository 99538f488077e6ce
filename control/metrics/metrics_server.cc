// MetricsServer; see metrics_server.h.
#include "control/metrics/metrics_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "control/socket_address.h"

namespace chronon::ctl {

namespace {

constexpr int kBacklog = 16;
constexpr size_t kDrainChunk = 16384;
constexpr int kDrainReadsPerService = 4;  // bounds the time one busy client takes per loop

bool would_block(int e) { return e == EAGAIN || e == EWOULDBLOCK || e == EINTR; }

}  // namespace

MetricsServer::MetricsServer(const std::string& address, int port, Limits limits)
    : endpoint_(endpoint_text(address, port)), limits_(limits) {
  auto fail = [&](const std::string& why) {
    if (listen_fd_ >= 0) close(listen_fd_);
    listen_fd_ = -1;
    throw std::runtime_error("cannot listen for metrics on " + endpoint_ + ": " + why);
  };
  const auto at = socket_address(address, port);
  if (!at) fail("not a numeric IPv4 or IPv6 address");
  listen_fd_ = socket(at->family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) fail(std::strerror(errno));
  const int one = 1;
  // A restarted chronond rebinds at once, while the old connections are in TIME_WAIT.
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(listen_fd_, at->get(), at->len) != 0) fail(std::strerror(errno));
  if (listen(listen_fd_, kBacklog) != 0) fail(std::strerror(errno));
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &bound_len);
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  endpoint_ = endpoint_text(address, port_);
}

MetricsServer::~MetricsServer() {
  for (const Connection& c : conns_) close(c.fd);
  if (listen_fd_ >= 0) close(listen_fd_);
}

int MetricsServer::prepare(std::vector<pollfd>* fds, int max_wait_ms, Clock::time_point now) {
  first_ = fds->size();
  // At the cap the listener is left out (poll skips negative descriptors): new clients wait
  // in the backlog until a connection closes.
  fds->push_back({conns_.size() < limits_.max_connections ? listen_fd_ : -1, POLLIN, 0});
  int wait = max_wait_ms;
  for (const Connection& c : conns_) {
    const short events = c.phase == Connection::Phase::kWriting ? POLLOUT : POLLIN;
    fds->push_back({c.fd, events, 0});
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(c.deadline - now).count();
    wait = std::min<int>(wait, static_cast<int>(std::max<int64_t>(0, left)));
  }
  polled_conns_ = conns_.size();
  return wait;
}

void MetricsServer::service(const std::vector<pollfd>& fds, Clock::time_point now,
                            const MetricsRenderer& render) {
  // Existing connections first (prepare's order), then new ones, so indexes stay valid.
  std::vector<bool> done(conns_.size(), false);
  for (size_t i = 0; i < polled_conns_ && i < conns_.size(); ++i) {
    const size_t at = first_ + 1 + i;
    const short rev = at < fds.size() ? fds[at].revents : 0;
    Connection& c = conns_[i];
    bool keep = true;
    // Any event (errors and hang-ups too) goes to the phase's handler, whose call then fails
    // or sees the end: a dead connection never makes poll spin.
    if (rev != 0) {
      switch (c.phase) {
        case Connection::Phase::kReading: keep = on_readable(c, now, render); break;
        case Connection::Phase::kWriting: keep = on_writable(c, now); break;
        case Connection::Phase::kLingering: keep = drain(c); break;
      }
    }
    done[i] = !keep || now >= c.deadline;
  }
  for (size_t i = conns_.size(); i-- > 0;) {
    if (i < done.size() && done[i]) {
      close(conns_[i].fd);
      conns_.erase(conns_.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
  polled_conns_ = 0;
  if (first_ < fds.size() && fds[first_].fd == listen_fd_ && (fds[first_].revents & POLLIN)) {
    accept_new(now);
  }
}

void MetricsServer::accept_new(Clock::time_point now) {
  while (conns_.size() < limits_.max_connections) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or a connection that went away meanwhile
    Connection c;
    c.fd = fd;
    c.deadline = now + limits_.deadline;
    conns_.push_back(std::move(c));
  }
}

bool MetricsServer::on_readable(Connection& c, Clock::time_point now,
                                const MetricsRenderer& render) {
  // One byte past the limit is enough to know the head is too long.
  char buf[4096];
  while (c.in.size() <= kMaxHttpRequestBytes) {
    const size_t room = std::min(sizeof buf, kMaxHttpRequestBytes + 1 - c.in.size());
    const ssize_t n = recv(c.fd, buf, room, 0);
    if (n < 0 && would_block(errno)) break;
    if (n <= 0) {
      // The client closed (or failed) before a whole request: 400 if it sent something
      // (it may still read after a half-close), else nothing to say.
      if (n < 0 || c.in.empty()) return false;
      HttpRequest bad;
      bad.status = HttpRequest::Status::kMalformed;
      c.out = answer_metrics_request(bad, render);
      c.phase = Connection::Phase::kWriting;
      return on_writable(c, now);
    }
    c.in.append(buf, static_cast<size_t>(n));
  }
  const HttpRequest r = parse_http_request(c.in);
  if (r.status == HttpRequest::Status::kIncomplete) return true;
  c.out = answer_metrics_request(r, render);
  c.phase = Connection::Phase::kWriting;
  ++answered_;
  return on_writable(c, now);
}

bool MetricsServer::on_writable(Connection& c, Clock::time_point now) {
  while (c.sent < c.out.size()) {
    const ssize_t n = send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
    if (n < 0 && would_block(errno)) return true;
    if (n <= 0) return false;
    c.sent += static_cast<size_t>(n);
  }
  // Answered: no more to send; wait (briefly) for the client to close.
  shutdown(c.fd, SHUT_WR);
  c.phase = Connection::Phase::kLingering;
  c.deadline = now + limits_.linger;
  c.in.clear();
  c.out.clear();
  return true;
}

bool MetricsServer::drain(Connection& c) {
  char buf[kDrainChunk];
  for (int i = 0; i < kDrainReadsPerService; ++i) {
    const ssize_t n = recv(c.fd, buf, sizeof buf, 0);
    if (n < 0 && would_block(errno)) return true;
    if (n <= 0) return false;  // the client closed: done
  }
  return true;
}

}  // namespace chronon::ctl
