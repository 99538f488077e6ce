// Tests for the UDP command port: who is answered (loopback always; others through
// cmdallow/cmddeny, then cmdratelimit), which commands (chronyd's open ones; the rest "501
// Not authorised"), and a real exchange over 127.0.0.1.
#include "control/cmdmon/cmdmon_udp.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>

#include "control/config/config.h"
#include "tests/unit/control/cmdmon/cmdmon_rig.h"

namespace chronon::ctl {
namespace {

dp::IpAddress ip(const char* s) { return *dp::parse_ip(s); }

Config config(const std::string& text) { return parse_config_text(text, "test.conf"); }

TEST(CmdmonUdp, LoopbackAlwaysOthersOnlyThroughCmdallow) {
  std::vector<std::string> warnings;
  CmdmonUdp none(config("cmdport 0\n"), &warnings);
  EXPECT_TRUE(none.fds().empty());
  EXPECT_TRUE(none.admit(ip("127.0.0.1"), 1));
  EXPECT_TRUE(none.admit(ip("::1"), 1));
  EXPECT_FALSE(none.admit(ip("192.0.2.1"), 1));
  CmdmonUdp some(config("cmdport 0\ncmdallow 192.0.2.0/24\ncmddeny 192.0.2.7\n"), &warnings);
  EXPECT_TRUE(some.admit(ip("192.0.2.1"), 1));
  EXPECT_FALSE(some.admit(ip("192.0.2.7"), 1));
  EXPECT_FALSE(some.admit(ip("198.51.100.1"), 1));
  EXPECT_TRUE(warnings.empty());
}

TEST(CmdmonUdp, CmdratelimitLimitsRemoteHostsButNotLoopback) {
  std::vector<std::string> warnings;
  CmdmonUdp udp(config("cmdport 0\ncmdallow all\ncmdratelimit interval 4 burst 2 leak 8\n"),
                &warnings);
  int answered = 0, local = 0;
  for (uint32_t t = 1; t <= 100; ++t) {  // 100 requests in 100/16 s
    answered += udp.admit(ip("192.0.2.1"), t);
    local += udp.admit(ip("127.0.0.1"), t);
  }
  // chrony's limiter (dataplane/core/rate_limiter.h): the burst, then a few as the client's
  // rate is learnt; far from all 100.
  EXPECT_LE(answered, 10);
  EXPECT_GE(answered, 2);
  EXPECT_EQ(local, 100);
}

struct Rig : CmdmonRig {
  CmdmonServer server{testing::TempDir() + "/cmdmon_udp_test.sock"};
};

uint16_t status_of(const std::vector<uint8_t>& rep) {
  candm::ReplyHeader h;
  EXPECT_EQ(candm::parse_reply(rep.data(), rep.size(), &h), "");
  return h.status;
}

TEST(CmdmonUdp, OnlyOpenCommandsFromTheNetwork) {
  Rig r;
  using O = CmdmonServer::Origin;
  for (uint16_t open : {candm::kTracking, candm::kNSources, candm::kActivity}) {
    const auto req = candm::make_request(open, 1);
    EXPECT_EQ(status_of(r.server.handle(req.data(), req.size(), r.reports, 0, O::kNetwork)),
              candm::kSuccess) << open;
  }
  for (uint16_t closed : {candm::kServerStats, candm::kClientAccessesByIndex3, candm::kMakeStep}) {
    auto req = candm::make_request(closed, 1);
    req.resize(std::max<size_t>(req.size(), 64));
    EXPECT_EQ(status_of(r.server.handle(req.data(), req.size(), r.reports, 0, O::kNetwork)),
              candm::kUnauth) << closed;
  }
  const auto req = candm::make_request(candm::kServerStats, 1);
  EXPECT_EQ(status_of(r.server.handle(req.data(), req.size(), r.reports, 0, O::kUnixSocket)),
            candm::kSuccess);
}

TEST(CmdmonUdp, AnswersOverLoopbackAndWarnsForAPortInUse) {
  // An ephemeral port taken first, so the test never collides with a chronyd on 323.
  const int holder = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(holder, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  getsockname(holder, reinterpret_cast<sockaddr*>(&a), &len);
  const int port = ntohs(a.sin_port);
  std::vector<std::string> warnings;
  {
    CmdmonUdp busy(config("bindcmdaddress 127.0.0.1\ncmdport " + std::to_string(port) + "\n"),
                   &warnings);
    // ::1 stays (a bindcmdaddress replaces only its own family's default), 127.0.0.1 is taken.
    ASSERT_EQ(busy.endpoints(), std::vector<std::string>{"[::1]:" + std::to_string(port)});
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("command port 127.0.0.1:" + std::to_string(port) +
                               " not opened: Address already in use"),
              std::string::npos) << warnings[0];
  }
  close(holder);

  warnings.clear();
  CmdmonUdp udp(config("bindcmdaddress 127.0.0.1\nbindcmdaddress ::1\ncmdport " +
                       std::to_string(port) + "\n"),
                &warnings);
  ASSERT_EQ(udp.fds().size(), 2u);
  EXPECT_EQ(udp.endpoints()[0], "127.0.0.1:" + std::to_string(port));
  Rig r;
  const int client = socket(AF_INET, SOCK_DGRAM, 0);
  const auto req = candm::make_request(candm::kTracking, 42);
  ASSERT_EQ(sendto(client, req.data(), req.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a),
            static_cast<ssize_t>(req.size()));
  pollfd p{udp.fds()[0], POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 2000), 1);
  udp.service(udp.fds()[0], r.server, r.reports, 0);
  uint8_t buf[512];
  p = pollfd{client, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 2000), 1);
  const ssize_t n = recv(client, buf, sizeof buf, 0);
  ASSERT_EQ(n, static_cast<ssize_t>(candm::reply_length(candm::kRpyTracking)));
  EXPECT_EQ(candm::decode_tracking(buf).stratum, 8);
  close(client);
}

}  // namespace
}  // namespace chronon::ctl
