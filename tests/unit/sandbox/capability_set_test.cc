// CapSet: masks as /proc/PID/status numbers them, and libcap's names.
#include "sandbox/capability_set.h"

#include <gtest/gtest.h>

namespace chronon::sandbox {
namespace {

TEST(CapSet, MaskMatchesProcStatusBits) {
  // CapEff of a process holding cap_net_bind_service and cap_sys_time: bits 10 and 25.
  const CapSet s{CAP_NET_BIND_SERVICE, CAP_SYS_TIME};
  EXPECT_EQ(s.mask(), 0x0000000002000400ULL);
  EXPECT_TRUE(s.has(CAP_SYS_TIME));
  EXPECT_FALSE(s.has(CAP_NET_ADMIN));
  EXPECT_EQ(CapSet::from_mask(0x2000400), s);
}

TEST(CapSet, NamesInKernelOrder) {
  EXPECT_EQ((CapSet{CAP_SYS_TIME, CAP_NET_BIND_SERVICE}).names(),
            "cap_net_bind_service,cap_sys_time");
  EXPECT_EQ((CapSet{CAP_BPF, CAP_PERFMON}).names(), "cap_perfmon,cap_bpf");
  EXPECT_EQ(CapSet{}.names(), "none");
  EXPECT_EQ(capability_name(63), "cap_63");
}

TEST(CapSet, UnionAndDifference) {
  const CapSet a{CAP_NET_RAW, CAP_NET_ADMIN}, b{CAP_NET_ADMIN, CAP_IPC_LOCK};
  EXPECT_EQ(a | b, (CapSet{CAP_NET_RAW, CAP_NET_ADMIN, CAP_IPC_LOCK}));
  EXPECT_EQ(a - b, CapSet{CAP_NET_RAW});
  EXPECT_TRUE((a - a).empty());
}

}  // namespace
}  // namespace chronon::sandbox
