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
};

// True if `c` is an SO_TIMESTAMPING message; fills what it carries into `out`.
bool parse_so_timestamping(const cmsghdr* c, RxTimestamps* out);

}  // namespace chronon::ts
