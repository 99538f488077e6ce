#include "bench/loadgen/ntp_frames.h"

#include <gtest/gtest.h>

#include <cstring>

#include "bench/loadgen/request_stamp.h"
#include "dataplane/core/byte_order.h"
#include "dataplane/core/frame.h"
#include "dataplane/core/responder.h"

namespace chronon::bench {
namespace {

constexpr uint64_t kSent = 0xeb00000012345600ull;  // an NTP time, low 8 bits clear

struct Rig {
  RequestTemplate tpl{{2, 0, 0, 0, 0, 1}, {2, 0, 0, 0, 0, 2}, 0x0a000001, 123};
  ClientSet clients = *ClientSet::make(0x0ac80000, 16, 5000);
  uint8_t frame[256] = {};
  size_t len = 0;
  dp::FrameInfo info{};

  // A request from `client`, checked to be a valid frame.
  void request(uint32_t client, uint64_t previous_server_rx = 0) {
    len = write_request(frame, sizeof frame, tpl, clients, client, kSent, previous_server_rx);
    ASSERT_GT(len, 0u);
    ASSERT_EQ(dp::parse_frame(frame, len, &info), dp::FrameDrop::kNone);
  }
  // What a server makes of it (chronon's own responder and frame code), as `stratum`.
  void answer(uint64_t rx, uint64_t tx, uint8_t stratum = 2, bool interleaved = false) {
    uint8_t* p = frame + info.payload_offset;
    const auto parsed = dp::parse_request(p, info.payload_len, info.src_port);
    dp::ServerState st;
    st.stratum = stratum;
    st.leap = 0;
    st.precision = -24;
    if (interleaved) {
      dp::build_interleaved_reply(p, parsed.req, st, ts::NtpTimestamp{rx}, ts::NtpTimestamp{tx}, 0);
    } else {
      dp::build_reply(p, parsed.req, st, ts::NtpTimestamp{rx}, 0);
      dp::set_transmit(p, ts::NtpTimestamp{tx}, st.precision, 0);
    }
    len = dp::build_reply_in_place(frame, info, dp::kNtpHeaderLen);
    ASSERT_GT(len, 0u);
  }
};

TEST(NtpFrames, RequestIsAValidClientPacketFromTheClient) {
  Rig r;
  r.request(42);
  EXPECT_EQ(r.info.src.v4(), r.clients.address(42));
  EXPECT_EQ(r.info.dst.v4(), 0x0a000001u);
  EXPECT_EQ(r.info.src_port, r.clients.port(42));
  EXPECT_EQ(r.info.dst_port, 123);
  EXPECT_EQ(std::memcmp(r.frame, r.tpl.dst_mac, 6), 0);
  const uint8_t* p = r.frame + r.info.payload_offset;
  EXPECT_EQ(p[0], 0x23);  // NTPv4, client
  EXPECT_EQ(dp::load_be64(p + 24), 0u);  // basic: no origin
  EXPECT_EQ(dp::load_be64(p + 32), 0u);
  EXPECT_EQ(read_stamp(dp::load_be64(p + 40), 42).send_ntp_raw, kSent);
}

TEST(NtpFrames, BasicReplyNamesItsRequest) {
  Rig r;
  r.request(42);
  r.answer(kSent + 0x1001, kSent + 0x2000);
  const Reply rep = read_reply(r.frame, r.len, r.tpl, r.clients);
  EXPECT_EQ(rep.kind, ReplyKind::kBasic);
  EXPECT_EQ(rep.client, 42u);
  EXPECT_EQ(rep.send_ntp_raw, kSent);
  EXPECT_EQ(rep.server_rx >> 8, (kSent + 0x1001) >> 8);
}

TEST(NtpFrames, InterleavedRequestAndReply) {
  Rig r;
  const uint64_t prev_rx = kSent - 0x100001;
  r.request(7, prev_rx);
  const uint8_t* p = r.frame + r.info.payload_offset;
  EXPECT_EQ(dp::load_be64(p + 24), prev_rx);
  EXPECT_NE(dp::load_be64(p + 32), dp::load_be64(p + 40));  // receive != transmit
  r.answer(kSent + 0x1001, prev_rx + 0x800, 2, true);
  const Reply rep = read_reply(r.frame, r.len, r.tpl, r.clients);
  EXPECT_EQ(rep.kind, ReplyKind::kInterleaved);
  EXPECT_EQ(rep.send_ntp_raw, kSent);
}

TEST(NtpFrames, KissOfDeathNeedsAKissCode) {
  Rig r;
  r.request(3);
  r.answer(kSent + 0x1001, kSent + 0x2000, 0);  // unsynchronised: stratum 0, refid 0
  EXPECT_EQ(read_reply(r.frame, r.len, r.tpl, r.clients).kind, ReplyKind::kBasic);
  r.request(3);
  r.answer(kSent + 0x1001, kSent + 0x2000);
  dp::make_kiss_of_death(r.frame + dp::reply_payload_offset(r.info), dp::kKissRate);
  dp::refresh_reply_udp_checksum(r.frame, r.info, dp::kNtpHeaderLen);
  EXPECT_EQ(read_reply(r.frame, r.len, r.tpl, r.clients).kind, ReplyKind::kKissOfDeath);
}

TEST(NtpFrames, RepliesThatAnswerNothingOfOursAreInvalid) {
  Rig r;
  r.request(42);
  r.answer(kSent + 1, kSent + 2);
  uint8_t* p = r.frame + dp::reply_payload_offset(r.info);
  dp::store_be64(p + 24, make_stamp(kSent, 43, false));  // another client's stamp
  dp::refresh_reply_udp_checksum(r.frame, r.info, dp::kNtpHeaderLen);
  EXPECT_EQ(read_reply(r.frame, r.len, r.tpl, r.clients).kind, ReplyKind::kInvalid);
}

TEST(NtpFrames, OtherTrafficIsNotOurs) {
  Rig r;
  r.request(42);  // a request, not a reply: from our client, to the server
  EXPECT_EQ(read_reply(r.frame, r.len, r.tpl, r.clients).kind, ReplyKind::kNotOurs);
  r.answer(kSent + 1, kSent + 2);
  r.frame[r.len - 1] ^= 0xff;  // broken UDP checksum
  EXPECT_EQ(read_reply(r.frame, r.len, r.tpl, r.clients).kind, ReplyKind::kNotOurs);
  EXPECT_EQ(read_reply(r.frame, 20, r.tpl, r.clients).kind, ReplyKind::kNotOurs);
}

}  // namespace
}  // namespace chronon::bench
