// MD5 per RFC 1321 §3: 64-byte blocks, four rounds of 16 operations, little-endian words.
#include "control/md5.h"

#include <cmath>
#include <cstring>

namespace chronon::ctl {

namespace {

constexpr uint32_t rotl(uint32_t x, int c) { return (x << c) | (x >> (32 - c)); }

// Per-operation shift amounts (RFC 1321 §3.4).
constexpr int kShift[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                            5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                            4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                            6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

// T[i] = floor(2^32 * |sin(i + 1)|), computed once.
const std::array<uint32_t, 64>& sine_table() {
  static const std::array<uint32_t, 64> t = [] {
    std::array<uint32_t, 64> v{};
    for (int i = 0; i < 64; ++i)
      v[i] = static_cast<uint32_t>(std::floor(std::fabs(std::sin(i + 1.0)) * 4294967296.0));
    return v;
  }();
  return t;
}

void block(uint32_t st[4], const uint8_t* p) {
  uint32_t m[16];
  for (int i = 0; i < 16; ++i)
    m[i] = static_cast<uint32_t>(p[4 * i]) | static_cast<uint32_t>(p[4 * i + 1]) << 8 |
           static_cast<uint32_t>(p[4 * i + 2]) << 16 | static_cast<uint32_t>(p[4 * i + 3]) << 24;
  const auto& t = sine_table();
  uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
  for (int i = 0; i < 64; ++i) {
    uint32_t f;
    int g;
    if (i < 16) { f = (b & c) | (~b & d); g = i; }
    else if (i < 32) { f = (d & b) | (~d & c); g = (5 * i + 1) % 16; }
    else if (i < 48) { f = b ^ c ^ d; g = (3 * i + 5) % 16; }
    else { f = c ^ (b | ~d); g = (7 * i) % 16; }
    const uint32_t tmp = d;
    d = c;
    c = b;
    b = b + rotl(a + f + t[i] + m[g], kShift[i]);
    a = tmp;
  }
  st[0] += a; st[1] += b; st[2] += c; st[3] += d;
}

}  // namespace

Md5Digest md5(const uint8_t* data, size_t len) {
  uint32_t st[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  size_t off = 0;
  for (; off + 64 <= len; off += 64) block(st, data + off);
  // Padding: 0x80, zeros to 56 mod 64, then the bit length, little-endian.
  uint8_t tail[128] = {};
  const size_t rest = len - off;
  std::memcpy(tail, data + off, rest);
  tail[rest] = 0x80;
  const size_t tail_len = rest < 56 ? 64 : 128;
  const uint64_t bits = static_cast<uint64_t>(len) * 8;
  for (int i = 0; i < 8; ++i) tail[tail_len - 8 + i] = static_cast<uint8_t>(bits >> (8 * i));
  block(st, tail);
  if (tail_len == 128) block(st, tail + 64);
  Md5Digest out;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<uint8_t>(st[i] >> (8 * j));
  return out;
}

}  // namespace chronon::ctl
