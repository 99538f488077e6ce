// Big-endian (network order) loads and stores at unaligned addresses, for the wire formats
// of dataplane/core (NTP, Ethernet, IP, UDP): memcpy so the compiler emits one move + bswap.
#pragma once

#include <endian.h>

#include <cstdint>
#include <cstring>

namespace chronon::dp {

inline uint16_t load_be16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return be16toh(v);
}
inline uint32_t load_be32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return be32toh(v);
}
inline uint64_t load_be64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return be64toh(v);
}
inline void store_be16(uint8_t* p, uint16_t v) {
  v = htobe16(v);
  std::memcpy(p, &v, 2);
}
inline void store_be32(uint8_t* p, uint32_t v) {
  v = htobe32(v);
  std::memcpy(p, &v, 4);
}
inline void store_be64(uint8_t* p, uint64_t v) {
  v = htobe64(v);
  std::memcpy(p, &v, 8);
}

}  // namespace chronon::dp
