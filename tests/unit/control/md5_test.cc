// Tests for MD5 (RFC 1321 §A.5 test suite) and the IPv6 reference ID built from it.
#include "control/md5.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <string>

#include "control/server_state_source.h"

namespace chronon::ctl {
namespace {

std::string hex(const Md5Digest& d) {
  static const char* k = "0123456789abcdef";
  std::string s;
  for (uint8_t b : d) {
    s += k[b >> 4];
    s += k[b & 15];
  }
  return s;
}

std::string md5_hex(const std::string& s) {
  return hex(md5(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

TEST(Md5, Rfc1321TestSuite) {
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5_hex("a"), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(md5_hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(md5_hex("abcdefghijklmnopqrstuvwxyz"), "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(md5_hex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
            "d174ab98d277d9f5a5611c2c9f419d9f");
  EXPECT_EQ(md5_hex("1234567890123456789012345678901234567890123456789012345678901234567890"
                    "1234567890"),
            "57edf4a22be3c955ac49da2e2107b67a");
}

TEST(Refid, Ipv4IsTheAddress) {
  const uint8_t a[4] = {10, 99, 0, 1};
  EXPECT_EQ(refid_of_address(a, false), 0x0A630001u);
}

TEST(Refid, Ipv6IsTheFirstFourBytesOfItsMd5) {
  uint8_t a[16];
  ASSERT_EQ(inet_pton(AF_INET6, "fd00::1", a), 1);
  const Md5Digest d = md5(a, 16);
  EXPECT_EQ(refid_of_address(a, true),
            static_cast<uint32_t>(d[0]) << 24 | d[1] << 16 | d[2] << 8 | d[3]);
}

}  // namespace
}  // namespace chronon::ctl
