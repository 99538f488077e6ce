// Numeric addresses for the sockets chronond listens on (command port, metrics): text and
// port to a sockaddr without a resolver, and the "ADDRESS:PORT" / "[ADDRESS]:PORT" text
// that logs and errors show.
#pragma once

#include <sys/socket.h>

#include <optional>
#include <string>

namespace chronon::ctl {

struct SocketAddress {
  sockaddr_storage ss{};
  socklen_t len = 0;
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&ss); }
  int family() const { return ss.ss_family; }
};

// nullopt when `address` is not a numeric IPv4 or IPv6 address.
std::optional<SocketAddress> socket_address(const std::string& address, int port);

// "127.0.0.1:323", "[::1]:323".
std::string endpoint_text(const std::string& address, int port);

}  // namespace chronon::ctl
