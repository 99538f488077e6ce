// The capabilities each process keeps after -u, per backend and option (capability_plan.h).
#include "sandbox/capability_plan.h"

#include <gtest/gtest.h>

namespace chronon::sandbox {
namespace {

TEST(CapabilityPlan, ControlKeepsClockAndPortOnly) {
  const auto p = plan_capabilities({DataplaneKind::kSocket, true, 123, false});
  EXPECT_EQ(p.control, (CapSet{CAP_SYS_TIME, CAP_NET_BIND_SERVICE}));
}

TEST(CapabilityPlan, NoClockControlMeansNoSysTime) {
  // -x: chronyd keeps cap_sys_time only with clock control; so does chronond.
  const auto p = plan_capabilities({DataplaneKind::kSocket, false, 123, false});
  EXPECT_EQ(p.control, CapSet{CAP_NET_BIND_SERVICE});
}

TEST(CapabilityPlan, UnprivilegedPortNeedsNoBindCapability) {
  const auto p = plan_capabilities({DataplaneKind::kSocket, false, 11123, false});
  EXPECT_TRUE(p.control.empty());
  EXPECT_EQ(p.dataplane_start, CapSet{CAP_SETPCAP});
  const auto none = plan_capabilities({DataplaneKind::kSocket, false, 0, false});
  EXPECT_TRUE(none.control.empty());
}

TEST(CapabilityPlan, SocketDataplaneBindsThenKeepsNothing) {
  const auto p = plan_capabilities({DataplaneKind::kSocket, true, 123, false});
  EXPECT_EQ(p.dataplane_start, (CapSet{CAP_NET_BIND_SERVICE, CAP_SETPCAP}));
  EXPECT_TRUE(p.dataplane_run.empty());
  EXPECT_EQ(p.control_bounding(), (CapSet{CAP_SYS_TIME, CAP_NET_BIND_SERVICE, CAP_SETPCAP}));
}

TEST(CapabilityPlan, AfxdpStartsWithBpfAndNetworkThenKeepsNothing) {
  const auto p = plan_capabilities({DataplaneKind::kAfxdp, false, 123, false});
  EXPECT_EQ(p.dataplane_start,
            (CapSet{CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_NET_RAW, CAP_IPC_LOCK, CAP_SETPCAP}));
  EXPECT_FALSE(p.dataplane_start.has(CAP_SYS_ADMIN));
  EXPECT_TRUE(p.dataplane_run.empty());
  // Control never holds the dataplane's set as its own.
  EXPECT_FALSE(p.control.has(CAP_BPF));
  EXPECT_TRUE(p.control_bounding().has(CAP_BPF));
}

TEST(CapabilityPlan, DpdkKeepsItsStartSetWhileServing) {
  const auto p = plan_capabilities({DataplaneKind::kDpdk, false, 123, false});
  EXPECT_EQ(p.dataplane_start, (CapSet{CAP_NET_RAW, CAP_NET_ADMIN, CAP_IPC_LOCK}));
  EXPECT_EQ(p.dataplane_run, p.dataplane_start);
}

TEST(CapabilityPlan, HwTimestampAddsNetAdminAtStart) {
  const auto p = plan_capabilities({DataplaneKind::kSocket, false, 123, true});
  EXPECT_TRUE(p.dataplane_start.has(CAP_NET_ADMIN));
  EXPECT_TRUE(p.dataplane_run.empty());
}

TEST(CapabilityPlan, InlineAndNoneHaveNoDataplaneSet) {
  for (auto k : {DataplaneKind::kInline, DataplaneKind::kNone}) {
    const auto p = plan_capabilities({k, true, 123, false});
    EXPECT_TRUE(p.dataplane_start.empty());
    EXPECT_EQ(p.control_bounding(), p.control);
  }
}

}  // namespace
}  // namespace chronon::sandbox
