// Switching to another user and restricting capabilities, in forked children (the test
// process keeps its own credentials). Needs root; skipped otherwise.
#include "sandbox/privileges.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>

namespace chronon::sandbox {
namespace {

// Reads what a child writes to `fd` until it closes it, then reaps the child; its wait
// status goes to `status`.
std::string read_child(int fd, pid_t pid, int* status) {
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  close(fd);
  *status = 0;
  waitpid(pid, status, 0);
  return text;
}

// Runs `body` in a child; returns what it wrote (its /proc status lines and probe results)
// as key -> value.
std::map<std::string, std::string> in_child(const std::function<std::string()>& body) {
  int p[2];
  EXPECT_EQ(pipe(p), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    std::string out;
    try {
      out = body();
    } catch (const std::exception& e) {
      out = std::string("error:\t") + e.what() + "\n";
    }
    std::ifstream status("/proc/self/status");
    out += std::string(std::istreambuf_iterator<char>(status), {});
    if (write(p[1], out.data(), out.size()) < 0) _exit(2);
    _exit(0);
  }
  close(p[1]);
  int st = 0;
  const std::string text = read_child(p[0], pid, &st);
  std::map<std::string, std::string> kv;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const size_t colon = line.find(":\t");
    if (colon == std::string::npos) continue;
    std::string v = line.substr(colon + 2);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.pop_back();
    kv[line.substr(0, colon)] = v;
  }
  return kv;
}

std::string hex(CapSet s) {
  char b[17];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(s.mask()));
  return b;
}

// adjtimex's capability check comes before its argument checks: a tick of 1 is refused
// with EPERM without cap_sys_time and EINVAL with it, and nothing is changed either way.
std::string sys_time_probe() {
  timex tx{};
  tx.modes = ADJ_TICK;
  tx.tick = 1;
  return adjtimex(&tx) < 0 && errno == EPERM ? "EPERM" : "allowed";
}

std::string raw_socket_probe() {
  const int fd = socket(AF_PACKET, SOCK_RAW, 0);
  if (fd >= 0) close(fd);
  return fd < 0 && errno == EPERM ? "EPERM" : "allowed";
}

class Privileges : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root";
  }
};

TEST_F(Privileges, SwitchUserKeepsOwnEffectiveAndChildrensPermittedOnly) {
  const auto nobody = lookup_user("nobody");
  const CapSet own{CAP_NET_BIND_SERVICE}, children{CAP_NET_RAW, CAP_IPC_LOCK};
  auto kv = in_child([&] {
    switch_user(nobody, own, children);
    std::string out = "probe_sys_time:\t" + sys_time_probe() + "\n";
    out += "probe_raw_socket:\t" + raw_socket_probe() + "\n";
    out += "ambient_children:\t" + std::to_string(raise_ambient(children)) + "\n";
    out += "ambient_sys_time:\t" + std::to_string(raise_ambient(CapSet{CAP_SYS_TIME})) + "\n";
    out += "setuid_root:\t" + std::to_string(setuid(0)) + "\n";
    return out;
  });
  ASSERT_EQ(kv.count("error"), 0u) << kv["error"];
  const std::string u = std::to_string(nobody.uid), g = std::to_string(nobody.gid);
  EXPECT_EQ(kv["Uid"], u + "\t" + u + "\t" + u + "\t" + u);
  EXPECT_EQ(kv["Gid"], g + "\t" + g + "\t" + g + "\t" + g);
  EXPECT_EQ(kv["CapEff"], hex(own));
  EXPECT_EQ(kv["CapPrm"], hex(own | children));
  EXPECT_EQ(kv["CapInh"], hex(children));
  EXPECT_EQ(kv["CapBnd"], hex(own | children));
  EXPECT_EQ(kv["NoNewPrivs"], "1");
  // Held in the permitted set is not usable: no cap_net_raw without raising it.
  EXPECT_EQ(kv["probe_raw_socket"], "EPERM");
  EXPECT_EQ(kv["probe_sys_time"], "EPERM");
  EXPECT_EQ(kv["ambient_children"], "0");
  EXPECT_EQ(kv["ambient_sys_time"], std::to_string(EPERM));
  EXPECT_EQ(kv["setuid_root"], "-1");
}

TEST_F(Privileges, RestrictKeepsOnlyTheGivenSetAndEmptiesTheRest) {
  auto kv = in_child([] {
    restrict_capabilities(CapSet{CAP_NET_RAW});
    return "probe_sys_time:\t" + sys_time_probe() + "\nprobe_raw_socket:\t" + raw_socket_probe() +
           "\n";
  });
  ASSERT_EQ(kv.count("error"), 0u) << kv["error"];
  EXPECT_EQ(kv["CapEff"], hex(CapSet{CAP_NET_RAW}));
  EXPECT_EQ(kv["CapPrm"], hex(CapSet{CAP_NET_RAW}));
  EXPECT_EQ(kv["CapInh"], hex(CapSet{}));
  EXPECT_EQ(kv["CapAmb"], hex(CapSet{}));
  EXPECT_EQ(kv["CapBnd"], hex(CapSet{CAP_NET_RAW}));  // root had cap_setpcap to trim it
  EXPECT_EQ(kv["NoNewPrivs"], "1");
  EXPECT_EQ(kv["probe_sys_time"], "EPERM");
  EXPECT_EQ(kv["probe_raw_socket"], "allowed");
}

TEST_F(Privileges, AmbientCapabilitiesSurviveExecveAsTheUser) {
  // The supervisor's path: switch, raise the child's set into the ambient set, execve.
  const auto nobody = lookup_user("nobody");
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    dup2(p[1], 1);
    try {
      switch_user(nobody, {}, CapSet{CAP_NET_RAW});
    } catch (...) {
      _exit(3);
    }
    if (raise_ambient(CapSet{CAP_NET_RAW}) != 0) _exit(4);
    execl("/bin/grep", "grep", "^Cap", "/proc/self/status", nullptr);
    _exit(5);
  }
  close(p[1]);
  int st = 0;
  const std::string text = read_child(p[0], pid, &st);
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;
  const std::string raw = hex(CapSet{CAP_NET_RAW});
  EXPECT_NE(text.find("CapEff:\t" + raw), std::string::npos) << text;
  EXPECT_NE(text.find("CapPrm:\t" + raw), std::string::npos) << text;
  EXPECT_NE(text.find("CapAmb:\t" + raw), std::string::npos) << text;
}

}  // namespace
}  // namespace chronon::sandbox
