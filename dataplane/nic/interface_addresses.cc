// Interface addresses from getifaddrs(3); see interface_addresses.h.
#include "dataplane/nic/interface_addresses.h"

#include <ifaddrs.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>

namespace chronon::dp {

std::vector<IpAddress> interface_addresses(const std::string& iface) {
  std::vector<IpAddress> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || !i->ifa_name) continue;
    // The interface itself and its VLAN sub-interfaces (IFACE.VID), whose tagged frames the
    // program sees on IFACE.
    const std::string name = i->ifa_name;
    if (name != iface && name.rfind(iface + ".", 0) != 0) continue;
    if (i->ifa_addr->sa_family == AF_INET) {
      const auto* s = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
      out.push_back(IpAddress::from_v4(ntohl(s->sin_addr.s_addr)));
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      const auto* s = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
      uint8_t b[16];
      std::memcpy(b, &s->sin6_addr, 16);
      out.push_back(IpAddress::from_v6(b));
    }
  }
  freeifaddrs(list);
  return out;
}

std::vector<InterfaceAddress> interface_prefixes(const std::string& iface) {
  std::vector<InterfaceAddress> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || !i->ifa_netmask || !i->ifa_name || iface != i->ifa_name) continue;
    if (i->ifa_addr->sa_family == AF_INET) {
      const auto* s = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
      const auto* m = reinterpret_cast<const sockaddr_in*>(i->ifa_netmask);
      out.push_back({IpAddress::from_v4(ntohl(s->sin_addr.s_addr)),
                     std::popcount(m->sin_addr.s_addr)});
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      const auto* s = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
      const auto* m = reinterpret_cast<const sockaddr_in6*>(i->ifa_netmask);
      uint8_t b[16];
      std::memcpy(b, &s->sin6_addr, 16);
      int len = 0;
      for (uint8_t byte : m->sin6_addr.s6_addr) len += std::popcount(byte);
      out.push_back({IpAddress::from_v6(b), len});
    }
  }
  freeifaddrs(list);
  return out;
}

std::string add_interface_address(const std::string& iface, const InterfaceAddress& a) {
  const unsigned index = if_nametoindex(iface.c_str());
  if (index == 0) return "no interface " + iface;
  struct {
    nlmsghdr nh;
    ifaddrmsg ifa;
    char attrs[64];
  } req{};
  const bool v4 = a.addr.is_v4();
  const size_t alen = v4 ? 4 : 16;
  uint8_t bytes[16];
  if (v4) {
    const uint32_t be = htonl(a.addr.v4());
    std::memcpy(bytes, &be, 4);
  } else {
    std::memcpy(bytes, a.addr.bytes.data(), 16);
  }
  req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(ifaddrmsg));
  req.nh.nlmsg_type = RTM_NEWADDR;
  req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
  req.ifa.ifa_family = v4 ? AF_INET : AF_INET6;
  req.ifa.ifa_prefixlen = static_cast<unsigned char>(a.prefix_len);
  req.ifa.ifa_flags = v4 ? 0 : IFA_F_NODAD;
  req.ifa.ifa_index = index;
  for (unsigned short type : {static_cast<unsigned short>(IFA_LOCAL),
                              static_cast<unsigned short>(IFA_ADDRESS)}) {
    auto* rta = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(&req) + NLMSG_ALIGN(req.nh.nlmsg_len));
    rta->rta_type = type;
    rta->rta_len = static_cast<unsigned short>(RTA_LENGTH(alen));
    std::memcpy(RTA_DATA(rta), bytes, alen);
    req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
  }
  const int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return std::string("netlink: ") + std::strerror(errno);
  std::string error;
  if (send(fd, &req, req.nh.nlmsg_len, 0) < 0) {
    error = std::string("netlink: ") + std::strerror(errno);
  } else {
    char buf[512];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    const auto* nh = reinterpret_cast<const nlmsghdr*>(buf);
    if (n < static_cast<ssize_t>(sizeof(nlmsghdr))) {
      error = "netlink: no answer";
    } else if (nh->nlmsg_type == NLMSG_ERROR) {
      const auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(nh));
      if (e->error != 0) error = std::strerror(-e->error);
    }
  }
  close(fd);
  return error;
}

std::vector<IpAddress> served_addresses(const std::string& iface,
                                        const std::vector<std::string>& binds) {
  bool bind4 = false, bind6 = false;
  std::vector<IpAddress> out;
  for (const auto& text : binds) {
    if (auto ip = parse_ip(text)) {
      out.push_back(*ip);
      (ip->is_v4() ? bind4 : bind6) = true;
    }
  }
  for (const auto& a : interface_addresses(iface)) {
    if (!(a.is_v4() ? bind4 : bind6)) out.push_back(a);
  }
  return out;
}

}  // namespace chronon::dp
