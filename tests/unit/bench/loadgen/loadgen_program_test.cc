// The load generator's XDP program makes requests exactly as the C++ code does (the same
// clients, ports and stamps, valid checksums after its incremental updates, interleaved fields
// from the shared table). Run with BPF_PROG_RUN on its output; needs root, and attaches only
// inside a network namespace of its own.
#include "bench/loadgen/loadgen_program.h"

#include <gtest/gtest.h>
#include <net/if.h>
#include <sched.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include "bench/loadgen/ntp_frames.h"
#include "bench/loadgen/request_stamp.h"
#include "dataplane/core/byte_order.h"
#include "dataplane/core/frame.h"
#include "timestamping/clock_read.h"

namespace chronon::bench {
namespace {

struct Rig {
  RequestTemplate tpl{{2, 0, 0, 0, 0, 1}, {2, 0, 0, 0, 0, 2}, 0x0a000001, 123};
  uint8_t tmpl[128] = {};
  std::unique_ptr<LoadgenProgram> program;

  explicit Rig(uint32_t clients, bool interleaved) {
    LoadgenProgramConfig c;
    c.iface = "lo";
    c.ifindex = static_cast<int>(if_nametoindex("lo"));
    std::memcpy(c.own_mac, tpl.src_mac, 6);
    c.clients = *ClientSet::make(0x0ac80000, 16, clients);
    c.interleaved = interleaved;
    c.tmpl = tmpl;
    c.tmpl_len = write_request_template(tmpl, sizeof tmpl, tpl);
    program = std::make_unique<LoadgenProgram>(c);
  }
};

class LoadgenProgramTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (BPF)";
    // A namespace of our own: its loopback is the only interface the program touches.
    ASSERT_EQ(unshare(CLONE_NEWNET), 0) << std::strerror(errno);
  }
};

TEST_F(LoadgenProgramTest, RequestsAreValidFramesFromTheClients) {
  Rig rig(5000, false);
  const ClientSet clients = *ClientSet::make(0x0ac80000, 16, 5000);
  for (int i = 0; i < 200; ++i) {
    uint8_t out[256];
    const uint64_t before = ts::to_ntp(ts::realtime_now()).raw;
    const size_t len = rig.program->make_one(out, sizeof out);
    const uint64_t after = ts::to_ntp(ts::realtime_now()).raw;
    ASSERT_EQ(len, 90u);
    dp::FrameInfo info;
    ASSERT_EQ(dp::parse_frame(out, len, &info), dp::FrameDrop::kNone) << "checksums, run " << i;
    const auto index = clients.index_of(info.src.v4());
    ASSERT_TRUE(index) << info.src.v4();
    EXPECT_EQ(info.src_port, clients.port(*index));
    EXPECT_EQ(info.dst.v4(), 0x0a000001u);
    EXPECT_EQ(info.dst_port, 123);
    const uint8_t* ntp = out + info.payload_offset;
    EXPECT_EQ(ntp[0], 0x23);
    EXPECT_EQ(dp::load_be64(ntp + 24), 0u);
    EXPECT_EQ(dp::load_be64(ntp + 32), 0u);
    const StampInfo s = read_stamp(dp::load_be64(ntp + 40), *index);
    EXPECT_TRUE(s.check_ok);
    EXPECT_FALSE(s.flag);
    EXPECT_GE(s.send_ntp_raw + 0x100, before);  // within the clock offset's error
    EXPECT_LE(s.send_ntp_raw, after + 0x100000);
  }
}

TEST_F(LoadgenProgramTest, InterleavedClientsEchoTheServersLastReceiveTimestamp) {
  Rig rig(4, true);
  const ClientSet clients = *ClientSet::make(0x0ac80000, 16, 4);
  uint64_t* prev = rig.program->prev_server_rx();
  ASSERT_NE(prev, nullptr);
  for (uint32_t i = 0; i < 4; ++i) prev[i] = 0xeb00000000001001ull + (uint64_t{i} << 12);
  for (int run = 0; run < 50; ++run) {
    uint8_t out[256];
    const size_t len = rig.program->make_one(out, sizeof out);
    dp::FrameInfo info;
    ASSERT_EQ(dp::parse_frame(out, len, &info), dp::FrameDrop::kNone);
    const uint32_t index = *clients.index_of(info.src.v4());
    const uint8_t* ntp = out + info.payload_offset;
    EXPECT_EQ(dp::load_be64(ntp + 24), prev[index]);
    EXPECT_EQ(dp::load_be64(ntp + 32), dp::load_be64(ntp + 40) | 1);
    EXPECT_TRUE(read_stamp(dp::load_be64(ntp + 32), index).flag);
  }
}

}  // namespace
}  // namespace chronon::bench
