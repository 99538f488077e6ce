// The IP addresses the kernel has on an interface (and its VLAN sub-interfaces IFACE.VID):
// which destinations the kernel-bypass backends answer for.
#pragma once

#include <string>
#include <vector>

#include "dataplane/shared/ip_address.h"

namespace chronon::dp {

// IPv4 and IPv6 addresses, link-local included; empty if the interface has none (or does not
// exist).
std::vector<IpAddress> interface_addresses(const std::string& iface);

// An address with its prefix length in its own family (IPv4: 0..32, IPv6: 0..128).
struct InterfaceAddress {
  IpAddress addr;
  int prefix_len = 0;
};
std::vector<InterfaceAddress> interface_prefixes(const std::string& iface);

// Adds `a` to `iface` (netlink RTM_NEWADDR; IPv6 without duplicate address detection).
// Returns an empty string, or what went wrong.
std::string add_interface_address(const std::string& iface, const InterfaceAddress& a);

// interface_addresses(iface), except that a family with a `bindaddress` (one of `binds`) is
// served on that address only.
std::vector<IpAddress> served_addresses(const std::string& iface,
                                        const std::vector<std::string>& binds);

}  // namespace chronon::dp
