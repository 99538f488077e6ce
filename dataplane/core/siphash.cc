// SipHash-1-3 for 16-byte inputs; written from the paper's description (c = 1, d = 3).
#include "dataplane/core/siphash.h"

#include <sys/random.h>

#include <cstring>

namespace chronon::dp {

namespace {

inline uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

struct State {
  uint64_t v0, v1, v2, v3;
  void round() {
    v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
    v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  }
  void compress(uint64_t m) {
    v3 ^= m;
    round();
    v0 ^= m;
  }
};

inline uint64_t load_le64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return le64toh(v);
}

}  // namespace

uint64_t siphash13_16(const SipKey& key, const uint8_t* bytes16) {
  State s{key.k0 ^ 0x736f6d6570736575ULL, key.k1 ^ 0x646f72616e646f6dULL,
          key.k0 ^ 0x6c7967656e657261ULL, key.k1 ^ 0x7465646279746573ULL};
  s.compress(load_le64(bytes16));
  s.compress(load_le64(bytes16 + 8));
  // Final block: message length (16) in the top byte, no remaining bytes.
  s.compress(uint64_t{16} << 56);
  s.v2 ^= 0xff;
  s.round();
  s.round();
  s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

SipKey random_sip_key() {
  SipKey k{};
  uint8_t buf[16];
  size_t got = 0;
  while (got < sizeof buf) {
    const ssize_t n = getrandom(buf + got, sizeof buf - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  std::memcpy(&k.k0, buf, 8);
  std::memcpy(&k.k1, buf + 8, 8);
  return k;
}

}  // namespace chronon::dp
