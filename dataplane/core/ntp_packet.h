// The NTP packet header on the wire (RFC 5905 §7.3) and its validation as a server sees a
// request: named checks, each with its own drop reason so the CLI can say why packets died.
#pragma once

#include <cstddef>
#include <cstdint>

#include "timestamping/ntp_time.h"

namespace chronon::dp {

inline constexpr size_t kNtpHeaderLen = 48;

enum class NtpMode : uint8_t {
  kReserved = 0, kSymmetricActive = 1, kSymmetricPassive = 2, kClient = 3, kServer = 4,
  kBroadcast = 5, kControl = 6, kPrivate = 7,
};

// The 48-byte header, fields in network byte order. Access through memcpy-safe helpers only:
// frames are not aligned on every backend.
struct NtpHeaderWire {
  uint8_t lvm;          // leap (2 bits), version (3), mode (3)
  uint8_t stratum;
  int8_t poll;
  int8_t precision;
  uint32_t root_delay;       // NTP short format
  uint32_t root_dispersion;  // NTP short format
  uint32_t refid;
  uint64_t reference_ts;
  uint64_t origin_ts;
  uint64_t receive_ts;
  uint64_t transmit_ts;
};
static_assert(sizeof(NtpHeaderWire) == kNtpHeaderLen);
static_assert(offsetof(NtpHeaderWire, root_delay) == 4);
static_assert(offsetof(NtpHeaderWire, refid) == 12);
static_assert(offsetof(NtpHeaderWire, reference_ts) == 16);
static_assert(offsetof(NtpHeaderWire, origin_ts) == 24);
static_assert(offsetof(NtpHeaderWire, receive_ts) == 32);
static_assert(offsetof(NtpHeaderWire, transmit_ts) == 40);

constexpr uint8_t make_lvm(uint8_t leap, uint8_t version, NtpMode mode) {
  return static_cast<uint8_t>(((leap & 3) << 6) | ((version & 7) << 3) |
                              (static_cast<uint8_t>(mode) & 7));
}
constexpr uint8_t lvm_leap(uint8_t lvm) { return lvm >> 6; }
constexpr uint8_t lvm_version(uint8_t lvm) { return (lvm >> 3) & 7; }
constexpr NtpMode lvm_mode(uint8_t lvm) { return static_cast<NtpMode>(lvm & 7); }

// Why a request was not answered. Order is the order the checks run in; names are shown by
// the CLI and used as counter names.
enum class NtpDrop : uint8_t {
  kNone = 0,
  kTooShort,        // RFC 5905 §7.3: shorter than the 48-byte header
  kBadLength,       // RFC 7822 §3: extension fields and MACs are whole 32-bit words
  kBadVersion,      // versions 1-4 only (RFC 5905 §7.3 VN; RFC 1305/1119/1059 for older)
  kModeControl,     // mode 6 (RFC 1305 App. B, ntpq): never answered, amplification vector
  kModePrivate,     // mode 7 (ntpdc monlist): never answered, amplification vector
  kModeNotClient,   // any other mode than a client request (3), or NTPv1's mode 0
  kBadExtField,     // RFC 7822 §3: malformed extension field
  kAuthentication,  // carries a MAC or NTS fields: symmetric keys and NTS are not served
  kBadSource,       // source address no client can have (unspecified, broadcast, multicast)
  kDenied,          // access list
  kRateLimited,     // client rate limit, not answered
  kCount,
};

const char* ntp_drop_name(NtpDrop d);

// What the checks found out about a valid client request.
struct NtpRequest {
  uint8_t version;
  int8_t poll;
  ts::NtpTimestamp receive_ts;   // the client's own receive timestamp field (interleaved mode)
  ts::NtpTimestamp transmit_ts;  // becomes our origin timestamp
  ts::NtpTimestamp origin_ts;
};

struct NtpParse {
  NtpDrop drop;
  NtpRequest req;
};

// Validates a UDP payload as an NTP client request. `src_port` is needed only for NTPv1,
// whose requests carry mode 0 and are recognised by a source port other than 123.
NtpParse parse_request(const uint8_t* payload, size_t len, uint16_t src_port);

}  // namespace chronon::dp
