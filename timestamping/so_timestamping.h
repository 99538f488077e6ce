// The SO_TIMESTAMPING control message (linux/net_tstamp.h): software and raw hardware
// timestamps of a received packet, parsed in one place for every socket-based backend.
#pragma once

#include <sys/socket.h>
#include <time.h>

namespace chronon::ts {

struct RxTimestamps {
  timespec software{};  // system clock (CLOCK_REALTIME)
  timespec hardware{};  // the NIC's PHC, raw
  bool has_software = false;
  bool has_hardware = false;
  // The device that stamped it (SCM_TIMESTAMPING_PKTINFO, asked for with
  // SOF_TIMESTAMPING_OPT_PKTINFO): the physical NIC under a VLAN or bond, 0 if not given.
  int hw_ifindex = 0;
};

// True if `c` is an SO_TIMESTAMPING or SCM_TIMESTAMPING_PKTINFO message; fills what it
// carries into `out`.
bool parse_so_timestamping(const cmsghdr* c, RxTimestamps* out);

}  // namespace chronon::ts
