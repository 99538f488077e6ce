// What ntp_steer.bpf.c and its userspace readers agree on: map sizes, counter indexes and the
// metadata the program puts in front of a redirected frame. C, for both clang's BPF target
// and C++.
#pragma once

#include <linux/types.h>

#define CHRONON_XDP_MAX_QUEUES 256
#define CHRONON_XDP_MAX_ADDRESSES 256

// Indexes into the per-CPU `counters` map.
enum chronon_xdp_counter {
  CHRONON_XDP_REDIRECTED = 0,   // NTP client requests handed to an AF_XDP socket
  CHRONON_XDP_PASSED,           // everything given to the kernel
  CHRONON_XDP_DROPPED_MODE6,    // NTP control messages to the server port, dropped
  CHRONON_XDP_DROPPED_MODE7,    // NTP private (monlist) messages, dropped
  CHRONON_XDP_NO_SOCKET,        // client requests on a queue without a socket (passed)
  CHRONON_XDP_RX_TIMESTAMPED,   // redirected with the NIC's receive timestamp
  CHRONON_XDP_COUNTER_COUNT,
};

// Written just before the frame (XDP data_meta) when the NIC gave a receive timestamp.
struct chronon_xdp_meta {
  __u64 rx_timestamp_ns;  // the NIC clock's time (PHC time scale)
  __u32 reserved;
  __u32 magic;            // CHRONON_XDP_META_MAGIC, adjacent to the frame
};

#define CHRONON_XDP_META_MAGIC 0x4e545053u  // "NTPS"
