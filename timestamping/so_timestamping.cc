// SO_TIMESTAMPING parsing; see so_timestamping.h.
#include "timestamping/so_timestamping.h"

#include <linux/errqueue.h>
#include <linux/net_tstamp.h>

#include <cstring>

namespace chronon::ts {

bool parse_so_timestamping(const cmsghdr* c, RxTimestamps* out) {
  if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPING_PKTINFO) {
    if (c->cmsg_len >= CMSG_LEN(sizeof(scm_ts_pktinfo))) {
      scm_ts_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      out->hw_ifindex = static_cast<int>(info.if_index);
    }
    return true;
  }
  if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SO_TIMESTAMPING) return false;
  if (c->cmsg_len < CMSG_LEN(sizeof(scm_timestamping))) return true;  // malformed: nothing
  scm_timestamping tss;
  std::memcpy(&tss, CMSG_DATA(c), sizeof tss);
  // ts[0]: software, ts[1]: deprecated, ts[2]: raw hardware (PHC).
  if (tss.ts[0].tv_sec != 0 || tss.ts[0].tv_nsec != 0) {
    out->software = tss.ts[0];
    out->has_software = true;
  }
  if (tss.ts[2].tv_sec != 0 || tss.ts[2].tv_nsec != 0) {
    out->hardware = tss.ts[2];
    out->has_hardware = true;
  }
  return true;
}

}  // namespace chronon::ts
