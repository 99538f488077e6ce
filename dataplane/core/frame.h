// Ethernet/802.1Q/IPv4/IPv6/UDP frames as the kernel-bypass backends (AF_XDP, DPDK) see them:
// validate a received frame down to its UDP payload, and turn it into the reply in place.
// Pure functions: no syscalls, no allocation, no exceptions; every read is bounds-checked.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dataplane/shared/ip_address.h"

namespace chronon::dp {

// Wire formats; fields are in network byte order and accessed through memcpy (frames are not
// aligned on every backend).
inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeIpv6 = 0x86dd;
inline constexpr uint16_t kEtherTypeVlan = 0x8100;  // IEEE 802.1Q
inline constexpr uint8_t kIpProtoUdp = 17;
inline constexpr uint8_t kReplyHopLimit = 64;  // RFC 1700 default TTL, as Linux uses

struct EthHeaderWire {
  uint8_t dst[6];
  uint8_t src[6];
  uint16_t ethertype;  // or the 802.1Q TPID
};
static_assert(sizeof(EthHeaderWire) == 14);
static_assert(offsetof(EthHeaderWire, ethertype) == 12);

struct VlanTagWire {   // follows EthHeaderWire when its ethertype is kEtherTypeVlan
  uint16_t tci;        // PCP (3 bits), DEI (1), VID (12)
  uint16_t ethertype;  // of the payload
};
static_assert(sizeof(VlanTagWire) == 4);

struct Ipv4HeaderWire {  // RFC 791 §3.1; options (IHL > 5) follow
  uint8_t version_ihl;
  uint8_t tos;  // DSCP (6 bits), ECN (2)
  uint16_t total_length;
  uint16_t id;
  uint16_t flags_fragment;  // reserved, DF, MF, 13-bit fragment offset
  uint8_t ttl;
  uint8_t protocol;
  uint16_t checksum;
  uint8_t src[4];
  uint8_t dst[4];
};
static_assert(sizeof(Ipv4HeaderWire) == 20);
static_assert(offsetof(Ipv4HeaderWire, flags_fragment) == 6);
static_assert(offsetof(Ipv4HeaderWire, checksum) == 10);
static_assert(offsetof(Ipv4HeaderWire, src) == 12);

struct Ipv6HeaderWire {         // RFC 8200 §3
  uint32_t version_class_flow;  // version (4 bits), traffic class (8), flow label (20)
  uint16_t payload_length;
  uint8_t next_header;
  uint8_t hop_limit;
  uint8_t src[16];
  uint8_t dst[16];
};
static_assert(sizeof(Ipv6HeaderWire) == 40);
static_assert(offsetof(Ipv6HeaderWire, next_header) == 6);
static_assert(offsetof(Ipv6HeaderWire, src) == 8);
static_assert(offsetof(Ipv6HeaderWire, dst) == 24);

struct UdpHeaderWire {  // RFC 768
  uint16_t src_port;
  uint16_t dst_port;
  uint16_t length;  // header + data
  uint16_t checksum;
};
static_assert(sizeof(UdpHeaderWire) == 8);

// Why a frame was not handed to the responder. Checks run in this order; names are counter
// names shown by the CLI.
enum class FrameDrop : uint8_t {
  kNone = 0,
  // Ends before the Ethernet header, the 802.1Q tag, or the fixed IPv4 (20-byte) or IPv6
  // (40-byte) header (RFC 1812 §5.2.2 (1)).
  kTooShort,
  // Ethertype neither IPv4 nor IPv6 after at most one 802.1Q (0x8100) tag: ARP, LLC/802.3
  // lengths, 802.1ad (0x88a8) and double-tagged frames all end here; the kernel path (XDP
  // pass / DPDK exception port) handles them.
  kNotIp,
  // Version, IHL < 5, total length < IHL (RFC 1812 §5.2.2 (3)-(5)) or an IP length beyond the
  // bytes received; IPv6 payload length 0 (jumbogram, RFC 2675) or beyond the frame; an IPv6
  // extension header running past the payload or with a malformed option TLV. Bytes after the
  // IP length (Ethernet padding) are ignored.
  kBadIpHeader,
  kBadIpChecksum,  // RFC 791 §3.1, RFC 1812 §5.2.2 (2)
  // IPv4 MF set or fragment offset non-zero; any IPv6 Fragment header (44), atomic fragments
  // (RFC 6946) included, as no sender makes them any more (RFC 8021). NTP requests never need
  // fragmenting, and reassembly has no place on the hot path.
  kFragment,
  kNotUdp,  // any other upper-layer protocol, IPv6 "no next header" (59) included
  // IPv6 extension headers other than those skipped. Skipped: Hop-by-Hop (0, only directly
  // after the IPv6 header, RFC 8200 §4.1), Destination Options (60) and Routing (43) with
  // Segments Left 0 (we are its final destination, RFC 8200 §4.4), at most four of them in all.
  // In Hop-by-Hop and Destination Options, options whose type's two high bits say "skip if
  // unrecognised" (00) are skipped, others are unrecognised and drop the frame (RFC 8200 §4.2).
  // Dropped: AH (51), ESP (50), Mobility (135), HIP (139), Shim6 (140), experimental (253,
  // 254), Routing with Segments Left > 0, Hop-by-Hop not first, longer chains.
  kUnsupportedIpv6Ext,
  // IP payload shorter than a UDP header, or UDP length < 8 or beyond the IP payload. A UDP
  // length shorter than the IP payload is accepted and the surplus ignored, as Linux does
  // (and as draft-ietf-tsvwg-udp-options uses it).
  kBadUdpLength,
  // Wrong UDP checksum; zero ("none") is allowed over IPv4 only (RFC 768; RFC 8200 §8.1).
  kBadUdpChecksum,
  // A source no reply can go to: a group (multicast/broadcast) source MAC (IEEE 802.3 §3.2.3);
  // IPv4 0/8, 127/8, 224/4 multicast, 240/4 reserved incl. 255.255.255.255 (RFC 1812 §5.3.7,
  // RFC 1122 §3.2.1.3); IPv6 ::, ::1, ff00::/8 multicast and ::ffff:0:0/96 IPv4-mapped (RFC
  // 4291 §2.5.2, §2.5.3, §2.7, §2.5.5.2; a mapped source would also alias an IPv4 client in
  // the client table); UDP source port 0 (RFC 768: no reply expected).
  kBadSource,
  // The same tests on the destination, because the reply is sent from it: a request to a
  // broadcast or multicast address or MAC must not produce a reply from one. Whether the
  // destination is one of ours is the backend's business (the XDP program or the DPDK
  // worker's address list), as is a subnet-directed broadcast, which needs the prefix.
  kBadDestination,
  kCount,
};

const char* frame_drop_name(FrameDrop d);

// What parse_frame found; valid only when it returned kNone. Offsets are from the frame start.
struct FrameInfo {
  uint16_t l3_offset;       // IPv4/IPv6 header
  uint16_t l4_offset;       // UDP header (after IPv4 options / IPv6 extension headers)
  uint16_t payload_offset;  // UDP payload
  uint16_t payload_len;     // UDP length - 8
  bool ipv6;
  bool vlan;
  uint16_t vlan_tci;  // host order, whole TCI (PCP, DEI, VID); 0 without a tag
  IpAddress src, dst;
  uint16_t src_port, dst_port;  // host order
  uint8_t ttl_or_hlim;
};

// Validates an Ethernet II frame (no FCS) carrying UDP over IPv4 or IPv6, with at most one
// 802.1Q tag, verifying the IPv4 header checksum and the UDP checksum.
FrameDrop parse_frame(const uint8_t* frame, size_t len, FrameInfo* out);

// Where the UDP payload is once build_reply_in_place has run: the reply has no IPv4 options
// and no IPv6 extension headers, so it may have moved towards the start of the frame.
inline uint16_t reply_payload_offset(const FrameInfo& in) {
  return static_cast<uint16_t>(in.l3_offset +
                               (in.ipv6 ? sizeof(Ipv6HeaderWire) : sizeof(Ipv4HeaderWire)) +
                               sizeof(UdpHeaderWire));
}

// Turns a parsed request frame into its reply. Precondition: the reply payload
// (reply_payload_len <= in.payload_len bytes) is already at frame + in.payload_offset; returns
// 0 without touching the frame otherwise. Returns the reply's frame length, never more than
// the request's (no padding to 60 bytes: NICs pad short frames).
//  * Ethernet: MACs swapped, the 802.1Q tag kept as received (same VLAN, same priority).
//  * IPv4: addresses swapped, options dropped (IHL 5: a source route must be reversed, not
//    echoed, RFC 1122 §3.2.1.8, and the kernel path sends UDP replies without options either),
//    DSCP kept, ECN cleared (a CE mark belongs to the request's path), ID 0 with DF (RFC 6864
//    atomic datagram), TTL 64, new total length and header checksum.
//  * IPv6: addresses swapped, extension headers dropped (next header UDP), DSCP and flow label
//    kept (flow-label reflection keeps ECMP/anycast paths symmetric), ECN cleared, hop limit 64.
//  * UDP: ports swapped, new length, checksum always computed (0 is sent as 0xffff).
size_t build_reply_in_place(uint8_t* frame, const FrameInfo& in, size_t reply_payload_len);

// Recomputes the UDP checksum of a reply made by build_reply_in_place, for backends that write
// into the payload afterwards (the transmit timestamp, as late as possible).
void refresh_reply_udp_checksum(uint8_t* frame, const FrameInfo& in, size_t reply_payload_len);

// A frame to build from scratch (tests, the load generator). Both addresses must be of the
// same family (IpAddress::is_v4() decides IPv4 versus IPv6).
struct FrameSpec {
  uint8_t src_mac[6], dst_mac[6];
  bool vlan;
  uint16_t vlan_tci;
  IpAddress src, dst;
  uint16_t src_port, dst_port;
};

// Writes a whole frame (IPv4: IHL 5, ID 0, DF, TTL 64; IPv6: hop limit 64, no extension
// headers; UDP checksum computed) and returns its length; 0 if it does not fit in `cap`, the
// payload is too long for one datagram, or the address families differ. `payload` may point
// into `buf` (it is moved, not copied).
size_t write_udp_frame(uint8_t* buf, size_t cap, const FrameSpec& spec, const uint8_t* payload,
                       size_t payload_len);

}  // namespace chronon::dp
