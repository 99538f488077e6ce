// Tests for request validation: every drop reason and the accepted forms.
#include "dataplane/core/ntp_packet.h"

#include <gtest/gtest.h>

#include "tests/unit/dataplane/core/ntp_test_util.h"

namespace chronon::dp {
namespace {

using testing::append_ext_field;
using testing::request;

NtpDrop drop_of(const std::vector<uint8_t>& p, uint16_t src_port = 40000) {
  return parse_request(p.data(), p.size(), src_port).drop;
}

TEST(NtpPacket, ClientRequestV4IsAccepted) {
  auto p = request();
  const NtpParse r = parse_request(p.data(), p.size(), 40000);
  ASSERT_EQ(r.drop, NtpDrop::kNone);
  EXPECT_EQ(r.req.version, 4);
  EXPECT_EQ(r.req.poll, 6);
  EXPECT_EQ(r.req.transmit_ts.raw, 0x1122334455667788ULL);
}

TEST(NtpPacket, VersionsOneToFourAreAccepted) {
  for (uint8_t v = 1; v <= 4; ++v) EXPECT_EQ(drop_of(request(v)), NtpDrop::kNone) << int(v);
}

TEST(NtpPacket, VersionZeroFiveSixSevenAreDropped) {
  for (uint8_t v : {0, 5, 6, 7}) EXPECT_EQ(drop_of(request(v)), NtpDrop::kBadVersion) << int(v);
}

TEST(NtpPacket, ShorterThanHeaderIsDropped) {
  auto p = request();
  for (size_t len = 0; len < kNtpHeaderLen; ++len)
    EXPECT_EQ(parse_request(p.data(), len, 40000).drop, NtpDrop::kTooShort) << len;
}

TEST(NtpPacket, LengthNotMultipleOfFourIsDropped) {
  auto p = request();
  p.resize(50);
  EXPECT_EQ(drop_of(p), NtpDrop::kBadLength);
}

TEST(NtpPacket, ModeSixAndSevenAreNeverAnswered) {
  EXPECT_EQ(drop_of(request(2, NtpMode::kControl)), NtpDrop::kModeControl);
  EXPECT_EQ(drop_of(request(2, NtpMode::kPrivate)), NtpDrop::kModePrivate);
}

TEST(NtpPacket, OtherModesAreDropped) {
  for (NtpMode m : {NtpMode::kSymmetricActive, NtpMode::kSymmetricPassive, NtpMode::kServer,
                    NtpMode::kBroadcast, NtpMode::kReserved})
    EXPECT_EQ(drop_of(request(4, m)), NtpDrop::kModeNotClient) << int(m);
}

TEST(NtpPacket, NtpV1ModeZeroFromNonNtpPortIsAClient) {
  EXPECT_EQ(drop_of(request(1, NtpMode::kReserved), 40000), NtpDrop::kNone);
  EXPECT_EQ(drop_of(request(1, NtpMode::kReserved), 123), NtpDrop::kModeNotClient);
}

TEST(NtpPacket, UnknownExtensionFieldIsAccepted) {
  auto p = request();
  append_ext_field(p, 0x2005, 16);
  EXPECT_EQ(drop_of(p), NtpDrop::kNone);
}

TEST(NtpPacket, TwoExtensionFieldsAreAccepted) {
  auto p = request();
  append_ext_field(p, 0x2005, 16);
  append_ext_field(p, 0x2006, 28);
  EXPECT_EQ(drop_of(p), NtpDrop::kNone);
}

TEST(NtpPacket, ExtensionFieldLongerThanPacketIsDropped) {
  auto p = request();
  append_ext_field(p, 0x2005, 28);
  p[kNtpHeaderLen + 3] = 64;  // claims 64 bytes, 28 present
  EXPECT_EQ(drop_of(p), NtpDrop::kBadExtField);
}

TEST(NtpPacket, ExtensionFieldShorterThanMinimumIsDropped) {
  auto p = request();
  append_ext_field(p, 0x2005, 28);
  p[kNtpHeaderLen + 3] = 8;
  EXPECT_EQ(drop_of(p), NtpDrop::kBadExtField);
}

TEST(NtpPacket, MacIsAuthenticationAndNotServed) {
  auto p = request();
  p.resize(kNtpHeaderLen + 20, 0xab);  // key id + 16-byte digest
  EXPECT_EQ(drop_of(p), NtpDrop::kAuthentication);
  auto v3 = request(3);
  v3.resize(kNtpHeaderLen + 24, 0xab);
  EXPECT_EQ(drop_of(v3), NtpDrop::kAuthentication);
}

TEST(NtpPacket, CryptoNakIsAuthentication) {
  auto p = request();
  p.resize(kNtpHeaderLen + 4, 0);
  EXPECT_EQ(drop_of(p), NtpDrop::kAuthentication);
}

TEST(NtpPacket, NtsFieldIsAuthentication) {
  auto p = request();
  append_ext_field(p, 0x0104, 36);
  EXPECT_EQ(drop_of(p), NtpDrop::kAuthentication);
}

TEST(NtpPacket, EveryDropReasonHasADistinctName) {
  for (int i = 0; i < static_cast<int>(NtpDrop::kCount); ++i)
    for (int j = i + 1; j < static_cast<int>(NtpDrop::kCount); ++j)
      EXPECT_STRNE(ntp_drop_name(static_cast<NtpDrop>(i)), ntp_drop_name(static_cast<NtpDrop>(j)));
}

}  // namespace
}  // namespace chronon::dp
