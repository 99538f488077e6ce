// Tests for Ethernet/VLAN/IPv4/IPv6/UDP frame parsing and in-place replies: tshark-checked
// frames, every drop reason, replies compared byte for byte, and random mutations.
#include "dataplane/core/frame.h"

#include <endian.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "dataplane/core/inet_checksum.h"
#include "tests/unit/dataplane/core/frame_test_vectors.h"

namespace chronon::dp {
namespace {

using namespace testing;  // the frame vectors
using Bytes = std::vector<uint8_t>;

template <size_t N>
Bytes bytes(const uint8_t (&a)[N]) {
  return Bytes(a, a + N);
}

FrameDrop drop_of(const Bytes& f) {
  FrameInfo info;
  return parse_frame(f.data(), f.size(), &info);
}

FrameInfo parsed(const Bytes& f) {
  FrameInfo info{};
  EXPECT_EQ(parse_frame(f.data(), f.size(), &info), FrameDrop::kNone);
  return info;
}

IpAddress ip(const char* text) { return *parse_ip(text); }

void put16(Bytes& f, size_t off, uint16_t v) {
  f[off] = static_cast<uint8_t>(v >> 8);
  f[off + 1] = static_cast<uint8_t>(v);
}

// Recomputes whatever checksums of an untagged or tagged IPv4/IPv6 frame (no extension
// headers) it can reach within bounds, so mutations get past the checksum tests.
void fix_checksums(Bytes& f) {
  size_t l3 = 14;
  if (f.size() >= 18 && f[12] == 0x81 && f[13] == 0x00) l3 = 18;
  if (f.size() < l3 + 20) return;
  size_t l4;
  const uint8_t* src;
  size_t addr_len;
  if ((f[l3] >> 4) == 4) {
    const size_t ihl = (f[l3] & 0xfu) * 4;
    if (ihl < 20 || l3 + ihl > f.size()) return;
    put16(f, l3 + 10, 0);
    put16(f, l3 + 10, inet_checksum(f.data() + l3, ihl));
    l4 = l3 + ihl;
    src = f.data() + l3 + 12;
    addr_len = 4;
  } else {
    if (f.size() < l3 + 40) return;
    l4 = l3 + 40;
    src = f.data() + l3 + 8;
    addr_len = 16;
  }
  if (f.size() < l4 + 8) return;
  const size_t udp_len = size_t{f[l4 + 4]} << 8 | f[l4 + 5];
  if (udp_len < 8 || l4 + udp_len > f.size()) return;
  put16(f, l4 + 6, 0);
  uint16_t c = csum_finish(csum_partial(
      f.data() + l4, udp_len,
      udp_pseudo_header_sum(src, src + addr_len, addr_len, static_cast<uint16_t>(udp_len))));
  put16(f, l4 + 6, c == 0 ? 0xffff : c);
}

// kNtpV6 with `ext` inserted after the IPv6 header, whose next header becomes `first`.
// The UDP checksum does not cover extension headers, so it stays valid.
Bytes v6_with_ext(uint8_t first, const Bytes& ext) {
  Bytes f = bytes(kNtpV6);
  f.insert(f.begin() + 54, ext.begin(), ext.end());
  f[20] = first;
  put16(f, 18, static_cast<uint16_t>(56 + ext.size()));
  return f;
}

FrameSpec client_spec(const char* src, const char* dst) {
  FrameSpec s{};
  const uint8_t srv[6] = {2, 0, 0, 0, 0, 1}, cli[6] = {2, 0, 0, 0, 0, 2};
  std::memcpy(s.dst_mac, srv, 6);
  std::memcpy(s.src_mac, cli, 6);
  s.src = ip(src);
  s.dst = ip(dst);
  s.src_port = 51234;
  s.dst_port = 123;
  return s;
}

Bytes written(const FrameSpec& spec, size_t payload_len = 48) {
  Bytes payload(payload_len);
  for (size_t i = 0; i < payload_len; ++i) payload[i] = static_cast<uint8_t>(i * 7 + 1);
  Bytes f(2048);
  f.resize(write_udp_frame(f.data(), f.size(), spec, payload.data(), payload.size()));
  EXPECT_FALSE(f.empty());
  return f;
}

// kNtpV6 between other addresses (write_udp_frame cannot put IPv4-mapped ones in IPv6).
Bytes v6_frame(const char* src, const char* dst) {
  Bytes f = bytes(kNtpV6);
  std::copy_n(ip(src).bytes.begin(), 16, f.begin() + 22);
  std::copy_n(ip(dst).bytes.begin(), 16, f.begin() + 38);
  fix_checksums(f);
  return f;
}

// ---- accepted frames ----

TEST(Frame, ParsesNtpRequestOverIpv4) {
  const FrameInfo i = parsed(bytes(kNtpV4));
  EXPECT_EQ(i.l3_offset, 14);
  EXPECT_EQ(i.l4_offset, 34);
  EXPECT_EQ(i.payload_offset, 42);
  EXPECT_EQ(i.payload_len, 48);
  EXPECT_FALSE(i.ipv6);
  EXPECT_FALSE(i.vlan);
  EXPECT_EQ(i.vlan_tci, 0);
  EXPECT_EQ(i.src, ip("192.0.2.10"));
  EXPECT_EQ(i.dst, ip("192.0.2.1"));
  EXPECT_EQ(i.src_port, 51234);
  EXPECT_EQ(i.dst_port, 123);
  EXPECT_EQ(i.ttl_or_hlim, 64);
}

TEST(Frame, SkipsIpv4Options) {
  const FrameInfo i = parsed(bytes(kNtpV4Options));
  EXPECT_EQ(i.l4_offset, 38);
  EXPECT_EQ(i.payload_offset, 46);
  EXPECT_EQ(i.payload_len, 48);
}

TEST(Frame, ParsesVlanTag) {
  const FrameInfo i = parsed(bytes(kNtpV4Vlan));
  EXPECT_TRUE(i.vlan);
  EXPECT_EQ(i.vlan_tci, 0x2064);
  EXPECT_EQ(i.l3_offset, 18);
  EXPECT_EQ(i.payload_offset, 46);
  EXPECT_EQ(i.src, ip("192.0.2.10"));
}

TEST(Frame, AcceptsIpv4WithoutUdpChecksum) {
  EXPECT_EQ(parsed(bytes(kNtpV4NoUdpChecksum)).payload_len, 48);
}

TEST(Frame, ParsesNtpRequestOverIpv6) {
  const FrameInfo i = parsed(bytes(kNtpV6));
  EXPECT_TRUE(i.ipv6);
  EXPECT_EQ(i.l3_offset, 14);
  EXPECT_EQ(i.l4_offset, 54);
  EXPECT_EQ(i.payload_offset, 62);
  EXPECT_EQ(i.payload_len, 48);
  EXPECT_EQ(i.src, ip("2001:db8::10"));
  EXPECT_EQ(i.dst, ip("2001:db8::1"));
  EXPECT_EQ(i.src_port, 51234);
  EXPECT_EQ(i.ttl_or_hlim, 64);
}

TEST(Frame, SkipsHopByHopHeader) {
  const FrameInfo i = parsed(bytes(kNtpV6HopByHop));
  EXPECT_EQ(i.l4_offset, 62);
  EXPECT_EQ(i.payload_len, 48);
}

TEST(Frame, SkipsHopByHopDestinationOptionsAndSpentRoutingHeader) {
  const FrameInfo i = parsed(bytes(kNtpV6ExtChain));
  EXPECT_EQ(i.l4_offset, 14 + 40 + 8 + 8 + 24);
  EXPECT_EQ(i.payload_len, 48);
}

TEST(Frame, SkipsFourExtensionHeaders) {
  Bytes ext = {60, 0, 1, 4, 0, 0, 0, 0};             // Hop-by-Hop, PadN(4)
  ext.insert(ext.end(), {43, 0, 1, 4, 0, 0, 0, 0});  // Destination Options
  ext.insert(ext.end(), {60, 0, 4, 0, 0, 0, 0, 0});  // Routing, Segments Left 0
  ext.insert(ext.end(), {17, 0, 0, 0, 0, 0, 0, 0});  // Destination Options, Pad1 x6
  EXPECT_EQ(parsed(v6_with_ext(0, ext)).l4_offset, 54 + 32);
}

TEST(Frame, IgnoresEthernetPadding) {
  const FrameInfo i = parsed(bytes(kShortV4Padded));
  EXPECT_EQ(i.payload_len, 4);
  EXPECT_EQ(i.dst_port, 7);
}

TEST(Frame, AcceptsUdpLengthShorterThanIpPayload) {
  Bytes f = bytes(kNtpV4);
  put16(f, 38, 40);  // UDP length 40 in a 56-byte IP payload
  fix_checksums(f);
  EXPECT_EQ(parsed(f).payload_len, 32);
}

TEST(Frame, AcceptsOrdinaryUnicastEndpoints) {
  for (const char* src : {"1.0.0.1", "126.255.255.255", "128.0.0.1", "223.255.255.254", "10.0.0.1"})
    EXPECT_EQ(drop_of(written(client_spec(src, "192.0.2.1"))), FrameDrop::kNone) << src;
  for (const char* src : {"fe80::1", "::2", "64:ff9b::c000:20a", "2001:db8::ffff:1"})
    EXPECT_EQ(drop_of(v6_frame(src, "2001:db8::1")), FrameDrop::kNone) << src;
}

// ---- drop reasons ----

TEST(FrameDrops, TooShortBeforeTheFixedHeaders) {
  const Bytes v4 = bytes(kNtpV4), vlan = bytes(kNtpV4Vlan), v6 = bytes(kNtpV6);
  for (size_t n = 0; n < 34; ++n)
    EXPECT_EQ(drop_of(Bytes(v4.begin(), v4.begin() + n)), FrameDrop::kTooShort) << n;
  for (size_t n = 0; n < 38; ++n)
    EXPECT_EQ(drop_of(Bytes(vlan.begin(), vlan.begin() + n)), FrameDrop::kTooShort) << n;
  for (size_t n = 0; n < 54; ++n)
    EXPECT_EQ(drop_of(Bytes(v6.begin(), v6.begin() + n)), FrameDrop::kTooShort) << n;
}

TEST(FrameDrops, TruncatedDatagramIsABadIpHeader) {
  const Bytes v4 = bytes(kNtpV4), v6 = bytes(kNtpV6);
  for (size_t n = 34; n < v4.size(); ++n)
    EXPECT_EQ(drop_of(Bytes(v4.begin(), v4.begin() + n)), FrameDrop::kBadIpHeader) << n;
  for (size_t n = 54; n < v6.size(); ++n)
    EXPECT_EQ(drop_of(Bytes(v6.begin(), v6.begin() + n)), FrameDrop::kBadIpHeader) << n;
}

TEST(FrameDrops, NotIp) {
  Bytes f = bytes(kNtpV4);
  put16(f, 12, 0x0806);  // ARP
  EXPECT_EQ(drop_of(f), FrameDrop::kNotIp);
  put16(f, 12, 0x0040);  // 802.3 length
  EXPECT_EQ(drop_of(f), FrameDrop::kNotIp);
  f = bytes(kNtpV4Vlan);
  put16(f, 12, 0x88a8);  // 802.1ad outer tag
  EXPECT_EQ(drop_of(f), FrameDrop::kNotIp);
  f = bytes(kNtpV4Vlan);
  put16(f, 16, 0x8100);  // second 802.1Q tag
  EXPECT_EQ(drop_of(f), FrameDrop::kNotIp);
}

TEST(FrameDrops, BadIpv4Header) {
  auto with = [](size_t off, uint8_t v) {
    Bytes f = bytes(kNtpV4);
    f[off] = v;
    fix_checksums(f);
    return drop_of(f);
  };
  EXPECT_EQ(with(14, 0x65), FrameDrop::kBadIpHeader);  // version 6 behind ethertype IPv4
  EXPECT_EQ(with(14, 0x44), FrameDrop::kBadIpHeader);  // IHL 4
  Bytes f = bytes(kNtpV4);
  put16(f, 16, 19);  // total length < IHL
  fix_checksums(f);
  EXPECT_EQ(drop_of(f), FrameDrop::kBadIpHeader);
  f = bytes(kNtpV4);
  put16(f, 16, 77);  // one byte beyond the frame
  fix_checksums(f);
  EXPECT_EQ(drop_of(f), FrameDrop::kBadIpHeader);
}

TEST(FrameDrops, BadIpv6Header) {
  Bytes f = bytes(kNtpV6);
  f[14] = 0x40;  // version 4 behind ethertype IPv6
  EXPECT_EQ(drop_of(f), FrameDrop::kBadIpHeader);
  f = bytes(kNtpV6);
  put16(f, 18, 0);  // jumbogram
  EXPECT_EQ(drop_of(f), FrameDrop::kBadIpHeader);
  f = bytes(kNtpV6);
  put16(f, 18, 57);  // beyond the frame
  EXPECT_EQ(drop_of(f), FrameDrop::kBadIpHeader);
  // Hop-by-Hop claiming 16 bytes in a 12-byte payload.
  f = v6_with_ext(0, {17, 1, 1, 4, 0, 0, 0, 0});
  put16(f, 18, 12);
  EXPECT_EQ(drop_of(f), FrameDrop::kBadIpHeader);
  // Extension header cut short: fewer than 8 bytes left.
  f = v6_with_ext(0, {17, 0, 1, 4, 0, 0, 0, 0});
  put16(f, 18, 6);
  EXPECT_EQ(drop_of(f), FrameDrop::kBadIpHeader);
  // PadN whose length runs past the header.
  EXPECT_EQ(drop_of(v6_with_ext(0, {17, 0, 1, 5, 0, 0, 0, 0})), FrameDrop::kBadIpHeader);
  // An option type in the last byte, without its length.
  EXPECT_EQ(drop_of(v6_with_ext(60, {17, 0, 0, 0, 0, 0, 0, 5})), FrameDrop::kBadIpHeader);
}

TEST(FrameDrops, BadIpChecksum) {
  Bytes f = bytes(kNtpV4);
  f[22] = 63;  // TTL changed, checksum not
  EXPECT_EQ(drop_of(f), FrameDrop::kBadIpChecksum);
  f = bytes(kNtpV4Options);
  f[37] = 1;  // inside the option
  EXPECT_EQ(drop_of(f), FrameDrop::kBadIpChecksum);
}

TEST(FrameDrops, Fragments) {
  for (uint16_t flags : {0x2000, 0x6000, 0x0001, 0x4001, 0x1fff}) {
    Bytes f = bytes(kNtpV4);
    put16(f, 20, flags);
    fix_checksums(f);
    EXPECT_EQ(drop_of(f), FrameDrop::kFragment) << flags;
  }
  Bytes f = bytes(kNtpV4);
  put16(f, 20, 0x8000);  // the reserved flag alone is not a fragment
  fix_checksums(f);
  EXPECT_EQ(drop_of(f), FrameDrop::kNone);
  // IPv6 Fragment header, first fragment and atomic fragment (RFC 6946).
  EXPECT_EQ(drop_of(v6_with_ext(44, {17, 0, 0, 1, 0, 0, 0, 1})), FrameDrop::kFragment);
  EXPECT_EQ(drop_of(v6_with_ext(44, {17, 0, 0, 0, 0, 0, 0, 1})), FrameDrop::kFragment);
  EXPECT_EQ(drop_of(v6_with_ext(0, {44, 0, 1, 4, 0, 0, 0, 0, 17, 0, 0, 0, 0, 0, 0, 1})),
            FrameDrop::kFragment);
}

TEST(FrameDrops, NotUdp) {
  for (uint8_t proto : {1, 6, 58, 132}) {
    Bytes f = bytes(kNtpV4);
    f[23] = proto;
    fix_checksums(f);
    EXPECT_EQ(drop_of(f), FrameDrop::kNotUdp) << int(proto);
    f = bytes(kNtpV6);
    f[20] = proto;
    EXPECT_EQ(drop_of(f), FrameDrop::kNotUdp) << int(proto);
  }
  Bytes f = bytes(kNtpV6);
  f[20] = 59;  // no next header
  EXPECT_EQ(drop_of(f), FrameDrop::kNotUdp);
  EXPECT_EQ(drop_of(v6_with_ext(0, {6, 0, 1, 4, 0, 0, 0, 0})), FrameDrop::kNotUdp);
}

TEST(FrameDrops, UnsupportedIpv6ExtensionHeaders) {
  for (uint8_t nh : {50, 51, 135, 139, 140, 253, 254})
    EXPECT_EQ(drop_of(v6_with_ext(nh, {17, 0, 0, 0, 0, 0, 0, 0})), FrameDrop::kUnsupportedIpv6Ext)
        << int(nh);
  // Hop-by-Hop after Destination Options.
  EXPECT_EQ(drop_of(v6_with_ext(60, {0, 0, 1, 4, 0, 0, 0, 0, 17, 0, 1, 4, 0, 0, 0, 0})),
            FrameDrop::kUnsupportedIpv6Ext);
  // Routing header with a segment still to visit: we are not the final destination.
  EXPECT_EQ(drop_of(v6_with_ext(43, {17, 2, 4, 1, 0, 0, 0, 0, 0x20, 1, 0x0d, 0xb8,
                                     0,  0, 0, 0, 0, 0, 0, 0, 0,    0, 0,    9})),
            FrameDrop::kUnsupportedIpv6Ext);
  // Options the receiver must understand (high bits 01, 10, 11), e.g. Jumbo Payload and Home
  // Address; option type 0x3e (high bits 00) is skipped.
  for (uint8_t type : {0x42, 0x82, 0xc2, 0xc9})
    EXPECT_EQ(drop_of(v6_with_ext(0, {17, 0, type, 4, 0, 0, 0, 0})), FrameDrop::kUnsupportedIpv6Ext)
        << int(type);
  EXPECT_EQ(drop_of(v6_with_ext(60, {17, 0, 0x3e, 4, 0, 0, 0, 0})), FrameDrop::kNone);
  // Five skippable headers: longer than any RFC 8200 §4.1 order allows.
  Bytes ext;
  for (int i = 0; i < 4; ++i) ext.insert(ext.end(), {60, 0, 1, 4, 0, 0, 0, 0});
  ext.insert(ext.end(), {17, 0, 1, 4, 0, 0, 0, 0});
  EXPECT_EQ(drop_of(v6_with_ext(60, ext)), FrameDrop::kUnsupportedIpv6Ext);
}

TEST(FrameDrops, BadUdpLength) {
  Bytes f = bytes(kNtpV4);
  put16(f, 38, 7);
  EXPECT_EQ(drop_of(f), FrameDrop::kBadUdpLength);
  put16(f, 38, 57);  // beyond the 56-byte IP payload
  EXPECT_EQ(drop_of(f), FrameDrop::kBadUdpLength);
  f = bytes(kNtpV4);
  put16(f, 16, 27);  // 7 bytes of IP payload
  fix_checksums(f);
  EXPECT_EQ(drop_of(f), FrameDrop::kBadUdpLength);
  f = bytes(kNtpV6);
  put16(f, 58, 57);
  EXPECT_EQ(drop_of(f), FrameDrop::kBadUdpLength);
  put16(f, 18, 4);
  EXPECT_EQ(drop_of(f), FrameDrop::kBadUdpLength);
}

TEST(FrameDrops, BadUdpChecksum) {
  Bytes f = bytes(kNtpV4);
  f[89] ^= 1;  // payload
  EXPECT_EQ(drop_of(f), FrameDrop::kBadUdpChecksum);
  f = bytes(kNtpV4);
  f[34] ^= 0x80;  // source port
  EXPECT_EQ(drop_of(f), FrameDrop::kBadUdpChecksum);
  f = bytes(kNtpV6);
  f[109] ^= 1;
  EXPECT_EQ(drop_of(f), FrameDrop::kBadUdpChecksum);
  f = bytes(kNtpV6);
  f[23] ^= 1;  // source address, covered by the pseudo-header
  EXPECT_EQ(drop_of(f), FrameDrop::kBadUdpChecksum);
  f = bytes(kNtpV6);
  put16(f, 60, 0);  // no checksum: not allowed over IPv6
  EXPECT_EQ(drop_of(f), FrameDrop::kBadUdpChecksum);
}

TEST(FrameDrops, BadSource) {
  for (const char* src : {"0.0.0.0", "0.1.2.3", "127.0.0.1", "224.0.0.1", "239.255.255.250",
                          "240.0.0.1", "255.255.255.255"})
    EXPECT_EQ(drop_of(written(client_spec(src, "192.0.2.1"))), FrameDrop::kBadSource) << src;
  for (const char* src : {"::", "::1", "ff02::1", "ff05::101", "::ffff:192.0.2.10"})
    EXPECT_EQ(drop_of(v6_frame(src, "2001:db8::1")), FrameDrop::kBadSource) << src;
  FrameSpec s = client_spec("192.0.2.10", "192.0.2.1");
  s.src_port = 0;
  EXPECT_EQ(drop_of(written(s)), FrameDrop::kBadSource);
  s = client_spec("192.0.2.10", "192.0.2.1");
  s.src_mac[0] = 0x01;  // group address
  EXPECT_EQ(drop_of(written(s)), FrameDrop::kBadSource);
  std::fill(s.src_mac, s.src_mac + 6, 0xff);
  EXPECT_EQ(drop_of(written(s)), FrameDrop::kBadSource);
}

TEST(FrameDrops, BadDestination) {
  for (const char* dst : {"255.255.255.255", "224.0.1.1", "127.0.0.1", "0.0.0.0"})
    EXPECT_EQ(drop_of(written(client_spec("192.0.2.10", dst))), FrameDrop::kBadDestination) << dst;
  for (const char* dst : {"ff02::101", "ff05::101", "::1", "::ffff:192.0.2.1"})
    EXPECT_EQ(drop_of(v6_frame("2001:db8::10", dst)), FrameDrop::kBadDestination) << dst;
  FrameSpec s = client_spec("192.0.2.10", "192.0.2.1");
  std::fill(s.dst_mac, s.dst_mac + 6, 0xff);
  EXPECT_EQ(drop_of(written(s)), FrameDrop::kBadDestination);
  s = client_spec("192.0.2.10", "192.0.2.1");
  s.dst_port = 0;
  EXPECT_EQ(drop_of(written(s)), FrameDrop::kBadDestination);
}

TEST(FrameDrops, NamesAreDistinctSnakeCase) {
  std::set<std::string> names;
  for (int d = 0; d < static_cast<int>(FrameDrop::kCount); ++d) {
    const std::string n = frame_drop_name(static_cast<FrameDrop>(d));
    EXPECT_NE(n, "?");
    EXPECT_EQ(n.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_"), std::string::npos);
    names.insert(n);
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(FrameDrop::kCount));
}

// ---- replies ----

// Parses `request`, writes kNtpReply (first `n` bytes) as the payload, builds the reply.
Bytes reply_to(const Bytes& request, size_t n = sizeof kNtpReply) {
  Bytes f = request;
  const FrameInfo in = parsed(f);
  std::memcpy(f.data() + in.payload_offset, kNtpReply, n);
  const size_t len = build_reply_in_place(f.data(), in, n);
  EXPECT_NE(len, 0u);
  EXPECT_LE(len, request.size());
  f.resize(len);
  return f;
}

TEST(FrameReply, Ipv4MatchesTsharkCheckedBytes) {
  EXPECT_EQ(reply_to(bytes(kNtpV4)), bytes(kReplyV4));
}

TEST(FrameReply, Ipv4OptionsAreNotEchoed) {
  EXPECT_EQ(reply_to(bytes(kNtpV4Options)), bytes(kReplyV4));
}

TEST(FrameReply, RequestWithoutUdpChecksumGetsOne) {
  EXPECT_EQ(reply_to(bytes(kNtpV4NoUdpChecksum)), bytes(kReplyV4));
}

TEST(FrameReply, VlanTagAndDscpKeptEcnCleared) {
  EXPECT_EQ(reply_to(bytes(kNtpV4Vlan)), bytes(kReplyV4Vlan));
}

TEST(FrameReply, Ipv6MatchesTsharkCheckedBytes) {
  EXPECT_EQ(reply_to(bytes(kNtpV6)), bytes(kReplyV6));
}

TEST(FrameReply, Ipv6ExtensionHeadersAreNotEchoed) {
  EXPECT_EQ(reply_to(bytes(kNtpV6HopByHop)), bytes(kReplyV6));
  EXPECT_EQ(reply_to(bytes(kNtpV6ExtChain)), bytes(kReplyV6));
}

TEST(FrameReply, Ipv6EcnClearedFlowLabelKept) {
  Bytes f = bytes(kNtpV6);
  f[14] = 0x6b;  // traffic class 0xb9: DSCP EF, ECT(1)
  f[15] = 0x91;
  const Bytes r = reply_to(f);
  EXPECT_EQ(r[14], 0x6b);
  EXPECT_EQ(r[15], 0x81);
  EXPECT_EQ(r[16], 0x23);
  EXPECT_EQ(r[17], 0x45);
}

const uint8_t* const kAllRequests[] = {kNtpV4, kNtpV4Options,  kNtpV4Vlan,    kNtpV4NoUdpChecksum,
                                       kNtpV6, kNtpV6HopByHop, kNtpV6ExtChain};
const size_t kAllRequestSizes[] = {
    sizeof kNtpV4, sizeof kNtpV4Options,  sizeof kNtpV4Vlan,    sizeof kNtpV4NoUdpChecksum,
    sizeof kNtpV6, sizeof kNtpV6HopByHop, sizeof kNtpV6ExtChain};

TEST(FrameReply, EveryPayloadLengthParsesBackSwapped) {
  for (size_t k = 0; k < std::size(kAllRequests); ++k) {
    const Bytes req(kAllRequests[k], kAllRequests[k] + kAllRequestSizes[k]);
    const FrameInfo in = parsed(req);
    for (size_t n = 0; n <= in.payload_len; ++n) {
      const Bytes r = reply_to(req, n);
      FrameInfo out{};
      ASSERT_EQ(parse_frame(r.data(), r.size(), &out), FrameDrop::kNone) << k << " " << n;
      EXPECT_EQ(out.src, in.dst);
      EXPECT_EQ(out.dst, in.src);
      EXPECT_EQ(out.src_port, in.dst_port);
      EXPECT_EQ(out.dst_port, in.src_port);
      EXPECT_EQ(out.ipv6, in.ipv6);
      EXPECT_EQ(out.vlan, in.vlan);
      EXPECT_EQ(out.vlan_tci, in.vlan_tci);
      EXPECT_EQ(out.ttl_or_hlim, kReplyHopLimit);
      EXPECT_EQ(out.payload_len, n);
      EXPECT_EQ(out.payload_offset, reply_payload_offset(in));
      EXPECT_EQ(r.size(), out.payload_offset + n);
      EXPECT_TRUE(std::equal(req.begin(), req.begin() + 6, r.begin() + 6));  // MACs swapped
      EXPECT_TRUE(std::equal(req.begin() + 6, req.begin() + 12, r.begin()));
      EXPECT_EQ(std::memcmp(r.data() + out.payload_offset, kNtpReply, n), 0);
    }
  }
}

TEST(FrameReply, LongerPayloadIsRefusedUntouched) {
  Bytes f = bytes(kNtpV4);
  const FrameInfo in = parsed(f);
  EXPECT_EQ(build_reply_in_place(f.data(), in, in.payload_len + 1u), 0u);
  EXPECT_EQ(f, bytes(kNtpV4));
}

TEST(FrameReply, LateWriteNeedsChecksumRefresh) {
  for (const Bytes& req : {bytes(kNtpV4Options), bytes(kNtpV6ExtChain)}) {
    Bytes f = reply_to(req);
    const FrameInfo in = parsed(req);
    f[reply_payload_offset(in) + 47] ^= 0x5a;  // transmit timestamp written late
    EXPECT_EQ(drop_of(f), FrameDrop::kBadUdpChecksum);
    refresh_reply_udp_checksum(f.data(), in, 48);
    EXPECT_EQ(drop_of(f), FrameDrop::kNone);
  }
}

TEST(FrameReply, ComputedZeroUdpChecksumIsSentAsAllOnes) {
  // Choose the last payload word so the checksum comes out zero (RFC 768: sent as 0xffff).
  Bytes f = bytes(kNtpV4);
  const FrameInfo in = parsed(f);
  uint8_t payload[48];
  std::memcpy(payload, kNtpReply, 48);
  payload[46] = payload[47] = 0;
  Bytes r = f;
  std::memcpy(r.data() + in.payload_offset, payload, 48);
  build_reply_in_place(r.data(), in, 48);
  const uint16_t c = static_cast<uint16_t>(r[40] << 8 | r[41]);
  ASSERT_NE(c, 0xffff);
  payload[46] = static_cast<uint8_t>(c >> 8);
  payload[47] = static_cast<uint8_t>(c);
  r = f;
  std::memcpy(r.data() + in.payload_offset, payload, 48);
  r.resize(build_reply_in_place(r.data(), in, 48));
  EXPECT_EQ(r[40], 0xff);
  EXPECT_EQ(r[41], 0xff);
  EXPECT_EQ(drop_of(r), FrameDrop::kNone);
}

// ---- write_udp_frame ----

TEST(WriteUdpFrame, Ipv4MatchesTsharkCheckedBytes) {
  Bytes f(128);
  f.resize(
      write_udp_frame(f.data(), f.size(), client_spec("192.0.2.10", "192.0.2.1"), kNtpV4 + 42, 48));
  EXPECT_EQ(f, bytes(kWrittenV4));
}

TEST(WriteUdpFrame, TaggedIpv6MatchesTsharkCheckedBytes) {
  FrameSpec s = client_spec("2001:db8::10", "2001:db8::1");
  s.vlan = true;
  s.vlan_tci = 5;
  Bytes f(128);
  f.resize(write_udp_frame(f.data(), f.size(), s, kNtpV6 + 62, 48));
  EXPECT_EQ(f, bytes(kWrittenV6Vlan));
}

TEST(WriteUdpFrame, RoundTripsThroughParse) {
  std::mt19937 rng(11);
  for (int i = 0; i < 400; ++i) {
    FrameSpec s = i % 2 ? client_spec("198.51.100.7", "203.0.113.9")
                        : client_spec("2001:db8:1::7", "2001:db8:2::9");
    s.vlan = (i / 2) % 2;
    s.vlan_tci = static_cast<uint16_t>(rng());
    s.src_port = static_cast<uint16_t>(rng() | 1);
    s.dst_port = static_cast<uint16_t>(rng() | 1);
    const size_t n = rng() % 1400;
    const Bytes f = written(s, n);
    const FrameInfo info = parsed(f);
    EXPECT_EQ(info.payload_len, n);
    EXPECT_EQ(info.src, s.src);
    EXPECT_EQ(info.dst, s.dst);
    EXPECT_EQ(info.src_port, s.src_port);
    EXPECT_EQ(info.dst_port, s.dst_port);
    EXPECT_EQ(info.vlan, s.vlan);
    EXPECT_EQ(info.vlan_tci, s.vlan ? s.vlan_tci : 0);
    for (size_t j = 0; j < n; ++j)
      ASSERT_EQ(f[info.payload_offset + j], static_cast<uint8_t>(j * 7 + 1));
  }
}

TEST(WriteUdpFrame, RefusesWhatDoesNotFit) {
  const FrameSpec s = client_spec("192.0.2.10", "192.0.2.1");
  uint8_t buf[128];
  EXPECT_EQ(write_udp_frame(buf, 89, s, kNtpReply, 48), 0u);
  EXPECT_EQ(write_udp_frame(buf, 90, s, kNtpReply, 48), 90u);
  static uint8_t big[70000];
  EXPECT_EQ(write_udp_frame(big, sizeof big, s, big, 65508), 0u);  // > one IPv4 datagram
  EXPECT_NE(write_udp_frame(big, sizeof big, s, big + 42, 65507), 0u);
  EXPECT_EQ(
      write_udp_frame(buf, sizeof buf, client_spec("192.0.2.10", "2001:db8::1"), kNtpReply, 48),
      0u);
}

// ---- property: random mutations ----

TEST(FrameProperty, RandomMutationsNeverMisbehave) {
  const std::vector<Bytes> bases = {
      bytes(kNtpV4), bytes(kNtpV4Options),  bytes(kNtpV4Vlan),     bytes(kNtpV4NoUdpChecksum),
      bytes(kNtpV6), bytes(kNtpV6HopByHop), bytes(kNtpV6ExtChain), bytes(kShortV4Padded)};
  std::mt19937 rng(2024);
  size_t seen[static_cast<int>(FrameDrop::kCount)] = {};
  for (int iter = 0; iter < 200000; ++iter) {
    Bytes f = bases[rng() % bases.size()];
    const int mutations = 1 + rng() % 3;
    for (int m = 0; m < mutations; ++m) {
      switch (rng() % 6) {
        case 0:  // random byte, weighted to the headers
          if (!f.empty()) f[rng() % std::min<size_t>(f.size(), 64)] = static_cast<uint8_t>(rng());
          break;
        case 1:  // bit flip anywhere
          if (!f.empty()) f[rng() % f.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
          break;
        case 2:  // truncate
          f.resize(rng() % (f.size() + 1));
          break;
        case 3:  // append garbage
          for (uint32_t k = rng() % 16; k > 0; --k) f.push_back(static_cast<uint8_t>(rng()));
          break;
        case 4:  // insert a byte
          f.insert(f.begin() + rng() % (f.size() + 1), static_cast<uint8_t>(rng()));
          break;
        default:
          break;
      }
    }
    if (rng() % 2) fix_checksums(f);
    FrameInfo in{};
    const FrameDrop d = parse_frame(f.data(), f.size(), &in);  // exact-size buffer for ASan
    ASSERT_LT(static_cast<int>(d), static_cast<int>(FrameDrop::kCount));
    ++seen[static_cast<int>(d)];
    if (d != FrameDrop::kNone) continue;
    ASSERT_LE(size_t{in.payload_offset} + in.payload_len, f.size());
    const size_t n = rng() % (in.payload_len + 1u);
    const size_t len = build_reply_in_place(f.data(), in, n);
    ASSERT_GT(len, 0u);
    ASSERT_LE(len, f.size());
    FrameInfo out{};
    ASSERT_EQ(parse_frame(f.data(), len, &out), FrameDrop::kNone);
    ASSERT_EQ(out.payload_len, n);
  }
  // The mutations must have reached every stage, or the test proves little.
  for (int d = 0; d < static_cast<int>(FrameDrop::kCount); ++d)
    EXPECT_GT(seen[d], 0u) << frame_drop_name(static_cast<FrameDrop>(d));
}

}  // namespace
}  // namespace chronon::dp
