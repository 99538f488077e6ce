// SPDX-License-Identifier: GPL-2.0-or-later
// chronon-loadgen's XDP program: UDP from the server's port (the replies to the load
// generator's requests) goes to the AF_XDP socket of the receiving queue; everything else
// (ARP, ICMP, IPv6 ND) passes to the kernel. Every header read is checked against data_end.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

const volatile __u16 server_port = 123;  // host order, set by the loader

struct {
  __uint(type, BPF_MAP_TYPE_XSKMAP);
  __uint(max_entries, 64);
  __type(key, __u32);    // RX queue index
  __type(value, __u32);  // AF_XDP socket fd
} xsks SEC(".maps");

static __always_inline struct udphdr *udp_of_ipv4(void *l3, void *data_end) {
  struct iphdr *ip = l3;
  if ((void *)(ip + 1) > data_end || ip->protocol != IPPROTO_UDP) return 0;
  if (ip->ihl < 5 || (ip->frag_off & bpf_htons(0x3fff))) return 0;
  struct udphdr *udp = (void *)ip + ip->ihl * 4;
  return (void *)(udp + 1) > data_end ? 0 : udp;
}

static __always_inline struct udphdr *udp_of_ipv6(void *l3, void *data_end) {
  struct ipv6hdr *ip6 = l3;
  if ((void *)(ip6 + 1) > data_end || ip6->nexthdr != IPPROTO_UDP) return 0;
  struct udphdr *udp = (void *)(ip6 + 1);
  return (void *)(udp + 1) > data_end ? 0 : udp;
}

SEC("xdp")
int loadgen_rx(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return XDP_PASS;
  struct udphdr *udp = 0;
  if (eth->h_proto == bpf_htons(ETH_P_IP)) {
    udp = udp_of_ipv4(eth + 1, data_end);
  } else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
    udp = udp_of_ipv6(eth + 1, data_end);
  }
  if (!udp || udp->source != bpf_htons(server_port)) return XDP_PASS;
  return bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
