// libFuzzer target: arbitrary Ethernet frames through parse_frame and build_reply_in_place.
// Checks: no out-of-bounds access, a parsed frame's reply is never longer than the request,
// writes nothing past it, and parses back as a valid frame with the endpoints swapped.
//
// Input: one control byte, then the frame. Control bit 0 asks for the IPv4 header and UDP
// checksums to be fixed up first (the fuzzer cannot solve checksums by itself, and without
// this would never get past them); bit 1 asks for a full-length reply, bits 2-7 pick a
// shorter one.
#include <cstdint>
#include <cstring>

#include "dataplane/core/frame.h"
#include "dataplane/core/inet_checksum.h"

using namespace chronon::dp;

namespace {

constexpr size_t kMaxFrame = 1 << 16;
constexpr size_t kCanary = 64;
uint8_t buf[kMaxFrame + kCanary];

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

// Best-effort checksum repair, bounds-checked but otherwise trusting: it only has to make
// mutated frames more often valid, not be right about malformed ones.
void fix_checksums(uint8_t* f, size_t len) {
  size_t l3 = 14;
  if (len >= 18 && f[12] == 0x81 && f[13] == 0x00) l3 = 18;
  if (len < l3 + 20) return;
  size_t l4;
  const uint8_t* addr;
  size_t addr_len;
  if ((f[l3] >> 4) == 4) {
    const size_t ihl = (f[l3] & 0xfu) * 4;
    if (ihl < 20 || l3 + ihl > len) return;
    put16(f + l3 + 10, 0);
    put16(f + l3 + 10, inet_checksum(f + l3, ihl));
    l4 = l3 + ihl;
    addr = f + l3 + 12;
    addr_len = 4;
  } else {
    if (len < l3 + 40) return;
    addr = f + l3 + 8;
    addr_len = 16;
    uint8_t next = f[l3 + 6];
    l4 = l3 + 40;
    for (int i = 0; i < 8 && next != 17; ++i) {
      if ((next != 0 && next != 43 && next != 60) || l4 + 8 > len) return;
      next = f[l4];
      l4 += (size_t{f[l4 + 1]} + 1) * 8;
    }
  }
  if (l4 + 8 > len) return;
  const size_t udp_len = size_t{f[l4 + 4]} << 8 | f[l4 + 5];
  if (udp_len < 8 || l4 + udp_len > len) return;
  put16(f + l4 + 6, 0);
  const uint16_t c = csum_finish(csum_partial(
      f + l4, udp_len,
      udp_pseudo_header_sum(addr, addr + addr_len, addr_len, static_cast<uint16_t>(udp_len))));
  put16(f + l4 + 6, c == 0 ? 0xffff : c);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size - 1 > kMaxFrame) return 0;
  const uint8_t ctl = data[0];
  const uint8_t* frame = data + 1;
  const size_t len = size - 1;

  // First on the fuzzer's own exactly sized buffer, so ASan sees any over-read.
  FrameInfo in;
  FrameDrop d = parse_frame(frame, len, &in);
  check(d < FrameDrop::kCount);

  std::memcpy(buf, frame, len);
  std::memset(buf + len, 0xa5, kCanary);
  if (ctl & 1) {
    fix_checksums(buf, len);
    d = parse_frame(buf, len, &in);
    check(d < FrameDrop::kCount);
  }
  if (d != FrameDrop::kNone) return 0;
  check(size_t{in.payload_offset} + in.payload_len <= len);
  check(in.l3_offset < in.l4_offset && in.l4_offset + 8u == in.payload_offset);

  const size_t n = (ctl & 2) ? in.payload_len : (ctl >> 2) % (in.payload_len + 1u);
  for (size_t i = 0; i < n; ++i) buf[in.payload_offset + i] = static_cast<uint8_t>(i * 31 + 7);
  const size_t reply_len = build_reply_in_place(buf, in, n);
  check(reply_len > 0 && reply_len <= len);
  for (size_t i = 0; i < kCanary; ++i) check(buf[len + i] == 0xa5);

  FrameInfo out;
  check(parse_frame(buf, reply_len, &out) == FrameDrop::kNone);
  check(out.payload_len == n && reply_len == size_t{out.payload_offset} + n);
  check(out.src == in.dst && out.dst == in.src);
  check(out.src_port == in.dst_port && out.dst_port == in.src_port);
  check(out.ipv6 == in.ipv6 && out.vlan == in.vlan && out.vlan_tci == in.vlan_tci);
  for (size_t i = 0; i < n; ++i)
    check(buf[out.payload_offset + i] == static_cast<uint8_t>(i * 31 + 7));
  return 0;
}
