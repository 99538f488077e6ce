// Which capabilities each chronon process keeps after `chronond -u USER` has switched to USER,
// worked out from the configuration alone (pure, unit-tested). Why each one, as measured on
// Linux 6.18 by starting the processes as an unprivileged user with one capability less:
//
// control (chronond):
//   cap_sys_time          adjtimex/clock_adjtime on the system clock; not with -x (as chronyd).
//   cap_net_bind_service  binding an NTP port below 1024 later: peers (symmetric mode) bind the
//                         server port, and step aside and bind again whenever the dataplane is
//                         restarted; `reload sources` may add peers.
//   It holds the dataplane's start-up set below in its permitted and inheritable sets only,
//   never effective: the supervisor raises them into the ambient set in the forked child just
//   before execve, so a dataplane restarted after a crash starts with exactly what the first
//   one had. `clients` (process_vm_readv of the dataplane's tables) needs no capability: the
//   dataplane runs as the same user, is dumpable, and holds no capability control lacks.
//   Its bounding set is the union of the two.
//
// dataplane, while starting (the ambient set it is executed with):
//   socket  cap_net_bind_service   bind UDP port 123 ("cannot bind 0.0.0.0:123: Permission
//                                   denied" without it).
//   afxdp   cap_bpf                 create the maps, load the program (EPERM without);
//           cap_perfmon             the verifier refuses ntp_steer (EACCES) without it;
//           cap_net_admin           load an XDP program and attach it (EPERM without);
//           cap_net_raw             socket(AF_XDP) (EPERM without);
//           cap_ipc_lock            XDP_UMEM_REG is charged against RLIMIT_MEMLOCK otherwise
//                                   (ENOBUFS with `prlimit --memlock=0`; systemd's default
//                                   limit is 8 MiB, a few queues' UMEM). cap_sys_admin is not
//                                   needed on 6.x (only for looking up other processes'
//                                   bpf_links, which chronon does to name a live one in an
//                                   error message).
//   dpdk    cap_net_raw             net_af_packet's AF_PACKET socket ("Bus (vdev) probe failed");
//           cap_net_admin           the TAP interface for the kernel's traffic, its addresses;
//           cap_ipc_lock            locked ring and EAL memory (fails with memlock 0 without).
//           Hugepages and vfio are reached through file permissions (a hugetlbfs mount and
//           /dev/vfio/N the user may write), not capabilities; physical addresses
//           (/proc/self/pagemap, IOVA as PA) would need cap_sys_admin, which is not granted:
//           use vfio with an IOMMU (IOVA as VA). Untested on hardware.
//   hwtimestamp on any backend adds cap_net_admin (SIOCSHWTSTAMP); the PHC device must be
//   readable by USER (a udev rule), as no capability is granted for it.
//   socket and afxdp also get cap_setpcap, only to empty their own bounding set before they
//   drop it with the rest (control cannot trim a child's bounding set for it).
//
// dataplane, once serving (what it keeps after start-up, and its bounding set): nothing for
// socket and afxdp, whose sockets, maps, link and rings are open by then (the address-set
// refresh reads netlink, which needs no capability; closing the bpf_link detaches the
// program without one). dpdk keeps its
// start-up set: the EAL starts its threads inside rte_eal_init, before the port exists, and
// capabilities belong to each thread, so the main thread alone could not give them up.
#pragma once

#include "sandbox/capability_set.h"

namespace chronon::sandbox {

enum class DataplaneKind { kSocket, kAfxdp, kDpdk, kInline, kNone };

struct PrivilegeNeeds {
  DataplaneKind dataplane = DataplaneKind::kSocket;
  bool clock_control = true;  // false with -x
  int ntp_port = 123;         // `port`; 0 = no server port
  bool hwtimestamp = false;   // any `hwtimestamp` line
};

struct CapabilityPlan {
  CapSet control;          // control's effective and permitted set for its own use
  CapSet dataplane_start;  // ambient set the dataplane is executed with
  CapSet dataplane_run;    // what the dataplane keeps once serving
  // Control's permitted and bounding sets: its own and what it hands to the dataplane.
  CapSet control_bounding() const { return control | dataplane_start; }
};

CapabilityPlan plan_capabilities(const PrivilegeNeeds& needs);

// The dataplane's own view, from its command line: its backend's start-up and serving sets.
CapSet dataplane_start_caps(DataplaneKind backend, int ntp_port, bool hwtimestamp);
CapSet dataplane_run_caps(DataplaneKind backend, int ntp_port, bool hwtimestamp);

}  // namespace chronon::sandbox
