// IP addresses and subnets as fixed-size values (IPv4 stored as IPv4-mapped IPv6), shared by
// the access list, the client table, the configuration and the shared segment.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace chronon::dp {

// 16 bytes in network order; IPv4 addresses are kept as ::ffff:a.b.c.d so one table serves both.
struct IpAddress {
  std::array<uint8_t, 16> bytes{};

  static IpAddress from_v4(uint32_t host_order);
  static IpAddress from_v6(const uint8_t (&b)[16]);
  bool is_v4() const;
  uint32_t v4() const;  // host order; valid when is_v4()
  // Two 64-bit compares: the hot path compares addresses per packet (no memcmp call).
  friend bool operator==(const IpAddress& a, const IpAddress& b) {
    uint64_t x[2], y[2];
    std::memcpy(x, a.bytes.data(), 16);
    std::memcpy(y, b.bytes.data(), 16);
    return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
  }
};

// A subnet: address plus prefix length counted in the 128-bit space (IPv4 /n is 96+n).
struct IpPrefix {
  IpAddress addr{};
  uint8_t prefix_len = 0;  // 0..128
  bool contains(const IpAddress& a) const;
  friend bool operator==(const IpPrefix&, const IpPrefix&) = default;
};

// Parses "1.2.3.4", "::1", "fe80::1". No scope ids, no brackets.
std::optional<IpAddress> parse_ip(std::string_view text);

// Parses a subnet in chrony's allow/deny syntax: "1.2.3.4/24", "2001:db8::/32", "1.2.3.4"
// (host), and chrony's short IPv4 forms "1.2" (= 1.2.0.0/16), "1.2.3" (= /24).
std::optional<IpPrefix> parse_prefix(std::string_view text);

std::string to_string(const IpAddress& a);
std::string to_string(const IpPrefix& p);

}  // namespace chronon::dp
