// SPDX-License-Identifier: GPL-2.0-or-later
// chronon's XDP steering program: NTP client requests (mode 3, and NTPv1's mode 0) to UDP
// port `ntp_port` of one of the server's addresses go to the AF_XDP socket of the receiving
// queue; NTP control (6) and private (7) packets to that port are dropped and counted;
// everything else (ARP, ICMP, IPv6 ND, TCP, upstream servers' replies to chronond, peers'
// mode 1/2 packets, fragments, packets for other addresses) passes to the kernel. Every
// header read is checked against data_end.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "ebpf/ntp_steer_abi.h"

// ---- configuration, set by the loader between open and load ------------------------------
const volatile __u16 ntp_port = 123;       // host order
const volatile __u8 any_destination = 0;   // 1: do not check the destination address

// ---- maps --------------------------------------------------------------------------------
struct {
  __uint(type, BPF_MAP_TYPE_XSKMAP);
  __uint(max_entries, CHRONON_XDP_MAX_QUEUES);
  __type(key, __u32);    // RX queue index
  __type(value, __u32);  // AF_XDP socket fd (as written by userspace)
} xsks SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, CHRONON_XDP_MAX_ADDRESSES);
  __type(key, __u32);  // IPv4 address, network order
  __type(value, __u8);
} local_v4 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, CHRONON_XDP_MAX_ADDRESSES);
  __type(key, struct in6_addr);
  __type(value, __u8);
} local_v6 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, CHRONON_XDP_COUNTER_COUNT);
  __type(key, __u32);
  __type(value, __u64);
} counters SEC(".maps");

#ifdef CHRONON_RX_TIMESTAMPS
// The NIC's receive timestamp, where the driver has one (kernel 6.3+, device-bound program).
// Built as a second object (ntp_steer_rxts) so that kernels without it load the first.
extern int bpf_xdp_metadata_rx_timestamp(const struct xdp_md *ctx, __u64 *timestamp) __ksym;
#endif

// ---- helpers ------------------------------------------------------------------------------
static __always_inline void count(__u32 which) {
  __u64 *c = bpf_map_lookup_elem(&counters, &which);
  if (c) *c += 1;
}

// The UDP header of an IPv4 packet for one of our addresses, or NULL (pass to the kernel).
static __always_inline struct udphdr *ipv4_udp(void *l3, void *data_end) {
  struct iphdr *ip = l3;
  if ((void *)(ip + 1) > data_end) return NULL;
  if (ip->version != 4 || ip->ihl < 5 || ip->protocol != IPPROTO_UDP) return NULL;
  if (ip->frag_off & bpf_htons(0x3fff)) return NULL;  // MF or an offset: the kernel reassembles
  if (!any_destination && !bpf_map_lookup_elem(&local_v4, &ip->daddr)) return NULL;
  struct udphdr *udp = l3 + ip->ihl * 4;
  if ((void *)(udp + 1) > data_end) return NULL;
  return udp;
}

// The UDP header of an IPv6 packet without extension headers for one of our addresses.
// Packets with extension headers go to the kernel (which has no socket on the port: they get
// no answer, as fragments do not).
static __always_inline struct udphdr *ipv6_udp(void *l3, void *data_end) {
  struct ipv6hdr *ip6 = l3;
  if ((void *)(ip6 + 1) > data_end) return NULL;
  if (ip6->version != 6 || ip6->nexthdr != IPPROTO_UDP) return NULL;
  if (!any_destination && !bpf_map_lookup_elem(&local_v6, &ip6->daddr)) return NULL;
  struct udphdr *udp = (void *)(ip6 + 1);
  if ((void *)(udp + 1) > data_end) return NULL;
  return udp;
}

// Stores the NIC's receive timestamp in front of the frame for the dataplane to read.
static __always_inline void stamp(struct xdp_md *ctx) {
#ifdef CHRONON_RX_TIMESTAMPS
  __u64 ts = 0;
  if (bpf_xdp_metadata_rx_timestamp(ctx, &ts) != 0 || ts == 0) return;
  if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(struct chronon_xdp_meta)) != 0) return;
  struct chronon_xdp_meta *meta = (void *)(long)ctx->data_meta;
  if ((void *)(meta + 1) > (void *)(long)ctx->data) return;
  meta->rx_timestamp_ns = ts;
  meta->magic = CHRONON_XDP_META_MAGIC;
  meta->reserved = 0;
  count(CHRONON_XDP_RX_TIMESTAMPED);
#else
  (void)ctx;
#endif
}

static __always_inline int steer(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) goto pass;
  __u16 proto = eth->h_proto;
  void *l3 = eth + 1;
  if (proto == bpf_htons(ETH_P_8021Q)) {  // one 802.1Q tag, as the frame parser accepts
    __u16 *tag = l3;
    if ((void *)(tag + 2) > data_end) goto pass;
    proto = tag[1];
    l3 = tag + 2;
  }
  struct udphdr *udp;
  if (proto == bpf_htons(ETH_P_IP)) {
    udp = ipv4_udp(l3, data_end);
  } else if (proto == bpf_htons(ETH_P_IPV6)) {
    udp = ipv6_udp(l3, data_end);
  } else {
    goto pass;
  }
  if (!udp || udp->dest != bpf_htons(ntp_port)) goto pass;
  __u8 *first = (void *)(udp + 1);
  if ((void *)(first + 1) > data_end) goto pass;
  switch (*first & 7) {
    case 0:  // NTPv1 requests have mode 0; the responder tells them from other mode-0 packets
    case 3: {
      __u32 queue = ctx->rx_queue_index;
      if (!bpf_map_lookup_elem(&xsks, &queue)) {
        count(CHRONON_XDP_NO_SOCKET);
        goto pass;
      }
      stamp(ctx);
      count(CHRONON_XDP_REDIRECTED);
      return bpf_redirect_map(&xsks, queue, XDP_PASS);
    }
    case 6:
      count(CHRONON_XDP_DROPPED_MODE6);
      return XDP_DROP;
    case 7:
      count(CHRONON_XDP_DROPPED_MODE7);
      return XDP_DROP;
    default:
      break;  // peers (1, 2), servers' replies (4), broadcast (5): the kernel's
  }
pass:
  count(CHRONON_XDP_PASSED);
  return XDP_PASS;
}

// One program per object; the rxts object is loaded bound to the device, as the metadata
// kfuncs require.
SEC("xdp")
int ntp_steer(struct xdp_md *ctx) { return steer(ctx); }

char LICENSE[] SEC("license") = "GPL";
