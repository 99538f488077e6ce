// Tests for the metrics endpoint's socket shell on loopback: a whole exchange, requests in
// pieces, oversized requests, the connection cap, deadlines, and bind errors naming the address.
// Time is passed in, so deadlines are tested without sleeping.
#include "control/metrics/metrics_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

namespace chronon::ctl {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using Clock = MetricsServer::Clock;
using std::chrono::milliseconds;

struct Rig {
  explicit Rig(MetricsServer::Limits limits = {}) : server("127.0.0.1", 0, limits) {}
  MetricsServer server;
  Clock::time_point now = Clock::now();
  int renders = 0;
  MetricsRenderer render = [this](MetricsFormat) {
    ++renders;
    return std::string("chronon_tracking_stratum 3\n");
  };

  // One turn of chronond's loop (poll for at most `wait_ms`).
  void turn(int wait_ms = 20) {
    std::vector<pollfd> fds;
    const int wait = server.prepare(&fds, wait_ms, now);
    poll(fds.data(), fds.size(), wait);
    server.service(fds, now, render);
  }

  int connect_client() {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(server.port());
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
  }

  // Reads what the server sends until it closes its side, turning the loop meanwhile.
  std::string read_all(int fd, int turns = 100) {
    std::string got;
    char buf[4096];
    for (int i = 0; i < turns; ++i) {
      turn();
      for (;;) {
        const ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n == 0) return got;
        if (n < 0) break;
        got.append(buf, static_cast<size_t>(n));
      }
    }
    return got + "(no EOF)";
  }
};

void send_all(int fd, const std::string& s) {
  ASSERT_EQ(send(fd, s.data(), s.size(), MSG_NOSIGNAL), static_cast<ssize_t>(s.size()));
}

TEST(MetricsServer, AnswersOneRequestAndCloses) {
  Rig r;
  const int fd = r.connect_client();
  send_all(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string got = r.read_all(fd);
  EXPECT_THAT(got, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(got, HasSubstr("\r\nConnection: close\r\n\r\nchronon_tracking_stratum 3\n"));
  EXPECT_EQ(r.renders, 1);
  EXPECT_EQ(r.server.answered(), 1u);
  // The client closes; the server lets go of the connection.
  close(fd);
  for (int i = 0; i < 10 && r.server.connections() > 0; ++i) r.turn();
  EXPECT_EQ(r.server.connections(), 0u);
}

TEST(MetricsServer, RequestInPieces) {
  Rig r;
  const int fd = r.connect_client();
  send_all(fd, "GET /met");
  r.turn();
  r.turn();
  EXPECT_EQ(r.server.answered(), 0u);
  send_all(fd, "rics HTTP/1.0\r\n");
  r.turn();
  EXPECT_EQ(r.server.answered(), 0u);
  send_all(fd, "\r\n");
  EXPECT_THAT(r.read_all(fd), StartsWith("HTTP/1.1 200 OK\r\n"));
  close(fd);
}

TEST(MetricsServer, OversizedRequestGets431) {
  Rig r;
  const int fd = r.connect_client();
  send_all(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a'));
  EXPECT_THAT(r.read_all(fd), StartsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
  EXPECT_EQ(r.renders, 0);
  close(fd);
}

TEST(MetricsServer, WrongPathAndMethodAndGarbage) {
  Rig r;
  int fd = r.connect_client();
  send_all(fd, "GET / HTTP/1.0\r\n\r\n");
  EXPECT_THAT(r.read_all(fd), StartsWith("HTTP/1.1 404 Not Found\r\n"));
  close(fd);
  fd = r.connect_client();
  send_all(fd, "DELETE /metrics HTTP/1.0\r\n\r\n");
  EXPECT_THAT(r.read_all(fd), StartsWith("HTTP/1.1 405 Method Not Allowed\r\n"));
  close(fd);
  fd = r.connect_client();
  send_all(fd, "hello\r\n");
  EXPECT_THAT(r.read_all(fd), StartsWith("HTTP/1.1 400 Bad Request\r\n"));
  close(fd);
  // Half a request, then the client stops sending: 400 (it may still read).
  fd = r.connect_client();
  send_all(fd, "GET /metrics HTTP/1.0\r\n");
  shutdown(fd, SHUT_WR);
  EXPECT_THAT(r.read_all(fd), StartsWith("HTTP/1.1 400 Bad Request\r\n"));
  close(fd);
  EXPECT_EQ(r.renders, 0);
}

TEST(MetricsServer, SilentClientIsClosedAtItsDeadline) {
  Rig r(MetricsServer::Limits{4, milliseconds(5000), milliseconds(1000)});
  const int fd = r.connect_client();
  r.turn();
  ASSERT_EQ(r.server.connections(), 1u);
  // prepare() wakes the loop in time for the deadline.
  std::vector<pollfd> fds;
  EXPECT_LE(r.server.prepare(&fds, 60000, r.now), 5000);
  EXPECT_GT(r.server.prepare(&fds, 60000, r.now), 4000);
  r.now += milliseconds(4999);
  r.turn(0);
  EXPECT_EQ(r.server.connections(), 1u);
  r.now += milliseconds(2);
  r.turn(0);
  EXPECT_EQ(r.server.connections(), 0u);
  char c;
  EXPECT_EQ(recv(fd, &c, 1, 0), 0);  // closed without an answer
  close(fd);
}

TEST(MetricsServer, ClientThatNeverClosesIsLetGoAfterTheLinger) {
  Rig r(MetricsServer::Limits{4, milliseconds(5000), milliseconds(1000)});
  const int fd = r.connect_client();
  send_all(fd, "GET /metrics HTTP/1.0\r\n\r\n");
  EXPECT_THAT(r.read_all(fd), StartsWith("HTTP/1.1 200 OK"));
  EXPECT_EQ(r.server.connections(), 1u);  // waiting for the client to close
  r.now += milliseconds(1001);
  r.turn(0);
  EXPECT_EQ(r.server.connections(), 0u);
  close(fd);
}

TEST(MetricsServer, ConnectionsAreCapped) {
  Rig r(MetricsServer::Limits{2, milliseconds(5000), milliseconds(1000)});
  std::vector<int> fds;
  for (int i = 0; i < 5; ++i) fds.push_back(r.connect_client());  // the rest wait in the backlog
  for (int i = 0; i < 5; ++i) r.turn();
  EXPECT_EQ(r.server.connections(), 2u);
  // At the cap the listener is not polled.
  std::vector<pollfd> p;
  r.server.prepare(&p, 100, r.now);
  EXPECT_EQ(p[0].fd, -1);
  // When the first ones time out, the waiting ones are served.
  r.now += milliseconds(5001);
  r.turn(0);
  for (int i = 0; i < 5; ++i) r.turn();
  EXPECT_EQ(r.server.connections(), 2u);
  send_all(fds[2], "GET /metrics HTTP/1.0\r\n\r\n");
  EXPECT_THAT(r.read_all(fds[2]), StartsWith("HTTP/1.1 200 OK"));
  for (const int fd : fds) close(fd);
}

TEST(MetricsServer, BindErrorsNameTheAddress) {
  Rig r;
  const int port = r.server.port();
  try {
    MetricsServer again("127.0.0.1", port);
    FAIL() << "bound twice";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot listen for metrics on 127.0.0.1:" +
                                         std::to_string(port) + ": Address already in use");
  }
  try {
    MetricsServer v6("::1", 0);
    EXPECT_THAT(v6.endpoint(), StartsWith("[::1]:"));
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot listen for metrics on [::1]:0: "));  // no IPv6 here
  }
  EXPECT_THROW(MetricsServer("192.0.2.1", 0), std::runtime_error);  // not a local address
  EXPECT_THROW(MetricsServer("localhost", 0), std::runtime_error);
}

}  // namespace
}  // namespace chronon::ctl
