// Builders of NTP request payloads for the dataplane tests.
#pragma once

#include <endian.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "dataplane/core/ntp_packet.h"

namespace chronon::dp::testing {

inline std::vector<uint8_t> request(uint8_t version = 4, NtpMode mode = NtpMode::kClient,
                                    uint64_t transmit = 0x1122334455667788ULL, int8_t poll = 6) {
  std::vector<uint8_t> p(kNtpHeaderLen, 0);
  p[0] = make_lvm(0, version, mode);
  p[2] = static_cast<uint8_t>(poll);
  const uint64_t be = htobe64(transmit);
  std::memcpy(p.data() + 40, &be, 8);
  return p;
}

inline void append_ext_field(std::vector<uint8_t>& p, uint16_t type, uint16_t len) {
  const size_t off = p.size();
  p.resize(off + len, 0);
  p[off] = static_cast<uint8_t>(type >> 8);
  p[off + 1] = static_cast<uint8_t>(type);
  p[off + 2] = static_cast<uint8_t>(len >> 8);
  p[off + 3] = static_cast<uint8_t>(len);
}

inline uint64_t field64(const uint8_t* p, size_t off) {
  uint64_t v;
  std::memcpy(&v, p + off, 8);
  return be64toh(v);
}
inline uint32_t field32(const uint8_t* p, size_t off) {
  uint32_t v;
  std::memcpy(&v, p + off, 4);
  return be32toh(v);
}

}  // namespace chronon::dp::testing
