// The load generator's simulated clients: N distinct IPv4 addresses spread over a subnet (a
// bijection, so that any reply's destination maps back to its client), each with its own
// source port, as a fleet of real hosts would look to a server's client table.
#pragma once

#include <cstdint>
#include <optional>

namespace chronon::bench {

// The inverse of an odd number modulo 2^32 (Newton's iteration doubles the correct low bits
// each step).
constexpr uint32_t odd_inverse(uint32_t a) {
  uint32_t x = a;
  for (int i = 0; i < 5; ++i) x *= 2 - a * x;
  return x;
}

class ClientSet {
 public:
  // `base`/`prefix_len`: the subnet (host order); `count` clients, at most 2^(32-prefix) - 2.
  // Returns nothing when the count does not fit.
  static std::optional<ClientSet> make(uint32_t base, int prefix_len, uint32_t count);

  uint32_t count() const { return count_; }
  uint32_t base() const { return base_; }
  uint32_t host_mask() const { return host_mask_; }
  uint32_t address(uint32_t index) const { return base_ | ((slot(index) * kSpread) & host_mask_); }
  uint16_t port(uint32_t index) const {
    return static_cast<uint16_t>(1024 + (index * 2654435761u >> 8) % 64000);
  }
  // The client an address belongs to, if any.
  std::optional<uint32_t> index_of(uint32_t addr) const {
    if ((addr & ~host_mask_) != base_) return std::nullopt;
    const uint32_t j = (addr & host_mask_) * kSpreadInverse & host_mask_;
    if (j == swap_from_) return std::nullopt;  // the broadcast address: nobody's
    const uint32_t i = (j == swap_to_ && swap_from_ != 0 ? swap_from_ : j) - 1;
    if (i >= count_) return std::nullopt;
    return i;
  }

  // Client index + 1, multiplied by kSpread, gives the host part. The one multiple that would
  // be the subnet's broadcast address (all ones) is replaced by count + 1, which is free (the
  // subnet has 2^n - 2 usable hosts and count is at most that) and neither all ones nor zero.
  // 0 when the broadcast multiple is beyond count. (loadgen.bpf.c takes both from the loader.)
  uint32_t swap_from() const { return swap_from_; }
  uint32_t swap_to() const { return swap_to_; }

 private:
  // An odd multiplier permutes every power-of-two range; its inverse mod 2^32 undoes it.
  // (loadgen.bpf.c repeats address() and port(): keep them in step.)
  static constexpr uint32_t kSpread = 0x2545f491u;
  static constexpr uint32_t kSpreadInverse = odd_inverse(kSpread);
  static_assert(kSpread * kSpreadInverse == 1);

  uint32_t slot(uint32_t index) const {
    const uint32_t j = index + 1;
    return j == swap_from_ ? swap_to_ : j;
  }

  uint32_t base_ = 0, host_mask_ = 0, count_ = 0, swap_from_ = 0, swap_to_ = 0;
};

inline std::optional<ClientSet> ClientSet::make(uint32_t base, int prefix_len, uint32_t count) {
  if (prefix_len < 8 || prefix_len > 30) return std::nullopt;
  const uint32_t host_mask = prefix_len == 32 ? 0 : (uint32_t{1} << (32 - prefix_len)) - 1;
  if (count == 0 || count > host_mask - 1) return std::nullopt;
  ClientSet s;
  s.base_ = base & ~host_mask;
  s.host_mask_ = host_mask;
  s.count_ = count;
  const uint32_t broadcast = host_mask * kSpreadInverse & host_mask;
  if (broadcast <= count) {
    s.swap_from_ = broadcast;
    s.swap_to_ = count + 1;
  }
  return s;
}

}  // namespace chronon::bench
