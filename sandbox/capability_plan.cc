// The capability sets per process and backend; the reasons are in capability_plan.h.
#include "sandbox/capability_plan.h"

namespace chronon::sandbox {

namespace {

bool privileged_port(int port) { return port > 0 && port < 1024; }

}  // namespace

CapSet dataplane_start_caps(DataplaneKind backend, int ntp_port, bool hwtimestamp) {
  CapSet s;
  switch (backend) {
    case DataplaneKind::kSocket:
      if (privileged_port(ntp_port)) s = {CAP_NET_BIND_SERVICE};
      break;
    case DataplaneKind::kAfxdp:
      s = {CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_NET_RAW, CAP_IPC_LOCK};
      break;
    case DataplaneKind::kDpdk:
      s = {CAP_NET_RAW, CAP_NET_ADMIN, CAP_IPC_LOCK};
      break;
    case DataplaneKind::kInline:
    case DataplaneKind::kNone:
      return {};
  }
  if (hwtimestamp) s = s | CapSet{CAP_NET_ADMIN};
  if (backend != DataplaneKind::kDpdk) s = s | CapSet{CAP_SETPCAP};
  return s;
}

CapSet dataplane_run_caps(DataplaneKind backend, int ntp_port, bool hwtimestamp) {
  if (backend == DataplaneKind::kDpdk) return dataplane_start_caps(backend, ntp_port, hwtimestamp);
  return {};
}

CapabilityPlan plan_capabilities(const PrivilegeNeeds& n) {
  CapabilityPlan p;
  if (n.clock_control) p.control = p.control | CapSet{CAP_SYS_TIME};
  if (privileged_port(n.ntp_port)) p.control = p.control | CapSet{CAP_NET_BIND_SERVICE};
  p.dataplane_start = dataplane_start_caps(n.dataplane, n.ntp_port, n.hwtimestamp);
  p.dataplane_run = dataplane_run_caps(n.dataplane, n.ntp_port, n.hwtimestamp);
  return p;
}

}  // namespace chronon::sandbox
