// SipHash-1-3 (Aumasson & Bernstein, "SipHash: a fast short-input PRF") of a 16-byte IP
// address under a secret 128-bit key chosen at start-up, so that an attacker cannot pick
// addresses that collide in the client table (hash flooding).
#pragma once

#include <cstdint>

namespace chronon::dp {

struct SipKey {
  uint64_t k0, k1;
};

// Hash of exactly 16 bytes (the IpAddress representation).
uint64_t siphash13_16(const SipKey& key, const uint8_t* bytes16);

// A key from the kernel's random source (getrandom); used once at start-up, not per packet.
SipKey random_sip_key();

}  // namespace chronon::dp
