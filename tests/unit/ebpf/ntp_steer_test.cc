// Tests of the XDP steering program and its loader. The process moves into a network namespace
// of its own first, so the program is attached only to that namespace's loopback device; the
// program's verdicts are then checked frame by frame with BPF_PROG_TEST_RUN. Needs root.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <vector>

#include "dataplane/afxdp/xsk_socket.h"
#include "dataplane/core/frame.h"
#include "ebpf/xdp_steering.h"

namespace chronon::ebpf {
namespace {

using Bytes = std::vector<uint8_t>;

const dp::IpAddress kServer4 = *dp::parse_ip("192.0.2.1");
const dp::IpAddress kClient4 = *dp::parse_ip("198.51.100.7");
const dp::IpAddress kServer6 = *dp::parse_ip("2001:db8::1");
const dp::IpAddress kClient6 = *dp::parse_ip("2001:db8::7");

bool set_up_private_loopback() {
  if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) return false;
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ifreq ifr{};
  std::strcpy(ifr.ifr_name, "lo");
  ioctl(fd, SIOCGIFFLAGS, &ifr);
  ifr.ifr_flags |= IFF_UP;
  const bool ok = ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
  close(fd);
  return ok;
}

Bytes ntp_frame(const dp::IpAddress& src, const dp::IpAddress& dst, uint8_t mode,
                uint16_t dst_port = 123, bool vlan = false) {
  dp::FrameSpec spec{};
  const uint8_t smac[6] = {2, 0, 0, 0, 0, 7}, dmac[6] = {2, 0, 0, 0, 0, 1};
  std::memcpy(spec.src_mac, smac, 6);
  std::memcpy(spec.dst_mac, dmac, 6);
  spec.vlan = vlan;
  spec.vlan_tci = vlan ? 100 : 0;
  spec.src = src;
  spec.dst = dst;
  spec.src_port = 40000;
  spec.dst_port = dst_port;
  uint8_t payload[48] = {static_cast<uint8_t>((4 << 3) | mode)};
  Bytes f(256);
  f.resize(dp::write_udp_frame(f.data(), f.size(), spec, payload, sizeof payload));
  return f;
}

class NtpSteer : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!set_up_private_loopback()) return;
    std::vector<std::string> notes;
    steer_ = new XdpSteering({"lo", 123, XdpMode::kAuto, false}, &notes);
    notes_ = new std::vector<std::string>(notes);
  }
  static void TearDownTestSuite() {
    delete steer_;
    steer_ = nullptr;
    delete notes_;
  }
  void SetUp() override {
    if (!steer_) GTEST_SKIP() << "needs root and network namespaces";
    ASSERT_TRUE(steer_->set_local_addresses({kServer4, kServer6}));
  }

  // The program's verdict on `frame`.
  static int verdict(const Bytes& frame) {
    Bytes in = frame, out(frame.size() + 256);
    bpf_test_run_opts opts{};
    opts.sz = sizeof opts;
    opts.data_in = in.data();
    opts.data_size_in = static_cast<uint32_t>(in.size());
    opts.data_out = out.data();
    opts.data_size_out = static_cast<uint32_t>(out.size());
    opts.repeat = 1;
    EXPECT_EQ(bpf_prog_test_run_opts(steer_->program_fd(), &opts), 0) << std::strerror(errno);
    return static_cast<int>(opts.retval);
  }
  static uint64_t counter(int which) { return steer_->read_counters().value[which]; }

  static XdpSteering* steer_;
  static std::vector<std::string>* notes_;
};
XdpSteering* NtpSteer::steer_ = nullptr;
std::vector<std::string>* NtpSteer::notes_ = nullptr;

TEST_F(NtpSteer, LoopbackHasNoNativeXdpSoTheLoaderSaysItFellBackToGeneric) {
  EXPECT_FALSE(steer_->native());
  ASSERT_EQ(notes_->size(), 1u);
  EXPECT_NE(notes_->front().find("native XDP is not available on lo"), std::string::npos);
  EXPECT_NE(notes_->front().find("generic mode"), std::string::npos);
  EXPECT_GT(steer_->program_id(), 0u);
}

TEST_F(NtpSteer, ClientRequestWithoutASocketPassesAndIsCounted) {
  const uint64_t before = counter(CHRONON_XDP_NO_SOCKET);
  EXPECT_EQ(verdict(ntp_frame(kClient4, kServer4, 3)), XDP_PASS);
  EXPECT_EQ(counter(CHRONON_XDP_NO_SOCKET), before + 1);
}

TEST_F(NtpSteer, ControlAndPrivateModesAreDroppedAndCounted) {
  const uint64_t m6 = counter(CHRONON_XDP_DROPPED_MODE6), m7 = counter(CHRONON_XDP_DROPPED_MODE7);
  EXPECT_EQ(verdict(ntp_frame(kClient4, kServer4, 6)), XDP_DROP);
  EXPECT_EQ(verdict(ntp_frame(kClient6, kServer6, 7)), XDP_DROP);
  EXPECT_EQ(counter(CHRONON_XDP_DROPPED_MODE6), m6 + 1);
  EXPECT_EQ(counter(CHRONON_XDP_DROPPED_MODE7), m7 + 1);
}

TEST_F(NtpSteer, PeersServersAndBroadcastGoToTheKernel) {
  for (uint8_t mode : {1, 2, 4, 5}) {
    EXPECT_EQ(verdict(ntp_frame(kClient4, kServer4, mode)), XDP_PASS) << int(mode);
    EXPECT_EQ(verdict(ntp_frame(kClient6, kServer6, mode)), XDP_PASS) << int(mode);
  }
}

TEST_F(NtpSteer, OtherPortsOtherAddressesAndNonUdpGoToTheKernel) {
  const uint64_t passed = counter(CHRONON_XDP_PASSED);
  EXPECT_EQ(verdict(ntp_frame(kClient4, kServer4, 3, 124)), XDP_PASS);
  EXPECT_EQ(verdict(ntp_frame(kClient4, *dp::parse_ip("192.0.2.99"), 3)), XDP_PASS);
  EXPECT_EQ(verdict(ntp_frame(kClient6, *dp::parse_ip("2001:db8::99"), 3)), XDP_PASS);
  Bytes arp = ntp_frame(kClient4, kServer4, 3);
  arp[12] = 0x08;
  arp[13] = 0x06;
  EXPECT_EQ(verdict(arp), XDP_PASS);
  Bytes tcp = ntp_frame(kClient4, kServer4, 3);
  tcp[14 + 9] = 6;
  EXPECT_EQ(verdict(tcp), XDP_PASS);
  EXPECT_EQ(counter(CHRONON_XDP_PASSED), passed + 5);
}

TEST_F(NtpSteer, FragmentsAndTruncatedFramesGoToTheKernel) {
  Bytes mf = ntp_frame(kClient4, kServer4, 3);
  mf[14 + 6] |= 0x20;  // more fragments
  EXPECT_EQ(verdict(mf), XDP_PASS);
  Bytes offset = ntp_frame(kClient4, kServer4, 3);
  offset[14 + 7] = 1;  // fragment offset 8
  EXPECT_EQ(verdict(offset), XDP_PASS);
  const Bytes whole = ntp_frame(kClient4, kServer4, 3);
  // Every prefix up to the first payload byte (14 + 20 + 8), and an empty UDP payload.
  for (size_t len = 14; len <= 42; ++len) {
    EXPECT_EQ(verdict(Bytes(whole.begin(), whole.begin() + static_cast<long>(len))), XDP_PASS) << len;
  }
}

TEST_F(NtpSteer, EmptyAddressSetSteersNothing) {
  ASSERT_TRUE(steer_->set_local_addresses({}));
  const uint64_t before = counter(CHRONON_XDP_NO_SOCKET);
  EXPECT_EQ(verdict(ntp_frame(kClient4, kServer4, 3)), XDP_PASS);
  EXPECT_EQ(counter(CHRONON_XDP_NO_SOCKET), before);  // not even looked at
  // And back: the old entries were removed, the new ones work.
  ASSERT_TRUE(steer_->set_local_addresses({kServer6}));
  EXPECT_EQ(verdict(ntp_frame(kClient4, kServer4, 3)), XDP_PASS);
  EXPECT_EQ(counter(CHRONON_XDP_NO_SOCKET), before);
  EXPECT_EQ(verdict(ntp_frame(kClient6, kServer6, 3)), XDP_PASS);
  EXPECT_EQ(counter(CHRONON_XDP_NO_SOCKET), before + 1);
}

// With an AF_XDP socket on queue 0 of the loopback device, requests are redirected.
TEST_F(NtpSteer, RequestsAreRedirectedToTheQueuesSocket) {
  dp::XskConfig c;
  c.iface = "lo";
  c.ifindex = static_cast<int>(if_nametoindex("lo"));
  c.queue = 0;
  c.mode = dp::XskBindMode::kCopy;
  c.frame_count = 64;
  c.ring_size = 64;
  dp::XskSocket xsk(c);
  EXPECT_FALSE(xsk.zerocopy());
  steer_->set_socket(0, xsk.fd());
  const uint64_t redirected = counter(CHRONON_XDP_REDIRECTED);
  EXPECT_EQ(verdict(ntp_frame(kClient4, kServer4, 3)), XDP_REDIRECT);
  EXPECT_EQ(verdict(ntp_frame(kClient6, kServer6, 3)), XDP_REDIRECT);
  EXPECT_EQ(verdict(ntp_frame(kClient4, kServer4, 3, 123, true)), XDP_REDIRECT);  // 802.1Q
  EXPECT_EQ(verdict(ntp_frame(kClient6, kServer6, 3, 123, true)), XDP_REDIRECT);
  Bytes v1 = ntp_frame(kClient4, kServer4, 0);
  v1[42] = (1 << 3) | 0;  // NTPv1, mode 0: the responder decides
  EXPECT_EQ(verdict(v1), XDP_REDIRECT);
  // IPv4 options: the UDP header is found after them.
  Bytes opts = ntp_frame(kClient4, kServer4, 3);
  const uint8_t nops[4] = {1, 1, 1, 0};
  opts.insert(opts.begin() + 34, nops, nops + 4);
  opts[14] = 0x46;
  EXPECT_EQ(verdict(opts), XDP_REDIRECT);
  EXPECT_EQ(counter(CHRONON_XDP_REDIRECTED), redirected + 6);
  EXPECT_THROW(steer_->set_socket(CHRONON_XDP_MAX_QUEUES, xsk.fd()), std::runtime_error);
}

TEST_F(NtpSteer, SecondLoaderOnTheSameInterfaceIsRefusedWhileTheFirstLives) {
  std::vector<std::string> notes;
  try {
    XdpSteering second({"lo", 123, XdpMode::kAuto, false}, &notes);
    FAIL() << "a second program was attached";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("lo is served by another chronon-dataplane"),
              std::string::npos)
        << e.what();
  }
}

TEST(NtpSteerLoader, MissingInterfaceIsAClearError) {
  std::vector<std::string> notes;
  try {
    XdpSteering s({"nosuchif0", 123, XdpMode::kAuto, false}, &notes);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "no interface 'nosuchif0'");
  }
}

}  // namespace
}  // namespace chronon::ebpf
