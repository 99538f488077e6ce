// Tests for the Internet checksum: RFC 1071's worked example, agreement with a naive
// word-by-word sum at every length and alignment, and the pseudo-header layouts.
#include "dataplane/core/inet_checksum.h"

#include <endian.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "tests/unit/dataplane/core/frame_test_vectors.h"

namespace chronon::dp {
namespace {

// Big-endian 16-bit words, summed and folded one at a time: RFC 1071 §4.1 as written.
uint16_t naive_sum(const uint8_t* p, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i < len; i += 2) {
    sum += uint32_t{p[i]} << 8 | (i + 1 < len ? p[i + 1] : 0);
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<uint16_t>(sum);
}

uint16_t folded_host(CsumAcc acc) { return be16toh(csum_fold(acc)); }

TEST(InetChecksum, Rfc1071WorkedExample) {
  // RFC 1071 §3: these words sum to 0xddf2.
  const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(folded_host(csum_partial(b, sizeof b)), 0xddf2);
  EXPECT_EQ(inet_checksum(b, sizeof b), 0x220d);
}

TEST(InetChecksum, MatchesNaiveSumAtEveryLengthAndAlignment) {
  std::mt19937 rng(7);
  std::vector<uint8_t> buf(600);
  for (int round = 0; round < 4; ++round) {
    for (auto& b : buf) b = static_cast<uint8_t>(round == 0 ? 0xff : rng());
    for (size_t off = 0; off < 8; ++off) {
      for (size_t len = 0; len <= 520; ++len) {
        const uint16_t want = naive_sum(buf.data() + off, len);
        ASSERT_EQ(folded_host(csum_partial(buf.data() + off, len)), want) << off << " " << len;
        ASSERT_EQ(inet_checksum(buf.data() + off, len), static_cast<uint16_t>(~want));
      }
    }
  }
}

TEST(InetChecksum, PiecesAtEvenOffsetsAddUp) {
  std::vector<uint8_t> buf(200);
  std::mt19937 rng(3);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  const uint16_t whole = csum_fold(csum_partial(buf.data(), 151));
  for (size_t cut = 0; cut <= 150; cut += 2) {
    const CsumAcc a = csum_partial(buf.data(), cut);
    EXPECT_EQ(csum_fold(csum_add(a, csum_partial(buf.data() + cut, 151 - cut))), whole) << cut;
    EXPECT_EQ(csum_fold(csum_partial(buf.data() + cut, 151 - cut, a)), whole) << cut;
  }
  EXPECT_EQ(csum_fold(csum_add(~CsumAcc{0}, 1)), csum_fold(1));  // end-around carry
}

TEST(InetChecksum, Ipv4HeaderOfTsharkCheckedFrame) {
  // kNtpV4's header checksum is 0x9a4f (tshark: "correct").
  uint8_t hdr[20];
  std::copy(testing::kNtpV4 + 14, testing::kNtpV4 + 34, hdr);
  EXPECT_EQ(csum_fold(csum_partial(hdr, 20)), 0xffff);  // a valid header sums to all ones
  hdr[10] = hdr[11] = 0;
  EXPECT_EQ(inet_checksum(hdr, 20), 0x9a4f);
}

TEST(InetChecksum, PseudoHeaderSumsEqualRfcLayouts) {
  const uint8_t src4[4] = {192, 0, 2, 10}, dst4[4] = {192, 0, 2, 1};
  // RFC 768: source, destination, zero, protocol, UDP length.
  const uint8_t v4[12] = {192, 0, 2, 10, 192, 0, 2, 1, 0, 17, 0x01, 0x38};
  EXPECT_EQ(folded_host(udp_pseudo_header_sum(src4, dst4, 4, 0x138)), naive_sum(v4, 12));

  uint8_t src6[16] = {0x20, 0x01, 0x0d, 0xb8}, dst6[16] = {0xfe, 0x80};
  src6[15] = 0x10;
  dst6[15] = 0x01;
  // RFC 8200 §8.1: source, destination, 32-bit length, three zero bytes, next header.
  uint8_t v6[40] = {};
  std::copy(src6, src6 + 16, v6);
  std::copy(dst6, dst6 + 16, v6 + 16);
  v6[34] = 0xff;
  v6[35] = 0xf0;
  v6[39] = 17;
  EXPECT_EQ(folded_host(udp_pseudo_header_sum(src6, dst6, 16, 0xfff0)), naive_sum(v6, 40));
}

TEST(InetChecksum, UdpChecksumOfTsharkCheckedFrames) {
  // tshark: kNtpV4's UDP checksum 0xb06f, kNtpV6's 0xd8f8, both "correct".
  std::vector<uint8_t> udp(testing::kNtpV4 + 34, testing::kNtpV4 + 90);
  udp[6] = udp[7] = 0;
  EXPECT_EQ(csum_finish(csum_partial(
                udp.data(), udp.size(),
                udp_pseudo_header_sum(testing::kNtpV4 + 26, testing::kNtpV4 + 30, 4, 56))),
            0xb06f);
  udp.assign(testing::kNtpV6 + 54, testing::kNtpV6 + 110);
  udp[6] = udp[7] = 0;
  EXPECT_EQ(csum_finish(csum_partial(
                udp.data(), udp.size(),
                udp_pseudo_header_sum(testing::kNtpV6 + 22, testing::kNtpV6 + 38, 16, 56))),
            0xd8f8);
}

}  // namespace
}  // namespace chronon::dp
