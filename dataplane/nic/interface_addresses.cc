// Interface addresses from getifaddrs(3); see interface_addresses.h.
#include "dataplane/nic/interface_addresses.h"

#include <ifaddrs.h>
#include <netinet/in.h>

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
