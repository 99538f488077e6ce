// socket_address and endpoint_text; see socket_address.h.
#include "control/socket_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

namespace chronon::ctl {

std::optional<SocketAddress> socket_address(const std::string& address, int port) {
  SocketAddress a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.ss);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    a.len = sizeof *v4;
  } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    a.len = sizeof *v6;
  } else {
    return std::nullopt;
  }
  return a;
}

std::string endpoint_text(const std::string& address, int port) {
  return (address.find(':') != std::string::npos ? "[" + address + "]" : address) + ":" +
         std::to_string(port);
}

}  // namespace chronon::ctl
