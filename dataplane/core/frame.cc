// Frame validation and in-place reply building; see frame.h for the rules and their sources.
#include "dataplane/core/frame.h"
#include "dataplane/core/byte_order.h"

#include <endian.h>

#include <cstring>

#include "dataplane/core/inet_checksum.h"

namespace chronon::dp {

const char* frame_drop_name(FrameDrop d) {
  switch (d) {
    case FrameDrop::kNone:
      return "none";
    case FrameDrop::kTooShort:
      return "too_short";
    case FrameDrop::kNotIp:
      return "not_ip";
    case FrameDrop::kBadIpHeader:
      return "bad_ip_header";
    case FrameDrop::kBadIpChecksum:
      return "bad_ip_checksum";
    case FrameDrop::kFragment:
      return "fragment";
    case FrameDrop::kNotUdp:
      return "not_udp";
    case FrameDrop::kUnsupportedIpv6Ext:
      return "ipv6_ext";
    case FrameDrop::kBadUdpLength:
      return "bad_udp_length";
    case FrameDrop::kBadUdpChecksum:
      return "bad_udp_checksum";
    case FrameDrop::kBadSource:
      return "bad_source";
    case FrameDrop::kBadDestination:
      return "bad_destination";
    case FrameDrop::kCount:
      break;
  }
  return "?";
}

namespace {

constexpr size_t kEthLen = sizeof(EthHeaderWire);
constexpr size_t kVlanLen = sizeof(VlanTagWire);
constexpr size_t kIpv4Len = sizeof(Ipv4HeaderWire);
constexpr size_t kIpv6Len = sizeof(Ipv6HeaderWire);
constexpr size_t kUdpLen = sizeof(UdpHeaderWire);
constexpr size_t kMaxUdpPayload = 0xffff - kIpv4Len - kUdpLen;  // one IPv4 datagram

constexpr uint16_t kIpv4FlagDf = 0x4000;
constexpr uint16_t kIpv4MfAndOffset = 0x3fff;

// IPv6 next-header values (IANA "Assigned Internet Protocol Numbers", RFC 8200 §4).
constexpr uint8_t kNhHopByHop = 0;
constexpr uint8_t kNhRouting = 43;
constexpr uint8_t kNhFragment = 44;
constexpr uint8_t kNhEsp = 50;
constexpr uint8_t kNhAh = 51;
constexpr uint8_t kNhDestOpts = 60;
constexpr uint8_t kNhMobility = 135;
constexpr uint8_t kNhHip = 139;
constexpr uint8_t kNhShim6 = 140;
constexpr uint8_t kNhExperiment1 = 253;
constexpr uint8_t kNhExperiment2 = 254;
// RFC 8200 §4.1 order allows HbH, DestOpts, Routing, DestOpts: four skippable headers at most.
// The cap also keeps every offset (at most 4 x 2048 bytes of headers) within 16 bits.
constexpr int kMaxIpv6ExtHeaders = 4;

IpAddress mapped_v4(const uint8_t* p) { return IpAddress::from_v4(load_be32(p)); }
IpAddress v6_address(const uint8_t* p) {
  return IpAddress::from_v6(*reinterpret_cast<const uint8_t(*)[16]>(p));
}

bool is_group_mac(const uint8_t* mac) { return (mac[0] & 1) != 0; }

// RFC 1812 §5.3.7 martians: 0/8, 127/8, 224/4 multicast, 240/4 reserved (and broadcast).
bool is_bad_v4(const uint8_t* p) { return p[0] == 0 || p[0] == 127 || p[0] >= 224; }

// RFC 4291: unspecified, loopback, multicast, IPv4-mapped.
bool is_bad_v6(const uint8_t* p) {
  if (p[0] == 0xff) return true;
  uint8_t high = 0;  // first ten bytes zero
  for (int i = 0; i < 10; ++i) high |= p[i];
  if (high != 0) return false;
  if (p[10] == 0xff && p[11] == 0xff) return true;
  if ((p[10] | p[11] | p[12] | p[13] | p[14]) != 0) return false;
  return p[15] <= 1;
}

// An endpoint no reply can be exchanged with (frame.h, kBadSource).
bool is_bad_endpoint(const uint8_t* mac, const IpAddress& a, uint16_t port, bool ipv6) {
  const bool bad_ip = ipv6 ? is_bad_v6(a.bytes.data()) : is_bad_v4(a.bytes.data() + 12);
  return is_group_mac(mac) || bad_ip || port == 0;
}

// UDP header and checksum, common to both IP versions. `avail` is what the IP length leaves
// for UDP; `addr`/`addr_len` are the pseudo-header addresses (source then destination).
FrameDrop parse_udp(const uint8_t* frame, size_t l4, size_t avail, const uint8_t* addr,
                    size_t addr_len, bool ipv6, FrameInfo* out) {
  const uint8_t* udp = frame + l4;
  if (avail < kUdpLen) return FrameDrop::kBadUdpLength;
  const uint16_t udp_len = load_be16(udp + offsetof(UdpHeaderWire, length));
  if (udp_len < kUdpLen || udp_len > avail) return FrameDrop::kBadUdpLength;
  const uint16_t checksum = load_be16(udp + offsetof(UdpHeaderWire, checksum));
  if (checksum != 0 || ipv6) {
    const CsumAcc acc =
        csum_partial(udp, udp_len, udp_pseudo_header_sum(addr, addr + addr_len, addr_len, udp_len));
    if (checksum == 0 || csum_fold(acc) != 0xffff) return FrameDrop::kBadUdpChecksum;
  }
  out->l4_offset = static_cast<uint16_t>(l4);
  out->payload_offset = static_cast<uint16_t>(l4 + kUdpLen);
  out->payload_len = static_cast<uint16_t>(udp_len - kUdpLen);
  out->src_port = load_be16(udp + offsetof(UdpHeaderWire, src_port));
  out->dst_port = load_be16(udp + offsetof(UdpHeaderWire, dst_port));
  return FrameDrop::kNone;
}

FrameDrop parse_ipv4(const uint8_t* frame, size_t len, size_t l3, FrameInfo* out) {
  const uint8_t* ip = frame + l3;
  const size_t avail = len - l3;
  if (avail < kIpv4Len) return FrameDrop::kTooShort;
  const bool version_ok = (ip[0] >> 4) == 4;
  const size_t ihl = size_t{ip[0] & 0x0fu} * 4;
  const size_t total = load_be16(ip + offsetof(Ipv4HeaderWire, total_length));
  const bool lengths_ok = ihl >= kIpv4Len && total >= ihl && total <= avail;
  if (!version_ok || !lengths_ok) return FrameDrop::kBadIpHeader;
  // IHL 5 is the rule: a constant length lets the compiler unroll the sum.
  const CsumAcc ip_sum = ihl == kIpv4Len ? csum_partial(ip, kIpv4Len) : csum_partial(ip, ihl);
  if (csum_fold(ip_sum) != 0xffff) return FrameDrop::kBadIpChecksum;
  if (load_be16(ip + offsetof(Ipv4HeaderWire, flags_fragment)) & kIpv4MfAndOffset)
    return FrameDrop::kFragment;
  if (ip[offsetof(Ipv4HeaderWire, protocol)] != kIpProtoUdp) return FrameDrop::kNotUdp;
  const uint8_t* addr = ip + offsetof(Ipv4HeaderWire, src);
  const FrameDrop d = parse_udp(frame, l3 + ihl, total - ihl, addr, 4, false, out);
  if (d != FrameDrop::kNone) return d;
  out->ipv6 = false;
  out->src = mapped_v4(addr);
  out->dst = mapped_v4(addr + 4);
  out->ttl_or_hlim = ip[offsetof(Ipv4HeaderWire, ttl)];
  return FrameDrop::kNone;
}

// Options area of a Hop-by-Hop or Destination Options header (RFC 8200 §4.2): TLVs, Pad1
// being a lone zero byte.
FrameDrop check_ipv6_options(const uint8_t* opt, size_t len) {
  size_t i = 2;  // after next header and header length
  while (i < len) {
    const uint8_t type = opt[i];
    if (type == 0) {
      ++i;
      continue;
    }
    if (len - i < 2 || len - i - 2 < opt[i + 1]) return FrameDrop::kBadIpHeader;
    if ((type >> 6) != 0) return FrameDrop::kUnsupportedIpv6Ext;
    i += 2 + size_t{opt[i + 1]};
  }
  return FrameDrop::kNone;
}

FrameDrop parse_ipv6(const uint8_t* frame, size_t len, size_t l3, FrameInfo* out) {
  const uint8_t* ip = frame + l3;
  const size_t avail = len - l3;
  if (avail < kIpv6Len) return FrameDrop::kTooShort;
  const size_t payload = load_be16(ip + offsetof(Ipv6HeaderWire, payload_length));
  if ((ip[0] >> 4) != 6 || payload == 0 || payload > avail - kIpv6Len)
    return FrameDrop::kBadIpHeader;
  const size_t end = kIpv6Len + payload;  // from ip
  size_t off = kIpv6Len;
  uint8_t next = ip[offsetof(Ipv6HeaderWire, next_header)];
  for (int count = 0; next != kIpProtoUdp; ++count) {
    switch (next) {
      case kNhHopByHop:
        if (count != 0) return FrameDrop::kUnsupportedIpv6Ext;
        break;
      case kNhRouting:
      case kNhDestOpts:
        break;
      case kNhFragment:
        return FrameDrop::kFragment;
      case kNhEsp:
      case kNhAh:
      case kNhMobility:
      case kNhHip:
      case kNhShim6:
      case kNhExperiment1:
      case kNhExperiment2:
        return FrameDrop::kUnsupportedIpv6Ext;
      default:
        return FrameDrop::kNotUdp;
    }
    if (count == kMaxIpv6ExtHeaders) return FrameDrop::kUnsupportedIpv6Ext;
    if (end - off < 8) return FrameDrop::kBadIpHeader;  // every extension header is >= 8 bytes
    const uint8_t* ext = ip + off;
    const size_t ext_len = (size_t{ext[1]} + 1) * 8;
    if (end - off < ext_len) return FrameDrop::kBadIpHeader;
    if (next == kNhRouting) {
      if (ext[3] != 0) return FrameDrop::kUnsupportedIpv6Ext;  // Segments Left
    } else {
      const FrameDrop d = check_ipv6_options(ext, ext_len);
      if (d != FrameDrop::kNone) return d;
    }
    next = ext[0];
    off += ext_len;
  }
  const uint8_t* addr = ip + offsetof(Ipv6HeaderWire, src);
  const FrameDrop d = parse_udp(frame, l3 + off, end - off, addr, 16, true, out);
  if (d != FrameDrop::kNone) return d;
  out->ipv6 = true;
  out->src = v6_address(addr);
  out->dst = v6_address(addr + 16);
  out->ttl_or_hlim = ip[offsetof(Ipv6HeaderWire, hop_limit)];
  return FrameDrop::kNone;
}

// Addresses and ports of a frame being written, taken from FrameInfo or FrameSpec. Checksums
// are summed from these and from the payload, never from header bytes just stored: loads
// straddling fresh narrow stores defeat store forwarding and stall.
struct Endpoints {
  const uint8_t* src;
  const uint8_t* dst;
  size_t addr_len;  // 4 or 16
  uint16_t src_port, dst_port;
};

Endpoints reply_endpoints(const FrameInfo& in) {
  const size_t skip = in.ipv6 ? 0 : 12;  // IPv4 sits in the last 4 bytes of IpAddress
  return {in.dst.bytes.data() + skip, in.src.bytes.data() + skip, in.ipv6 ? 16u : 4u, in.dst_port,
          in.src_port};
}

void write_ipv4_header(uint8_t* ip, uint8_t tos, uint16_t udp_len, const Endpoints& e) {
  const auto total = static_cast<uint16_t>(kIpv4Len + udp_len);
  const uint16_t ttl_protocol = kReplyHopLimit << 8 | kIpProtoUdp;
  CsumAcc acc = csum_partial(e.dst, 4, csum_partial(e.src, 4));
  acc += htobe16(uint16_t{0x4500} | tos) + htobe16(total) + htobe16(kIpv4FlagDf) +
         htobe16(ttl_protocol);
  ip[0] = 0x45;
  ip[1] = tos;
  store_be16(ip + offsetof(Ipv4HeaderWire, total_length), total);
  store_be16(ip + offsetof(Ipv4HeaderWire, id), 0);
  store_be16(ip + offsetof(Ipv4HeaderWire, flags_fragment), kIpv4FlagDf);
  store_be16(ip + offsetof(Ipv4HeaderWire, ttl), ttl_protocol);
  store_be16(ip + offsetof(Ipv4HeaderWire, checksum), csum_finish(acc));
  std::memcpy(ip + offsetof(Ipv4HeaderWire, src), e.src, 4);
  std::memcpy(ip + offsetof(Ipv4HeaderWire, dst), e.dst, 4);
}

void write_ipv6_header(uint8_t* ip, uint32_t version_class_flow, uint16_t udp_len,
                       const Endpoints& e) {
  store_be32(ip, version_class_flow);
  store_be16(ip + offsetof(Ipv6HeaderWire, payload_length), udp_len);
  ip[offsetof(Ipv6HeaderWire, next_header)] = kIpProtoUdp;
  ip[offsetof(Ipv6HeaderWire, hop_limit)] = kReplyHopLimit;
  std::memcpy(ip + offsetof(Ipv6HeaderWire, src), e.src, 16);
  std::memcpy(ip + offsetof(Ipv6HeaderWire, dst), e.dst, 16);
}

// The checksum is always computed, also over IPv4; a computed 0 is sent as 0xffff (RFC 768).
uint16_t udp_checksum(const Endpoints& e, uint16_t udp_len, const uint8_t* payload) {
  CsumAcc acc = udp_pseudo_header_sum(e.src, e.dst, e.addr_len, udp_len);
  acc += htobe16(e.src_port) + htobe16(e.dst_port) + htobe16(udp_len);  // header, checksum 0
  const uint16_t c = csum_finish(csum_partial(payload, udp_len - kUdpLen, acc));
  return c == 0 ? 0xffff : c;
}

void write_udp_header(uint8_t* udp, uint16_t udp_len, const Endpoints& e, uint16_t checksum) {
  store_be16(udp + offsetof(UdpHeaderWire, src_port), e.src_port);
  store_be16(udp + offsetof(UdpHeaderWire, dst_port), e.dst_port);
  store_be16(udp + offsetof(UdpHeaderWire, length), udp_len);
  store_be16(udp + offsetof(UdpHeaderWire, checksum), checksum);
}

}  // namespace

FrameDrop parse_frame(const uint8_t* frame, size_t len, FrameInfo* out) {
  if (len < kEthLen) return FrameDrop::kTooShort;
  size_t l3 = kEthLen;
  uint16_t type = load_be16(frame + offsetof(EthHeaderWire, ethertype));
  out->vlan = false;
  out->vlan_tci = 0;
  if (type == kEtherTypeVlan) {
    if (len < kEthLen + kVlanLen) return FrameDrop::kTooShort;
    out->vlan = true;
    out->vlan_tci = load_be16(frame + kEthLen + offsetof(VlanTagWire, tci));
    type = load_be16(frame + kEthLen + offsetof(VlanTagWire, ethertype));
    l3 += kVlanLen;
  }
  out->l3_offset = static_cast<uint16_t>(l3);
  FrameDrop d;
  if (type == kEtherTypeIpv4) {
    d = parse_ipv4(frame, len, l3, out);
  } else if (type == kEtherTypeIpv6) {
    d = parse_ipv6(frame, len, l3, out);
  } else {
    return FrameDrop::kNotIp;
  }
  if (d != FrameDrop::kNone) return d;
  if (is_bad_endpoint(frame + offsetof(EthHeaderWire, src), out->src, out->src_port, out->ipv6))
    return FrameDrop::kBadSource;
  if (is_bad_endpoint(frame + offsetof(EthHeaderWire, dst), out->dst, out->dst_port, out->ipv6))
    return FrameDrop::kBadDestination;
  return FrameDrop::kNone;
}

size_t build_reply_in_place(uint8_t* frame, const FrameInfo& in, size_t reply_payload_len) {
  if (reply_payload_len > in.payload_len) return 0;
  uint8_t mac[6];
  std::memcpy(mac, frame + offsetof(EthHeaderWire, dst), 6);
  std::memcpy(frame + offsetof(EthHeaderWire, dst), frame + offsetof(EthHeaderWire, src), 6);
  std::memcpy(frame + offsetof(EthHeaderWire, src), mac, 6);

  const Endpoints e = reply_endpoints(in);
  uint8_t* ip = frame + in.l3_offset;
  const size_t l4 = reply_payload_offset(in) - kUdpLen;
  const auto udp_len = static_cast<uint16_t>(kUdpLen + reply_payload_len);
  // Summed before the payload moves (IPv4 options, IPv6 extension headers), which would
  // otherwise be read back right after being stored.
  const uint16_t checksum = udp_checksum(e, udp_len, frame + in.payload_offset);
  if (l4 != in.l4_offset)
    std::memmove(frame + l4 + kUdpLen, frame + in.payload_offset, reply_payload_len);
  if (in.ipv6) {
    const uint32_t vcf = load_be32(ip) & ~(uint32_t{0x3} << 20);  // clear ECN
    write_ipv6_header(ip, vcf, udp_len, e);
  } else {
    const auto tos = static_cast<uint8_t>(ip[offsetof(Ipv4HeaderWire, tos)] & ~0x3u);
    write_ipv4_header(ip, tos, udp_len, e);
  }
  write_udp_header(frame + l4, udp_len, e, checksum);
  return l4 + udp_len;
}

void refresh_reply_udp_checksum(uint8_t* frame, const FrameInfo& in, size_t reply_payload_len) {
  const size_t l4 = reply_payload_offset(in) - kUdpLen;
  const auto udp_len = static_cast<uint16_t>(kUdpLen + reply_payload_len);
  store_be16(frame + l4 + offsetof(UdpHeaderWire, checksum),
             udp_checksum(reply_endpoints(in), udp_len, frame + l4 + kUdpLen));
}

size_t write_udp_frame(uint8_t* buf, size_t cap, const FrameSpec& spec, const uint8_t* payload,
                       size_t payload_len) {
  const bool ipv6 = !spec.src.is_v4();
  if (spec.dst.is_v4() == ipv6 || payload_len > kMaxUdpPayload) return 0;
  const size_t l3 = kEthLen + (spec.vlan ? kVlanLen : 0);
  const size_t l4 = l3 + (ipv6 ? kIpv6Len : kIpv4Len);
  const size_t total = l4 + kUdpLen + payload_len;
  if (total > cap) return 0;
  if (payload_len) std::memmove(buf + l4 + kUdpLen, payload, payload_len);

  std::memcpy(buf + offsetof(EthHeaderWire, dst), spec.dst_mac, 6);
  std::memcpy(buf + offsetof(EthHeaderWire, src), spec.src_mac, 6);
  const uint16_t ip_type = ipv6 ? kEtherTypeIpv6 : kEtherTypeIpv4;
  if (spec.vlan) {
    store_be16(buf + offsetof(EthHeaderWire, ethertype), kEtherTypeVlan);
    store_be16(buf + kEthLen + offsetof(VlanTagWire, tci), spec.vlan_tci);
    store_be16(buf + kEthLen + offsetof(VlanTagWire, ethertype), ip_type);
  } else {
    store_be16(buf + offsetof(EthHeaderWire, ethertype), ip_type);
  }
  const size_t skip = ipv6 ? 0 : 12;
  const Endpoints e{spec.src.bytes.data() + skip, spec.dst.bytes.data() + skip, ipv6 ? 16u : 4u,
                    spec.src_port, spec.dst_port};
  const auto udp_len = static_cast<uint16_t>(kUdpLen + payload_len);
  if (ipv6) {
    write_ipv6_header(buf + l3, uint32_t{6} << 28, udp_len, e);
  } else {
    write_ipv4_header(buf + l3, 0, udp_len, e);
  }
  write_udp_header(buf + l4, udp_len, e, udp_checksum(e, udp_len, buf + l4 + kUdpLen));
  return total;
}

}  // namespace chronon::dp
