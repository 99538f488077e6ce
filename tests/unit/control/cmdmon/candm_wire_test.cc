// Tests for chrony's command protocol encoding: Float round trips and limits, reply lengths
// as chronyc expects them, requests padded to their reply's length, decode(encode) identity.
#include "control/cmdmon/candm_wire.h"

#include <gtest/gtest.h>

#include <cmath>

namespace chronon::ctl::candm {
namespace {

TEST(CandmFloat, RoundTripsWithinTwentyFourBitsOfPrecision) {
  for (double x : {1.0, -1.0, 0.5, 3.0e-9, -7.626e-6, 0.085, 1000000.0, 123456.789, 1e-15, -2e15}) {
    const double y = decode_float(encode_float(x));
    EXPECT_NEAR(y, x, std::fabs(x) * 1.2e-7) << x;
  }
}

TEST(CandmFloat, ZeroNanAndExtremes) {
  EXPECT_EQ(encode_float(0.0), 0);
  EXPECT_EQ(decode_float(encode_float(std::nan(""))), 0.0);
  EXPECT_GT(decode_float(encode_float(1e300)), 1e18);   // saturates at the largest Float
  EXPECT_LT(decode_float(encode_float(-1e300)), -1e18);
  EXPECT_EQ(decode_float(encode_float(1e-200)), 0.0);
}

TEST(CandmFloat, KnownEncodings) {
  // 1.0 = 2^23 * 2^(-23): exponent 2, coefficient 2^23.
  EXPECT_EQ(static_cast<uint32_t>(encode_float(1.0)), (2u << 25) | (1u << 23));
  EXPECT_EQ(decode_float(static_cast<int32_t>((2u << 25) | (1u << 23))), 1.0);
  // A negative coefficient is two's complement in 25 bits.
  EXPECT_EQ(decode_float(encode_float(-1.0)), -1.0);
}

TEST(CandmReplies, LengthsMatchChronycsExpectations) {
  EXPECT_EQ(reply_length(kRpyNull), 28u);
  EXPECT_EQ(reply_length(kRpyNSources), 32u);
  EXPECT_EQ(reply_length(kRpySourceData), 76u);
  EXPECT_EQ(reply_length(kRpyTracking), 104u);
  EXPECT_EQ(reply_length(kRpySourceStats), 84u);
  // Up to the EOR field, as chrony's pktlength.c: 28 + 12 + 8 clients of 60 bytes.
  EXPECT_EQ(reply_length(kRpyClientAccessesByIndex3), 520u);
  EXPECT_EQ(reply_length(kRpyActivity), 48u);
  EXPECT_EQ(reply_length(kRpyServerStats3), 72u);
  EXPECT_EQ(reply_length(kRpySmoothing), 52u);  // flags and five Floats
}

TEST(CandmRequests, SmoothingAndSmoothtimeAndReselectAsChronycSendsThem) {
  // chronyc pads each request to its reply's length (PROTO_VERSION_PADDING).
  EXPECT_EQ(make_request(kSmoothing, 1).size(), 52u);
  EXPECT_EQ(request_length(kSmoothing), 52u);
  EXPECT_EQ(make_request(kReselect, 1).size(), 28u);
  EXPECT_EQ(request_length(kReselect), 28u);
  const auto req = make_request(kSmoothTime, 2, smoothtime_fields(kSmoothTimeActivate));
  ASSERT_EQ(req.size(), 28u);
  EXPECT_EQ(request_length(kSmoothTime), 28u);
  // The option is a big-endian int32 right after the header (REQ_SmoothTime).
  EXPECT_EQ(req[20], 0);
  EXPECT_EQ(req[23], 1);
  EXPECT_EQ(req[4], 0);
  EXPECT_EQ(req[5], 52);  // REQ_SMOOTHTIME, after version, type and two reserved bytes
  Request r;
  ASSERT_TRUE(parse_request(req.data(), req.size(), &r));
  EXPECT_EQ(request_smoothtime(r), kSmoothTimeActivate);
  ASSERT_TRUE(parse_request(req.data(), 22, &r));
  EXPECT_EQ(request_smoothtime(r), std::nullopt);
  EXPECT_EQ(reply_type_for(kSmoothing), kRpySmoothing);
  EXPECT_EQ(reply_type_for(kSmoothTime), kRpyNull);
  EXPECT_EQ(reply_type_for(kReselect), kRpyNull);
}

TEST(CandmReplies, SmoothingEncodesFlagsAndFloats) {
  Request r;
  const auto req = make_request(kSmoothing, 9);
  ASSERT_TRUE(parse_request(req.data(), req.size(), &r));
  SmoothingReport s;
  s.active = true;
  s.leap_only = true;
  s.offset_s = -0.25;
  s.freq_ppm = 12.5;
  s.wander_ppm_per_s = -0.01;
  s.last_update_ago_s = 3.5;
  s.remaining_time_s = 1200;
  const auto rep = reply_smoothing(r, s);
  ASSERT_EQ(rep.size(), 52u);
  ReplyHeader h;
  ASSERT_EQ(parse_reply(rep.data(), rep.size(), &h), "");
  EXPECT_EQ(h.reply, kRpySmoothing);
  EXPECT_EQ(h.reply, 13);
  EXPECT_EQ(h.sequence, 9u);
  EXPECT_EQ(rep[31], 3);  // RPY_SMT_FLAG_ACTIVE | RPY_SMT_FLAG_LEAPONLY
  // offset -0.25 = -2^-2: chrony's Float puts it at offset 32.
  EXPECT_EQ(decode_float(static_cast<int32_t>(uint32_t{rep[32]} << 24 | uint32_t{rep[33]} << 16 |
                                              uint32_t{rep[34]} << 8 | rep[35])),
            -0.25);
  const SmoothingReport d = decode_smoothing(rep.data());
  EXPECT_TRUE(d.active);
  EXPECT_TRUE(d.leap_only);
  EXPECT_EQ(d.offset_s, -0.25);
  EXPECT_NEAR(d.freq_ppm, 12.5, 1e-6);
  EXPECT_NEAR(d.wander_ppm_per_s, -0.01, 1e-9);
  EXPECT_NEAR(d.last_update_ago_s, 3.5, 1e-6);
  EXPECT_NEAR(d.remaining_time_s, 1200, 1e-4);
  s.active = false;
  s.leap_only = false;
  const auto off = reply_smoothing(r, s);
  EXPECT_EQ(off[31], 0);
  EXPECT_FALSE(decode_smoothing(off.data()).active);
}

TEST(CandmRequests, ArePaddedToTheirReplyAndParseBack) {
  const auto req = make_request(kSourceData, 77, index_field(3));
  EXPECT_EQ(req.size(), reply_length(kRpySourceData));
  Request r;
  ASSERT_TRUE(parse_request(req.data(), req.size(), &r));
  EXPECT_EQ(r.version, kProtoVersion);
  EXPECT_EQ(r.pkt_type, kPktRequest);
  EXPECT_EQ(r.command, kSourceData);
  EXPECT_EQ(r.sequence, 77u);
  EXPECT_EQ(request_index(r), 3);
  EXPECT_FALSE(parse_request(req.data(), 19, &r));
}

TEST(CandmReplies, TrackingDecodesToWhatWasEncoded) {
  Request r;
  const auto req = make_request(kTracking, 5);
  ASSERT_TRUE(parse_request(req.data(), req.size(), &r));
  TrackingReport t;
  t.ref_id = 0x0A630001;
  t.ip.family = ReportAddress::Family::kInet4;
  t.ip.bytes[0] = 10;
  t.ip.bytes[1] = 99;
  t.ip.bytes[3] = 1;
  t.stratum = 9;
  t.leap_status = 0;
  t.ref_time = timespec{1795525675, 762636921};
  t.current_correction_s = -7.65e-6;
  t.freq_ppm = 0.085;
  t.skew_ppm = 0.954;
  t.last_update_interval_s = 16.2;
  const auto rep = reply_tracking(r, t);
  ReplyHeader h;
  ASSERT_EQ(parse_reply(rep.data(), rep.size(), &h), "");
  EXPECT_EQ(h.sequence, 5u);
  EXPECT_EQ(h.reply, kRpyTracking);
  const TrackingReport d = decode_tracking(rep.data());
  EXPECT_EQ(d.ref_id, t.ref_id);
  EXPECT_EQ(d.ip.text(), "10.99.0.1");
  EXPECT_EQ(d.stratum, 9);
  EXPECT_EQ(d.ref_time.tv_sec, t.ref_time.tv_sec);
  EXPECT_EQ(d.ref_time.tv_nsec, t.ref_time.tv_nsec);
  EXPECT_NEAR(d.current_correction_s, t.current_correction_s, 1e-12);
  EXPECT_NEAR(d.freq_ppm, 0.085, 1e-8);
  EXPECT_NEAR(d.last_update_interval_s, 16.2, 1e-5);
  EXPECT_NE(parse_reply(rep.data(), rep.size() - 1, &h), "");  // truncated
}

TEST(CandmReplies, SourceDataAndRefidAddresses) {
  Request r;
  const auto req = make_request(kSourceData, 1, index_field(0));
  parse_request(req.data(), req.size(), &r);
  SourceReport s;
  s.ip.family = ReportAddress::Family::kId;
  s.ip.id = 0x50484330;  // PHC0
  s.poll = -2;
  s.mode = SourceReport::Mode::kRefclock;
  s.state = SourceReport::State::kUnselected;
  s.reach = 0377;
  s.latest_meas_s = -1.5e-7;
  const SourceReport d = decode_source_data(reply_source_data(r, s).data());
  EXPECT_EQ(d.ip.text(), "PHC0");
  EXPECT_EQ(d.poll, -2);
  EXPECT_EQ(d.mode, SourceReport::Mode::kRefclock);
  EXPECT_EQ(d.state, SourceReport::State::kUnselected);
  EXPECT_EQ(d.reach, 0377);
  EXPECT_NEAR(d.latest_meas_s, -1.5e-7, 1e-14);
}

}  // namespace
}  // namespace chronon::ctl::candm
