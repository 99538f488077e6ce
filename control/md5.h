// MD5 (RFC 1321), only for the NTP reference ID of an IPv6 source (RFC 5905 §7.3), which
// must match what chrony and ntpd compute. Not for anything that needs security.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace chronon::ctl {

using Md5Digest = std::array<uint8_t, 16>;
Md5Digest md5(const uint8_t* data, size_t len);

}  // namespace chronon::ctl
