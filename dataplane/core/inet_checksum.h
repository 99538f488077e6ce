// The Internet checksum (RFC 1071) and the UDP pseudo-header sums (RFC 768, RFC 8200 §8.1),
// so the kernel-bypass backends can check and build IPv4/IPv6/UDP headers themselves.
#pragma once

#include <endian.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace chronon::dp {

// An unfolded one's-complement sum of 16-bit words loaded in memory order. The sum is
// byte-order independent (RFC 1071 §2(B)), so words are loaded natively and only the final
// result is converted. Partial sums of pieces that each start at an even offset of the
// checksummed data may be combined with csum_add.
using CsumAcc = uint64_t;

// Adds `len` bytes at `p` to `acc`. 32-bit loads into a 64-bit accumulator cannot overflow for
// any buffer shorter than 16 GiB; an odd trailing byte is padded with zero (RFC 1071 §1).
// (64-bit loads with counted carries measured no faster on 48-byte NTP payloads.)
inline CsumAcc csum_partial(const uint8_t* p, size_t len, CsumAcc acc = 0) {
  while (len >= 16) {
    uint32_t w[4];
    std::memcpy(w, p, 16);
    acc += uint64_t{w[0]} + w[1] + w[2] + w[3];
    p += 16;
    len -= 16;
  }
  while (len >= 4) {
    uint32_t w;
    std::memcpy(&w, p, 4);
    acc += w;
    p += 4;
    len -= 4;
  }
  if (len >= 2) {
    uint16_t w;
    std::memcpy(&w, p, 2);
    acc += w;
    p += 2;
    len -= 2;
  }
  if (len) {
    uint16_t w = 0;
    std::memcpy(&w, p, 1);  // the byte is the high-order half of its big-endian word
    acc += w;
  }
  return acc;
}

// One's-complement addition of two accumulators (end-around carry).
constexpr CsumAcc csum_add(CsumAcc a, CsumAcc b) {
  const CsumAcc s = a + b;
  return s + (s < a ? 1 : 0);
}

// Folds to 16 bits, still in memory order. A received header or datagram whose sum, checksum
// field included, folds to 0xffff is intact (RFC 1071 §1 (3)).
constexpr uint16_t csum_fold(CsumAcc acc) {
  acc = (acc & 0xffffffffu) + (acc >> 32);
  acc = (acc & 0xffffffffu) + (acc >> 32);
  acc = (acc & 0xffffu) + (acc >> 16);
  acc = (acc & 0xffffu) + (acc >> 16);
  return static_cast<uint16_t>(acc);
}

// The checksum field value for data summed into `acc`, in host order (store it big-endian).
inline uint16_t csum_finish(CsumAcc acc) { return be16toh(static_cast<uint16_t>(~csum_fold(acc))); }

// The Internet checksum of one buffer, in host order.
inline uint16_t inet_checksum(const uint8_t* p, size_t len) {
  return csum_finish(csum_partial(p, len));
}

// Sum of the UDP pseudo-header: source and destination address (4 bytes for IPv4, 16 for
// IPv6), protocol 17 and the UDP length. RFC 768 and RFC 8200 §8.1 lay the fields out
// differently but their sums are equal, because UDP carries its own length and that length is
// the "upper-layer packet length" of IPv6 (it always fits 16 bits here).
inline CsumAcc udp_pseudo_header_sum(const uint8_t* src, const uint8_t* dst, size_t addr_len,
                                     uint16_t udp_len) {
  CsumAcc acc = csum_partial(src, addr_len);
  acc = csum_partial(dst, addr_len, acc);
  return acc + htobe16(uint16_t{17}) + htobe16(udp_len);
}

}  // namespace chronon::dp
