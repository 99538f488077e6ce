// Request validation: the named checks of ntp_packet.h, in order.
#include "dataplane/core/ntp_packet.h"
#include "dataplane/core/byte_order.h"

#include <endian.h>

#include <cstring>

namespace chronon::dp {

const char* ntp_drop_name(NtpDrop d) {
  switch (d) {
    case NtpDrop::kNone: return "none";
    case NtpDrop::kTooShort: return "too_short";
    case NtpDrop::kBadLength: return "bad_length";
    case NtpDrop::kBadVersion: return "bad_version";
    case NtpDrop::kModeControl: return "mode6";
    case NtpDrop::kModePrivate: return "mode7";
    case NtpDrop::kModeNotClient: return "not_client";
    case NtpDrop::kBadExtField: return "bad_extfield";
    case NtpDrop::kAuthentication: return "auth";
    case NtpDrop::kBadSource: return "bad_source";
    case NtpDrop::kDenied: return "denied";
    case NtpDrop::kRateLimited: return "ratelimited";
    case NtpDrop::kCount: break;
  }
  return "?";
}

namespace {

constexpr uint16_t kNtpPort = 123;
constexpr size_t kMinExtFieldLen = 16;   // RFC 7822 §3 (chrony: NTP_MIN_EF_LENGTH)
constexpr size_t kMinMacLen = 4 + 16;    // key id + MD5/AES-CMAC digest
constexpr size_t kMaxV4MacLen = 4 + 20;  // key id + SHA1 digest (RFC 7822 §3 ambiguity rule)

// Walks what follows the header of an NTPv4 packet: extension fields (RFC 7822) and at most
// one trailing MAC. Any MAC or NTS field means authentication, which is not served.
NtpDrop check_trailer(const uint8_t* p, size_t len, uint8_t version) {
  size_t off = kNtpHeaderLen;
  if (off == len) return NtpDrop::kNone;
  // NTPv3 and older: anything after the header is a MAC (RFC 1305 App. C).
  if (version <= 3) return NtpDrop::kAuthentication;
  // A 4-byte all-zero trailer is a crypto-NAK: a MAC in effect.
  if (len - off == 4) return NtpDrop::kAuthentication;
  while (off < len) {
    const size_t remainder = len - off;
    if (remainder >= kMinMacLen && remainder <= kMaxV4MacLen) return NtpDrop::kAuthentication;
    if (remainder < kMinExtFieldLen) return NtpDrop::kBadExtField;
    const uint32_t word = load_be32(p + off);
    const uint16_t type = static_cast<uint16_t>(word >> 16);
    const size_t ef_len = word & 0xffff;
    if (ef_len < kMinExtFieldLen || ef_len % 4 != 0 || ef_len > remainder)
      return NtpDrop::kBadExtField;
    // RFC 8915 §5.7: 0x0104 unique id, 0x0204 cookie, 0x0304 placeholder, 0x0404 auth.
    if (type == 0x0104 || type == 0x0204 || type == 0x0304 || type == 0x0404)
      return NtpDrop::kAuthentication;
    off += ef_len;
  }
  return NtpDrop::kNone;
}

}  // namespace

NtpParse parse_request(const uint8_t* p, size_t len, uint16_t src_port) {
  NtpParse out{};
  if (len < kNtpHeaderLen) return {NtpDrop::kTooShort, {}};
  if (len % 4 != 0) return {NtpDrop::kBadLength, {}};
  const uint8_t lvm = p[0];
  const uint8_t version = lvm_version(lvm);
  if (version < 1 || version > 4) return {NtpDrop::kBadVersion, {}};
  const NtpMode mode = lvm_mode(lvm);
  const bool v1_client = version == 1 && mode == NtpMode::kReserved && src_port != kNtpPort;
  if (mode == NtpMode::kControl) return {NtpDrop::kModeControl, {}};
  if (mode == NtpMode::kPrivate) return {NtpDrop::kModePrivate, {}};
  if (mode != NtpMode::kClient && !v1_client) return {NtpDrop::kModeNotClient, {}};
  if (const NtpDrop d = check_trailer(p, len, version); d != NtpDrop::kNone) return {d, {}};
  out.drop = NtpDrop::kNone;
  out.req.version = version;
  out.req.poll = static_cast<int8_t>(p[2]);
  out.req.origin_ts = ts::NtpTimestamp{load_be64(p + offsetof(NtpHeaderWire, origin_ts))};
  out.req.receive_ts = ts::NtpTimestamp{load_be64(p + offsetof(NtpHeaderWire, receive_ts))};
  out.req.transmit_ts = ts::NtpTimestamp{load_be64(p + offsetof(NtpHeaderWire, transmit_ts))};
  return out;
}

}  // namespace chronon::dp
