// Parsing and printing of IP addresses and subnets.
#include "dataplane/shared/ip_address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace chronon::dp {

IpAddress IpAddress::from_v4(uint32_t host_order) {
  IpAddress a;
  a.bytes[10] = 0xff;
  a.bytes[11] = 0xff;
  a.bytes[12] = static_cast<uint8_t>(host_order >> 24);
  a.bytes[13] = static_cast<uint8_t>(host_order >> 16);
  a.bytes[14] = static_cast<uint8_t>(host_order >> 8);
  a.bytes[15] = static_cast<uint8_t>(host_order);
  return a;
}

IpAddress IpAddress::from_v6(const uint8_t (&b)[16]) {
  IpAddress a;
  std::memcpy(a.bytes.data(), b, 16);
  return a;
}

bool IpAddress::is_v4() const {
  for (int i = 0; i < 10; ++i)
    if (bytes[i] != 0) return false;
  return bytes[10] == 0xff && bytes[11] == 0xff;
}

uint32_t IpAddress::v4() const {
  return (uint32_t{bytes[12]} << 24) | (uint32_t{bytes[13]} << 16) | (uint32_t{bytes[14]} << 8) |
         bytes[15];
}

bool IpPrefix::contains(const IpAddress& a) const {
  int bits = prefix_len;
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((a.bytes[i] & mask) != (addr.bytes[i] & mask)) return false;
  }
  return true;
}

std::optional<IpAddress> parse_ip(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN + 1];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  in_addr v4{};
  if (inet_pton(AF_INET, buf, &v4) == 1) return IpAddress::from_v4(ntohl(v4.s_addr));
  uint8_t v6[16];
  if (inet_pton(AF_INET6, buf, v6) == 1) return IpAddress::from_v6(v6);
  return std::nullopt;
}

namespace {

// chrony accepts "a", "a.b", "a.b.c" as IPv4 networks with an implied /8, /16, /24.
std::optional<IpPrefix> parse_short_v4(std::string_view text) {
  uint32_t v = 0;
  int parts = 0;
  size_t pos = 0;
  while (pos <= text.size() && parts < 4) {
    size_t end = text.find('.', pos);
    if (end == std::string_view::npos) end = text.size();
    unsigned octet = 0;
    auto [p, ec] = std::from_chars(text.data() + pos, text.data() + end, octet);
    if (ec != std::errc() || p != text.data() + end || end == pos || octet > 255)
      return std::nullopt;
    v = (v << 8) | octet;
    ++parts;
    if (end == text.size()) break;
    pos = end + 1;
  }
  if (parts == 0 || parts > 3) return std::nullopt;
  v <<= 8 * (4 - parts);
  return IpPrefix{IpAddress::from_v4(v), static_cast<uint8_t>(96 + 8 * parts)};
}

}  // namespace

std::optional<IpPrefix> parse_prefix(std::string_view text) {
  const size_t slash = text.find('/');
  const std::string_view addr_text = text.substr(0, slash);
  std::optional<IpPrefix> out;
  if (auto a = parse_ip(addr_text)) {
    out = IpPrefix{*a, 128};
  } else if (slash == std::string_view::npos) {
    return parse_short_v4(addr_text);
  } else if (auto s = parse_short_v4(addr_text)) {
    out = IpPrefix{s->addr, 128};  // chrony also takes "10/8", "172.16/12"
  } else {
    return std::nullopt;
  }
  if (slash != std::string_view::npos) {
    const std::string_view len_text = text.substr(slash + 1);
    unsigned len = 0;
    auto [p, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
    if (ec != std::errc() || p != len_text.data() + len_text.size() || len_text.empty())
      return std::nullopt;
    // The family follows the text: "::ffff:0:0/80" is an IPv6 subnet of 80 bits.
    const bool v4 = addr_text.find(':') == std::string_view::npos;
    if (len > (v4 ? 32u : 128u)) return std::nullopt;
    out->prefix_len = static_cast<uint8_t>(v4 ? 96 + len : len);
  }
  // An IPv4-mapped IPv6 subnet would look like an IPv4 one here, while chrony treats it as
  // IPv6 (matching no IPv4 client): refuse it rather than give it the wrong meaning.
  if (addr_text.find(':') != std::string_view::npos && out->prefix_len >= 96 &&
      out->addr.is_v4()) {
    return std::nullopt;
  }
  // Clear host bits so equal subnets compare equal.
  int bits = out->prefix_len;
  for (int i = 0; i < 16; ++i, bits -= 8) {
    if (bits >= 8) continue;
    out->addr.bytes[i] &= bits <= 0 ? 0 : static_cast<uint8_t>(0xff << (8 - bits));
  }
  return out;
}

std::string to_string(const IpAddress& a) {
  char buf[INET6_ADDRSTRLEN];
  if (a.is_v4()) {
    in_addr v4{htonl(a.v4())};
    inet_ntop(AF_INET, &v4, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, a.bytes.data(), buf, sizeof buf);
  }
  return buf;
}

std::string to_string(const IpPrefix& p) {
  const bool v4 = p.addr.is_v4() && p.prefix_len >= 96;
  return to_string(p.addr) + "/" + std::to_string(v4 ? p.prefix_len - 96 : p.prefix_len);
}

}  // namespace chronon::dp
