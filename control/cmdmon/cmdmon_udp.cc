// CmdmonUdp; see cmdmon_udp.h.
#include "control/cmdmon/cmdmon_udp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "control/policy_publisher.h"
#include "control/socket_address.h"

namespace chronon::ctl {

namespace {

constexpr size_t kMaxLimiterEntries = 4096;  // remote command clients remembered

bool is_loopback(const dp::IpAddress& a) {
  if (a.is_v4()) return (a.v4() >> 24) == 127;
  static const dp::IpAddress kLoopback6 = *dp::parse_ip("::1");
  return a == kLoopback6;
}

// Binds a UDP socket to `address`:`port`; the fd, or -1 with `error` set.
int open_port(const std::string& address, int port, std::string* error) {
  const auto at = socket_address(address, port);
  if (!at) {
    *error = "not an IP address";
    return -1;
  }
  const int fd = socket(at->family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::strerror(errno);
    return -1;
  }
  const int one = 1;
  if (at->family() == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (bind(fd, at->get(), at->len) != 0) {
    *error = std::strerror(errno);
    if (errno == EADDRINUSE) *error += " (is chronyd running?)";
    close(fd);
    return -1;
  }
  return fd;
}

dp::IpAddress address_of(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) {
    return dp::IpAddress::from_v4(ntohl(reinterpret_cast<const sockaddr_in&>(ss).sin_addr.s_addr));
  }
  const auto& in6 = reinterpret_cast<const sockaddr_in6&>(ss);
  uint8_t b[16];
  std::memcpy(b, &in6.sin6_addr, 16);
  return dp::IpAddress::from_v6(b);
}

}  // namespace

CmdmonUdp::CmdmonUdp(const Config& cfg, std::vector<std::string>* warnings)
    : access_(std::make_unique<dp::AccessTable>()) {
  compile_access(cfg.cmd_access, access_.get());
  limit_ = rate_limit_params(cfg.cmdratelimit);
  if (cfg.cmdport == 0) return;
  // chronyd's defaults, each replaced by a bindcmdaddress of its family.
  std::vector<std::string> addresses = {"127.0.0.1", "::1"};
  for (const std::string& a : cfg.bindcmdaddress) {
    addresses[a.find(':') == std::string::npos ? 0 : 1] = a;
  }
  for (const std::string& a : addresses) {
    std::string error;
    const int fd = open_port(a, cfg.cmdport, &error);
    const std::string where = endpoint_text(a, cfg.cmdport);
    if (fd < 0) {
      warnings->push_back("command port " + where + " not opened: " + error +
                          "; the Unix command socket still answers");
      continue;
    }
    fds_.push_back(fd);
    endpoints_.push_back(where);
  }
}

CmdmonUdp::~CmdmonUdp() {
  for (int fd : fds_) close(fd);
}

bool CmdmonUdp::admit(const dp::IpAddress& from, uint32_t now_16) {
  if (is_loopback(from)) return true;
  if (!dp::access_allowed(*access_, from)) return false;
  if (!limit_.enabled) return true;
  const std::string key(reinterpret_cast<const char*>(from.bytes.data()), 16);
  auto it = limiter_.find(key);
  if (it == limiter_.end()) {
    if (limiter_.size() >= kMaxLimiterEntries) {
      // Forget hosts silent for over a minute; if all are recent (a flood from many
      // addresses), new ones wait: no host can reset its own limit by crowding the table.
      std::erase_if(limiter_, [now_16](const auto& e) {
        return static_cast<int32_t>(now_16 - e.second.last_hit) > (60 << dp::kTsFracBits);
      });
      if (limiter_.size() >= kMaxLimiterEntries) return false;
    }
    it = limiter_.emplace(key, dp::new_limiter_state(limit_)).first;
  }
  dp::limiter_hit(limit_, it->second, now_16);
  rng_ = rng_ * 1664525u + 1013904223u;
  return !dp::limiter_should_drop(limit_, it->second, rng_);
}

void CmdmonUdp::service(int fd, CmdmonServer& server, const ReportBuilder& reports,
                        int unresolved) {
  uint8_t buf[candm::kMaxRequestLen + 1];
  for (int i = 0; i < 64; ++i) {
    sockaddr_storage from{};
    socklen_t from_len = sizeof from;
    const ssize_t n = recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT,
                               reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) return;
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const auto now_16 = static_cast<uint32_t>((now.tv_sec << 4) | (now.tv_nsec >> 26));
    if (!admit(address_of(from), now_16 == 0 ? 1 : now_16)) {
      server.count_drop();
      continue;
    }
    const auto reply = server.handle(buf, static_cast<size_t>(n), reports, unresolved,
                                     CmdmonServer::Origin::kNetwork);
    if (reply.empty()) continue;
    sendto(fd, reply.data(), reply.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from),
           from_len);
  }
}

}  // namespace chronon::ctl
