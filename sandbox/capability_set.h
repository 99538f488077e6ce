// A set of Linux capabilities as one 64-bit mask (bit N = capability N, as the kernel and
// /proc/PID/status's CapEff/CapPrm/... lines number them), with names for logs and errors.
#pragma once

#include <linux/capability.h>

#include <cstdint>
#include <initializer_list>
#include <string>

namespace chronon::sandbox {

class CapSet {
 public:
  constexpr CapSet() = default;
  constexpr CapSet(std::initializer_list<int> caps) {
    for (int c : caps) bits_ |= uint64_t{1} << c;
  }
  static constexpr CapSet from_mask(uint64_t m) {
    CapSet s;
    s.bits_ = m;
    return s;
  }

  constexpr uint64_t mask() const { return bits_; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr bool has(int cap) const { return cap >= 0 && cap < 64 && (bits_ >> cap & 1) != 0; }
  constexpr CapSet operator|(CapSet o) const { return from_mask(bits_ | o.bits_); }
  constexpr CapSet operator-(CapSet o) const { return from_mask(bits_ & ~o.bits_); }
  constexpr bool operator==(const CapSet&) const = default;

  // "cap_net_bind_service,cap_sys_time" (libcap's names, lowest number first), "none" if empty.
  std::string names() const;

 private:
  uint64_t bits_ = 0;
};

// libcap's name of one capability ("cap_sys_time"), or "cap_N" for one it does not know.
std::string capability_name(int cap);

}  // namespace chronon::sandbox
