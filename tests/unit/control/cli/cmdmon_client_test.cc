// Tests for the CLI's command-socket client against a scripted server thread: it resends a
// lost request, ignores replies that are not to it, falls back to the next socket of -h's
// list, turns error statuses into chronyc's texts, and names the socket when nobody answers.
#include "control/cli/cmdmon_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <thread>

namespace chronon::ctl {
namespace {

using namespace std::chrono_literals;

// A Unix datagram server on its own thread; `respond` maps each request to the datagrams
// sent back (none, one, or several).
class ScriptedServer {
 public:
  using Respond = std::function<std::vector<std::vector<uint8_t>>(const candm::Request&, int)>;
  ScriptedServer(std::string path, Respond respond) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path_.c_str());
    ::unlink(path_.c_str());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    thread_ = std::thread([this, respond] {
      int n_request = 0;
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 20) <= 0) continue;
        uint8_t buf[2048];
        sockaddr_un from{};
        socklen_t len = sizeof from;
        const ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
        candm::Request r;
        if (n <= 0 || !candm::parse_request(buf, static_cast<size_t>(n), &r)) continue;
        for (const auto& d : respond(r, n_request++)) {
          ::sendto(fd_, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
        }
        ++served_;
      }
    });
  }
  ~ScriptedServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  int served() const { return served_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> served_{0};
  std::thread thread_;
};

std::string sock(const char* name) { return testing::TempDir() + "/" + name; }

ActivityReport activity() { return ActivityReport{3, 1, 0, 0, 2}; }

TEST(CmdmonClient, GetsTheReply) {
  ScriptedServer s(sock("c1.sock"), [](const candm::Request& r, int) {
    return std::vector<std::vector<uint8_t>>{candm::reply_activity(r, activity())};
  });
  CmdmonClient c({sock("c1.sock")}, 200ms);
  std::vector<uint8_t> reply;
  ASSERT_EQ(c.request(candm::kActivity, {}, candm::kRpyActivity, &reply), "");
  EXPECT_EQ(candm::decode_activity(reply.data()).unresolved, 2);
}

// Beside the server's socket (so a daemon in another network namespace can reply), and
// removed when the client closes.
TEST(CmdmonClient, BindsBesideTheServerSocketAndRemovesItsFile) {
  const std::string dir = testing::TempDir() + "/cmdmon_client_dir";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directory(dir);
  std::atomic<bool> beside{false};
  ScriptedServer s(dir + "/server.sock", [&](const candm::Request& r, int) {
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().filename().string().rfind("chronon-cli.", 0) == 0) beside = true;
    }
    return std::vector<std::vector<uint8_t>>{candm::reply_activity(r, activity())};
  });
  {
    CmdmonClient c({dir + "/server.sock"}, 200ms);
    std::vector<uint8_t> reply;
    ASSERT_EQ(c.request(candm::kActivity, {}, candm::kRpyActivity, &reply), "");
  }
  EXPECT_TRUE(beside.load());
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 1u);  // only the server's socket is left
}

TEST(CmdmonClient, ResendsAfterALostReplyWithTheNextAttemptNumber) {
  std::atomic<int> attempt_seen{-1};
  ScriptedServer s(sock("c2.sock"), [&](const candm::Request& r, int n) {
    if (n == 0) return std::vector<std::vector<uint8_t>>{};  // the first one is "lost"
    attempt_seen = r.attempt;
    return std::vector<std::vector<uint8_t>>{candm::reply_activity(r, activity())};
  });
  CmdmonClient c({sock("c2.sock")}, 100ms, 3);
  std::vector<uint8_t> reply;
  ASSERT_EQ(c.request(candm::kActivity, {}, candm::kRpyActivity, &reply), "");
  EXPECT_EQ(attempt_seen.load(), 1);
}

TEST(CmdmonClient, IgnoresRepliesToOtherRequestsAndGarbage) {
  ScriptedServer s(sock("c3.sock"), [](const candm::Request& r, int) {
    candm::Request stale = r;
    stale.sequence = r.sequence + 1000;
    return std::vector<std::vector<uint8_t>>{
        {1, 2, 3},                                         // garbage
        candm::reply_activity(stale, ActivityReport{}),    // another sequence
        candm::reply_activity(r, activity())};
  });
  CmdmonClient c({sock("c3.sock")}, 200ms);
  std::vector<uint8_t> reply;
  ASSERT_EQ(c.request(candm::kActivity, {}, candm::kRpyActivity, &reply), "");
  EXPECT_EQ(candm::decode_activity(reply.data()).online, 3);
}

TEST(CmdmonClient, ErrorStatusesAreChronycsTexts) {
  ScriptedServer s(sock("c4.sock"), [](const candm::Request& r, int) {
    return std::vector<std::vector<uint8_t>>{candm::reply_status(r, candm::kInvalid)};
  });
  CmdmonClient c({sock("c4.sock")}, 200ms);
  std::vector<uint8_t> reply;
  EXPECT_EQ(c.request(candm::kMakeStep, {}, candm::kRpyNull, &reply), "502 Invalid command");
  EXPECT_EQ(cmdmon_status_text(candm::kNoSuchSource), "503 No such source");
  EXPECT_EQ(cmdmon_status_text(999), "520 Got unexpected error from daemon");
}

TEST(CmdmonClient, UnexpectedReplyFormatIsABadReply) {
  ScriptedServer s(sock("c5.sock"), [](const candm::Request& r, int) {
    return std::vector<std::vector<uint8_t>>{candm::reply_n_sources(r, 1)};
  });
  CmdmonClient c({sock("c5.sock")}, 200ms);
  std::vector<uint8_t> reply;
  EXPECT_EQ(c.request(candm::kActivity, {}, candm::kRpyActivity, &reply),
            "508 Bad reply from daemon");
}

TEST(CmdmonClient, FallsBackToTheNextSocketAndNamesTheSilentOne) {
  ScriptedServer s(sock("c6.sock"), [](const candm::Request& r, int) {
    return std::vector<std::vector<uint8_t>>{candm::reply_activity(r, activity())};
  });
  CmdmonClient c({sock("absent.sock"), sock("c6.sock")}, 100ms, 2);
  std::vector<uint8_t> reply;
  EXPECT_EQ(c.request(candm::kActivity, {}, candm::kRpyActivity, &reply), "");

  CmdmonClient none({sock("absent.sock")}, 50ms, 2);
  const std::string error = none.request(candm::kActivity, {}, candm::kRpyActivity, &reply);
  EXPECT_EQ(error.rfind("506 Cannot talk to daemon (" + sock("absent.sock"), 0), 0u) << error;
}

TEST(CmdmonClient, AsksAUdpCommandPortAndListsEveryFailure) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  const int port = ntohs(a.sin_port);
  std::thread server([fd] {
    uint8_t buf[2048];
    sockaddr_in from{};
    socklen_t from_len = sizeof from;
    const ssize_t n = ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    candm::Request r;
    if (n > 0 && candm::parse_request(buf, static_cast<size_t>(n), &r)) {
      const auto reply = candm::reply_activity(r, activity());
      ::sendto(fd, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), from_len);
    }
  });
  CmdmonClient c({sock("absent.sock"), "127.0.0.1"}, 300ms, 2, port);
  std::vector<uint8_t> reply;
  EXPECT_EQ(c.request(candm::kActivity, {}, candm::kRpyActivity, &reply), "");
  server.join();
  ::close(fd);
  EXPECT_EQ(candm::decode_activity(reply.data()).offline, 1);
  // Nothing listens now: both places are named, the port refused.
  CmdmonClient none({sock("absent.sock"), "127.0.0.1"}, 100ms, 2, port);
  const std::string error = none.request(candm::kActivity, {}, candm::kRpyActivity, &reply);
  EXPECT_EQ(error, "506 Cannot talk to daemon (" + sock("absent.sock") +
                       ": No such file or directory; 127.0.0.1:" + std::to_string(port) +
                       ": Connection refused)");
}

TEST(CmdmonClient, SilentDaemonTimesOutAfterItsAttempts) {
  ScriptedServer s(sock("c7.sock"), [](const candm::Request&, int) {
    return std::vector<std::vector<uint8_t>>{};
  });
  CmdmonClient c({sock("c7.sock")}, 50ms, 3);
  std::vector<uint8_t> reply;
  const std::string error = c.request(candm::kActivity, {}, candm::kRpyActivity, &reply);
  EXPECT_NE(error.find("no reply"), std::string::npos) << error;
  EXPECT_EQ(s.served(), 3);
}

}  // namespace
}  // namespace chronon::ctl
