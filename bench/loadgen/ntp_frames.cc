// Request and reply frames of the load generator; see ntp_frames.h.
#include "bench/loadgen/ntp_frames.h"

#include <cstring>

#include "bench/loadgen/request_stamp.h"
#include "dataplane/core/byte_order.h"
#include "dataplane/core/frame.h"
#include "dataplane/core/ntp_packet.h"

namespace chronon::bench {

namespace {

constexpr uint8_t kClientLvm = (0 << 6) | (4 << 3) | 3;  // no leap warning, NTPv4, client
constexpr int8_t kClientPoll = 6;
constexpr int8_t kClientPrecision = -24;

size_t write_frame(uint8_t* buf, size_t cap, const RequestTemplate& t, uint32_t src_v4,
                   uint16_t src_port, const uint8_t* ntp) {
  dp::FrameSpec spec{};
  std::memcpy(spec.src_mac, t.src_mac, 6);
  std::memcpy(spec.dst_mac, t.dst_mac, 6);
  spec.src = dp::IpAddress::from_v4(src_v4);
  spec.dst = dp::IpAddress::from_v4(t.server_v4);
  spec.src_port = src_port;
  spec.dst_port = t.server_port;
  return dp::write_udp_frame(buf, cap, spec, ntp, dp::kNtpHeaderLen);
}

void write_client_header(uint8_t* ntp) {
  std::memset(ntp, 0, dp::kNtpHeaderLen);
  ntp[offsetof(dp::NtpHeaderWire, lvm)] = kClientLvm;
  ntp[offsetof(dp::NtpHeaderWire, poll)] = static_cast<uint8_t>(kClientPoll);
  ntp[offsetof(dp::NtpHeaderWire, precision)] = static_cast<uint8_t>(kClientPrecision);
}

}  // namespace

size_t write_request_template(uint8_t* buf, size_t cap, const RequestTemplate& t) {
  uint8_t ntp[dp::kNtpHeaderLen];
  write_client_header(ntp);
  return write_frame(buf, cap, t, 0, 0, ntp);
}

size_t write_request(uint8_t* buf, size_t cap, const RequestTemplate& t, const ClientSet& clients,
                     uint32_t index, uint64_t send_ntp_raw, uint64_t previous_server_rx) {
  uint8_t ntp[dp::kNtpHeaderLen];
  write_client_header(ntp);
  if (previous_server_rx != 0) {
    dp::store_be64(ntp + offsetof(dp::NtpHeaderWire, origin_ts), previous_server_rx);
    dp::store_be64(ntp + offsetof(dp::NtpHeaderWire, receive_ts),
                   make_stamp(send_ntp_raw, index, true));
  }
  dp::store_be64(ntp + offsetof(dp::NtpHeaderWire, transmit_ts),
                 make_stamp(send_ntp_raw, index, false));
  return write_frame(buf, cap, t, clients.address(index), clients.port(index), ntp);
}

Reply read_reply(const uint8_t* frame, size_t len, const RequestTemplate& t,
                 const ClientSet& clients) {
  Reply r;
  dp::FrameInfo info;
  if (dp::parse_frame(frame, len, &info) != dp::FrameDrop::kNone || info.ipv6 ||
      info.src_port != t.server_port || info.src.v4() != t.server_v4) {
    return r;
  }
  const auto client = clients.index_of(info.dst.v4());
  if (!client || info.dst_port != clients.port(*client)) return r;
  r.client = *client;
  r.kind = ReplyKind::kInvalid;
  if (info.payload_len < dp::kNtpHeaderLen) return r;
  const uint8_t* p = frame + info.payload_offset;
  if ((p[offsetof(dp::NtpHeaderWire, lvm)] & 7) != 4) return r;  // mode 4: server
  const StampInfo origin =
      read_stamp(dp::load_be64(p + offsetof(dp::NtpHeaderWire, origin_ts)), *client);
  if (!origin.check_ok) return r;
  r.send_ntp_raw = origin.send_ntp_raw;
  r.server_rx = dp::load_be64(p + offsetof(dp::NtpHeaderWire, receive_ts));
  r.server_tx = dp::load_be64(p + offsetof(dp::NtpHeaderWire, transmit_ts));
  r.precision = static_cast<int8_t>(p[offsetof(dp::NtpHeaderWire, precision)]);
  r.refid = dp::load_be32(p + offsetof(dp::NtpHeaderWire, refid));
  // A kiss code is stratum 0 with four ASCII letters as the refid (RFC 5905 §7.4); an
  // unsynchronised server also sends stratum 0, with refid 0.
  const auto letter = [](uint32_t c) { return c >= 'A' && c <= 'Z'; };
  const bool kiss_code = letter(r.refid >> 24) && letter((r.refid >> 16) & 0xff) &&
                         letter((r.refid >> 8) & 0xff) && letter(r.refid & 0xff);
  if (p[offsetof(dp::NtpHeaderWire, stratum)] == 0 && kiss_code) {
    r.kind = ReplyKind::kKissOfDeath;
  } else {
    r.kind = origin.flag ? ReplyKind::kInterleaved : ReplyKind::kBasic;
  }
  return r;
}

}  // namespace chronon::bench
