// UpstreamSocket; see upstream_socket.h.
#include "control/upstream_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "control/server_state_source.h"

namespace chronon::ctl {

std::vector<ResolvedAddress> addresses_of(const addrinfo* list) {
  std::vector<ResolvedAddress> out;
  for (const addrinfo* ai = list; ai; ai = ai->ai_next) {
    ResolvedAddress a;
    std::memcpy(&a.addr, ai->ai_addr, ai->ai_addrlen);
    a.len = ai->ai_addrlen;
    char text[INET6_ADDRSTRLEN] = {};
    if (ai->ai_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
      inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text);
      a.refid = refid_of_address(reinterpret_cast<const uint8_t*>(&sin->sin_addr), false);
    } else if (ai->ai_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
      inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof text);
      a.refid = refid_of_address(sin6->sin6_addr.s6_addr, true);
    } else {
      continue;
    }
    a.text = text;
    bool dup = false;
    for (const auto& o : out) dup |= o.text == a.text;
    if (!dup) out.push_back(a);
  }
  return out;
}

std::optional<ResolvedAddress> numeric_address(const std::string& name, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  if (getaddrinfo(name.c_str(), service.c_str(), &hints, &res) != 0) return std::nullopt;
  std::vector<ResolvedAddress> v = addresses_of(res);
  freeaddrinfo(res);
  if (v.empty()) return std::nullopt;
  return v.front();
}

std::vector<uint32_t> local_address_refids() {
  std::vector<uint32_t> out;
  ifaddrs* ifa = nullptr;
  if (getifaddrs(&ifa) != 0) return out;
  for (ifaddrs* i = ifa; i; i = i->ifa_next) {
    if (!i->ifa_addr) continue;
    if (i->ifa_addr->sa_family == AF_INET) {
      const auto* s = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
      out.push_back(refid_of_address(reinterpret_cast<const uint8_t*>(&s->sin_addr), false));
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      const auto* s = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
      out.push_back(refid_of_address(s->sin6_addr.s6_addr, true));
    }
  }
  freeifaddrs(ifa);
  return out;
}

UpstreamSocket::~UpstreamSocket() { close_socket(); }

void UpstreamSocket::close_socket() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  local_refid_ = 0;
}

void UpstreamSocket::note_local_address() {
  sockaddr_storage local{};
  socklen_t len = sizeof local;
  local_refid_ = 0;
  if (getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &len) != 0) return;
  if (local.ss_family == AF_INET) {
    const auto* s = reinterpret_cast<const sockaddr_in*>(&local);
    local_refid_ = refid_of_address(reinterpret_cast<const uint8_t*>(&s->sin_addr), false);
  } else if (local.ss_family == AF_INET6) {
    const auto* s = reinterpret_cast<const sockaddr_in6*>(&local);
    local_refid_ = refid_of_address(s->sin6_addr.s6_addr, true);
  }
}

bool UpstreamSocket::open_peer(const ResolvedAddress& a, int local_port, std::string* error) {
  close_socket();
  addr_ = a;
  // The local address the kernel would use towards the peer: connect a throw-away socket.
  sockaddr_storage local{};
  socklen_t local_len = sizeof local;
  {
    const int probe = socket(a.addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (probe < 0 || connect(probe, reinterpret_cast<const sockaddr*>(&a.addr), a.len) != 0 ||
        getsockname(probe, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) {
      *error = "no route to peer " + a.text + ": " + std::strerror(errno);
      if (probe >= 0) close(probe);
      return false;
    }
    close(probe);
  }
  if (local.ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&local)->sin_port = htons(static_cast<uint16_t>(local_port));
  } else {
    reinterpret_cast<sockaddr_in6*>(&local)->sin6_port = htons(static_cast<uint16_t>(local_port));
  }
  fd_ = socket(a.addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    *error = "socket: " + std::string(std::strerror(errno));
    return false;
  }
  const int on = 1;
  // SO_REUSEADDR (not SO_REUSEPORT): shares the port with the dataplane's sockets without
  // joining their reuseport group, whose program spreads client requests by index.
  setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  setsockopt(fd_, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  if (local.ss_family == AF_INET6) setsockopt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  if (bind(fd_, reinterpret_cast<const sockaddr*>(&local), local_len) != 0 ||
      connect(fd_, reinterpret_cast<const sockaddr*>(&a.addr), a.len) != 0) {
    *error = "peer " + a.text + ": cannot bind port " + std::to_string(local_port) + ": " +
             std::strerror(errno);
    close_socket();
    return false;
  }
  note_local_address();
  return true;
}

bool UpstreamSocket::open(const ResolvedAddress& a, std::string* error) {
  close_socket();
  addr_ = a;
  fd_ = socket(a.addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    *error = "socket: " + std::string(std::strerror(errno));
    return false;
  }
  const int on = 1;
  setsockopt(fd_, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  // connect() picks an ephemeral source port and makes the kernel drop datagrams from any
  // other address or port (a first line against spoofed replies).
  if (connect(fd_, reinterpret_cast<const sockaddr*>(&a.addr), a.len) != 0) {
    *error = "connect to " + a.text + ": " + std::strerror(errno);
    close(fd_);
    fd_ = -1;
    return false;
  }
  note_local_address();
  return true;
}

bool UpstreamSocket::send(const uint8_t* p, size_t len) {
  return fd_ >= 0 && ::send(fd_, p, len, 0) == static_cast<ssize_t>(len);
}

ssize_t UpstreamSocket::receive(uint8_t* buf, size_t cap, const ts::Clock& clock,
                                timespec* rx_time) {
  if (fd_ < 0) return -1;
  iovec iov{buf, cap};
  alignas(cmsghdr) char control[128];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  const ssize_t n = recvmsg(fd_, &msg, MSG_DONTWAIT);
  if (n < 0) return -1;  // EAGAIN, or ECONNREFUSED from an ICMP port unreachable
  // The kernel stamps with CLOCK_REALTIME; carry the age of that stamp over to `clock`
  // (which may be a corrected virtual clock) so the time is in the scale of our requests.
  timespec kernel{};
  bool have = false;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      std::memcpy(&kernel, CMSG_DATA(c), sizeof kernel);
      have = true;
    }
  }
  timespec raw{};
  clock_gettime(CLOCK_REALTIME, &raw);
  const timespec now = clock.now();
  const ts::Nanos age = have ? ts::to_nanos(raw) - ts::to_nanos(kernel) : ts::Nanos(0);
  *rx_time = ts::from_nanos(ts::to_nanos(now) - (age.count() > 0 ? age : ts::Nanos(0)));
  return n;
}

}  // namespace chronon::ctl
