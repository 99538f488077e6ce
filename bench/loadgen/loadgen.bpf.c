// SPDX-License-Identifier: GPL-2.0-or-later
// chronon-loadgen's XDP program, attached to the interface it sends from. Two jobs in one
// program, because BPF_PROG_RUN in live-frames mode is only fast for a program the kernel's XDP
// dispatcher already holds (an attached one; otherwise every run rebuilds the dispatcher):
//  * received frames: replies to the simulated clients (IPv4 UDP from the server's port to the
//    clients' subnet) go to the AF_XDP socket of the receiving queue; everything else (ARP,
//    ICMP, IPv6, the host's own NTP queries) passes to the kernel;
//  * the request template, run by BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES (recognised by
//    our own MAC as its source): becomes one simulated client's request, sent now (address,
//    port, the transmit stamp of request_stamp.h, interleaved fields where the client has had
//    a reply, checksums updated incrementally, RFC 1624) and goes out with XDP_TX, the kernel
//    making and transmitting each frame without a socket buffer.
// Every header read is checked against data_end.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

// Fixed layout of the template: Ethernet, IPv4 without options, UDP, NTP.
#define IP_OFF 14
#define UDP_OFF (IP_OFF + 20)
#define NTP_OFF (UDP_OFF + 8)
#define FRAME_LEN (NTP_OFF + 48)

// ---- configuration, set by the loader between open and load ------------------------------
const volatile __u16 server_port = 123;  // host order
const volatile __u8 own_mac[6] = {};
const volatile __u32 clients = 1;       // simulated clients (ClientSet)
const volatile __u32 subnet_base = 0;   // host order
const volatile __u32 host_mask = 0;
const volatile __u32 swap_from = 0;     // ClientSet::swap_from/swap_to: no broadcast client
const volatile __u32 swap_to = 0;
const volatile __u8 interleaved = 0;
// The template's checksums with every variable field zero, as stored in the frame. Taken from
// here, not from the frame, because the kernel may hand back a frame this program already
// changed.
const volatile __u16 ip_csum_base = 0;
const volatile __u16 udp_csum_base = 0;

// CLOCK_REALTIME minus CLOCK_MONOTONIC in ns, refreshed by userspace before each run.
__u64 realtime_offset_ns = 0;

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, 1);  // set to `clients` by the loader
  __type(key, __u32);
  __type(value, __u64);    // the server's receive timestamp of the client's last reply
} prev_server_rx SEC(".maps");

static __always_inline __u32 add16(__u32 acc, const void *p) {
  return acc + *(const __u16 *)p;
}

static __always_inline __u16 fold(__u32 acc) {
  acc = (acc & 0xffff) + (acc >> 16);
  acc = (acc & 0xffff) + (acc >> 16);
  return (__u16)acc;
}

static __always_inline __u32 add_words64(__u32 acc, __u64 v) {
  return acc + (__u32)(v & 0xffff) + (__u32)((v >> 16) & 0xffff) + (__u32)((v >> 32) & 0xffff) +
         (__u32)(v >> 48);
}

static __always_inline int make_request(void *data, void *data_end) {
  if (data + FRAME_LEN > data_end) return XDP_ABORTED;
  __u8 *ip = data + IP_OFF, *udp = data + UDP_OFF, *ntp = data + NTP_OFF;

  // ClientSet::address/port/stamp_check, the same arithmetic as client_set.h.
  const __u32 index = (__u32)(((__u64)bpf_get_prandom_u32() * clients) >> 32);
  const __u32 slot = index + 1 == swap_from ? swap_to : index + 1;
  const __u32 addr = subnet_base | ((slot * 0x2545f491u) & host_mask);
  const __u16 port = 1024 + ((index * 2654435761u) >> 8) % 64000;
  __u32 h = index * 0x9e3779b1u;
  h ^= h >> 15;
  const __u64 check = (h >> 7) & 0x7f;

  // The send time as an NTP timestamp (RFC 5905 §6), to within 2^-24 s.
  const __u64 unix_ns = bpf_ktime_get_ns() + realtime_offset_ns;
  const __u64 secs = unix_ns / 1000000000ull + 2208988800ull;
  const __u64 frac = ((unix_ns % 1000000000ull) << 32) / 1000000000ull;
  const __u64 sent = (secs << 32) | frac;
  const __u64 tx_stamp = (sent & ~0xffull) | (check << 1);
  __u64 origin = 0, rx_stamp = 0;
  if (interleaved) {
    __u32 key = index;
    __u64 *prev = bpf_map_lookup_elem(&prev_server_rx, &key);
    if (prev && *prev) {
      origin = *prev;
      rx_stamp = tx_stamp | 1;
    }
  }

  // The template's checksums cover the variable fields as zero, so adding the new words to the
  // complemented checksums gives the new ones.
  const __u32 src_be = bpf_htonl(addr);
  const __u16 port_be = bpf_htons(port);
  const __u64 tx_be = bpf_cpu_to_be64(tx_stamp), org_be = bpf_cpu_to_be64(origin),
              rx_be = bpf_cpu_to_be64(rx_stamp);
  __builtin_memcpy(ip + 12, &src_be, 4);
  __builtin_memcpy(udp, &port_be, 2);
  __builtin_memcpy(ntp + 24, &org_be, 8);
  __builtin_memcpy(ntp + 32, &rx_be, 8);
  __builtin_memcpy(ntp + 40, &tx_be, 8);

  __u32 ip_acc = (__u16)~ip_csum_base;
  ip_acc = add16(add16(ip_acc, ip + 12), ip + 14);
  *(__u16 *)(ip + 10) = ~fold(ip_acc);

  __u32 udp_acc = (__u16)~udp_csum_base;
  udp_acc = add16(add16(udp_acc, ip + 12), ip + 14);  // pseudo-header source address
  udp_acc = add16(udp_acc, udp);
  udp_acc = add_words64(udp_acc, tx_be);
  udp_acc = add_words64(udp_acc, org_be);
  udp_acc = add_words64(udp_acc, rx_be);
  __u16 sum = ~fold(udp_acc);
  *(__u16 *)(udp + 6) = sum ? sum : 0xffff;  // RFC 768: 0 means "no checksum"
  return XDP_TX;
}


struct {
  __uint(type, BPF_MAP_TYPE_XSKMAP);
  __uint(max_entries, 64);
  __type(key, __u32);    // RX queue index
  __type(value, __u32);  // AF_XDP socket fd
} xsks SEC(".maps");

// A reply to one of our clients: IPv4 UDP from the server's port to an address of the clients'
// subnet. Anything else, replies to the host's own sockets included, is the kernel's.
static __always_inline int is_client_reply(void *l3, void *data_end) {
  struct iphdr *ip = l3;
  if ((void *)(ip + 1) > data_end || ip->protocol != IPPROTO_UDP) return 0;
  if (ip->ihl < 5 || (ip->frag_off & bpf_htons(0x3fff))) return 0;
  if ((bpf_ntohl(ip->daddr) & ~host_mask) != subnet_base) return 0;
  struct udphdr *udp = (void *)ip + ip->ihl * 4;
  if ((void *)(udp + 1) > data_end) return 0;
  return udp->source == bpf_htons(server_port);
}

SEC("xdp")
int loadgen(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return XDP_PASS;
  if (eth->h_source[0] == own_mac[0] && eth->h_source[1] == own_mac[1] &&
      eth->h_source[2] == own_mac[2] && eth->h_source[3] == own_mac[3] &&
      eth->h_source[4] == own_mac[4] && eth->h_source[5] == own_mac[5]) {
    return make_request(data, data_end);
  }
  if (eth->h_proto != bpf_htons(ETH_P_IP) || !is_client_reply(eth + 1, data_end)) return XDP_PASS;
  return bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
