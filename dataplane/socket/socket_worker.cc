// Socket backend worker loop; see socket_worker.h.
#include "dataplane/socket/socket_worker.h"

#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <linux/filter.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>
#include <stdexcept>
#include <string>

#include "dataplane/core/server_core.h"
#include "dataplane/core/worker_core.h"
#include "timestamping/clock_read.h"
#include "timestamping/so_timestamping.h"
#include "dataplane/shared/ip_address.h"
#include "timestamping/ntp_time.h"

namespace chronon::dp {

namespace {

constexpr int kMaxBatch = 64;
constexpr size_t kBufLen = kMaxRequestLen;  // longer datagrams arrive truncated (MSG_TRUNC)
constexpr size_t kCtlLen = 256;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

// SO_REUSEPORT lets the workers share the port, but would also let a second chronon (or
// anything else using it) share it silently. The first worker checks that the address is
// free with a plain bind first, so a port in use is an error as it is for chronyd.
void check_port_free(int family, const sockaddr* addr, socklen_t addr_len,
                     const std::string& name) {
  const int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
  if (fd < 0) return;  // the real socket() will report it
  if (family == AF_INET6) {
    const int one = 1;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  }
  const int r = bind(fd, addr, addr_len);
  const int e = errno;
  close(fd);
  if (r != 0 && e == EADDRINUSE) {
    errno = e;
    fail("cannot bind " + name + " (another NTP server, or another chronon, serves it)");
  }
}

constexpr int kReceiveBufferBytes = 4 << 20;

int open_socket(int family, const sockaddr* addr, socklen_t addr_len, const std::string& name,
                bool hw_timestamps, bool first_worker) {
  if (first_worker) check_port_free(family, addr, addr_len, name);
  const int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
  if (fd < 0) fail("socket for " + name);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (family == AF_INET6) {
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
  } else {
    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
  }
  // Requests wait in the socket until the worker's next recvmmsg. The default buffer
  // (rmem_default, 208 KiB) holds as few as ~50 of them when the driver hands over page-sized
  // buffers (XDP frames, many NICs), so a burst overflows it; 4 MiB holds thousands.
  // SO_RCVBUFFORCE where we may (CAP_NET_ADMIN), else as much as net.core.rmem_max allows.
  const int rcvbuf = kReceiveBufferBytes;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    // The kernel reports twice what it grants (its bookkeeping share). Said once, on stderr,
    // which chronond logs.
    int got = 0;
    socklen_t len = sizeof got;
    static std::atomic<bool> told{false};
    if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) == 0 && got / 2 < rcvbuf &&
        !told.exchange(true)) {
      std::fprintf(stderr,
                   "chronon-dataplane: UDP receive buffers are %d bytes, not %d (no CAP_NET_ADMIN "
                   "to force them): raise net.core.rmem_max to %d so bursts are not dropped\n",
                   got / 2, rcvbuf, rcvbuf);
    }
  }
  // Kernel receive timestamps, and the NIC's where `hwtimestamp` turned them on.
  int ts_flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
  if (hw_timestamps) {
    ts_flags |= SOF_TIMESTAMPING_RX_HARDWARE | SOF_TIMESTAMPING_RAW_HARDWARE |
                SOF_TIMESTAMPING_OPT_PKTINFO;
  }
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &ts_flags, sizeof ts_flags);
  if (bind(fd, addr, addr_len) != 0) {
    const int e = errno;
    close(fd);
    errno = e;
    fail("cannot bind " + name);
  }
  return fd;
}

IpAddress address_of(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) {
    const auto& s4 = reinterpret_cast<const sockaddr_in&>(ss);
    return IpAddress::from_v4(ntohl(s4.sin_addr.s_addr));
  }
  const auto& s6 = reinterpret_cast<const sockaddr_in6&>(ss);
  uint8_t b[16];
  std::memcpy(b, &s6.sin6_addr, 16);
  return IpAddress::from_v6(b);
}

uint16_t port_of(const sockaddr_storage& ss) {
  return ntohs(ss.ss_family == AF_INET ? reinterpret_cast<const sockaddr_in&>(ss).sin_port
                                       : reinterpret_cast<const sockaddr_in6&>(ss).sin6_port);
}


// Finds the RX timestamp (the NIC's, converted, where there is one and a map for it; else the
// kernel's software one) and the local (destination) address of a received message, and
// writes the matching source-address control message for the reply. Returns 2 for a
// hardware timestamp, 1 for software, 0 for none.
int read_cmsgs(msghdr& mh, timespec* rx, msghdr& reply, uint8_t* out_ctl,
               const HwTimestamps* hw) {
  ts::RxTimestamps stamps;
  int ifindex = 0;
  size_t out_len = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (ts::parse_so_timestamping(c, &stamps)) {
      continue;
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo pi;
      std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
      ifindex = pi.ipi_ifindex;
      in_pktinfo out{};
      out.ipi_spec_dst = pi.ipi_addr;  // reply from the address the request was sent to
      auto* oc = reinterpret_cast<cmsghdr*>(out_ctl);
      oc->cmsg_level = IPPROTO_IP;
      oc->cmsg_type = IP_PKTINFO;
      oc->cmsg_len = CMSG_LEN(sizeof out);
      std::memcpy(CMSG_DATA(oc), &out, sizeof out);
      out_len = CMSG_SPACE(sizeof out);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo pi;
      std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
      ifindex = static_cast<int>(pi.ipi6_ifindex);
      auto* oc = reinterpret_cast<cmsghdr*>(out_ctl);
      oc->cmsg_level = IPPROTO_IPV6;
      oc->cmsg_type = IPV6_PKTINFO;
      oc->cmsg_len = CMSG_LEN(sizeof pi);
      std::memcpy(CMSG_DATA(oc), &pi, sizeof pi);
      out_len = CMSG_SPACE(sizeof pi);
    }
  }
  reply.msg_control = out_len ? out_ctl : nullptr;
  reply.msg_controllen = out_len;
  if (stamps.has_hardware && hw != nullptr) {
    // The stamping device (under a VLAN or bond) if the kernel said, else the receiving one.
    if (auto sys = hw->to_system(stamps.hw_ifindex ? stamps.hw_ifindex : ifindex,
                                 stamps.hardware)) {
      *rx = *sys;
      return 2;
    }
  }
  if (stamps.has_software) {
    *rx = stamps.software;
    return 1;
  }
  return 0;
}

}  // namespace

// Per-batch buffers, allocated once per worker.
struct SocketWorker::Batch {
  uint8_t buf[kMaxBatch][kBufLen];
  uint8_t ctl[kMaxBatch][kCtlLen];
  uint8_t out_ctl[kMaxBatch][kCtlLen];
  PendingReply pending[kMaxBatch];
  sockaddr_storage from[kMaxBatch];
  iovec iov[kMaxBatch];
  mmsghdr in[kMaxBatch];
  iovec out_iov[kMaxBatch];
  mmsghdr out[kMaxBatch];
  uint64_t hash[kMaxBatch];  // client-table hash of each source, from the prefetch
};

SocketWorker::SocketWorker(const SocketWorkerConfig& cfg, Segment* seg) : cfg_(cfg), seg_(seg) {
  if (cfg_.batch < 1 || cfg_.batch > kMaxBatch) cfg_.batch = kMaxBatch;
  const bool hw = cfg_.hw != nullptr && cfg_.hw->any();
  try {
    // One socket per family, on the configured address of that family or the wildcard, as
    // chronyd does: `bindaddress 192.0.2.1` alone still serves IPv6 on every address.
    std::optional<IpAddress> v4, v6;
    for (const std::string& text : cfg_.bind_addresses) {
      const auto ip = parse_ip(text);
      if (!ip) throw std::runtime_error("bad bind address '" + text + "'");
      (ip->is_v4() ? v4 : v6) = ip;
    }
    sockaddr_in a4{};
    a4.sin_family = AF_INET;
    a4.sin_port = htons(cfg_.port);
    a4.sin_addr.s_addr = v4 ? htonl(v4->v4()) : htonl(INADDR_ANY);
    fds_.push_back(open_socket(AF_INET, reinterpret_cast<sockaddr*>(&a4), sizeof a4,
                               (v4 ? to_string(*v4) : "0.0.0.0") + ":" + std::to_string(cfg_.port),
                               hw, cfg_.index == 0));
    sockaddr_in6 a6{};
    a6.sin6_family = AF_INET6;
    a6.sin6_port = htons(cfg_.port);
    a6.sin6_addr = in6addr_any;
    if (v6) std::memcpy(&a6.sin6_addr, v6->bytes.data(), 16);
    const std::string name6 = "[" + (v6 ? to_string(*v6) : "::") + "]:" + std::to_string(cfg_.port);
    try {
      fds_.push_back(open_socket(AF_INET6, reinterpret_cast<sockaddr*>(&a6), sizeof a6, name6, hw,
                                 cfg_.index == 0));
    } catch (const std::runtime_error&) {
      // A kernel without IPv6 serves IPv4 only, unless an IPv6 address was asked for.
      if (v6 || errno != EAFNOSUPPORT) throw;
    }
    // The client table is allocated here, before the dataplane reports ready.
    core_ = make_worker_core(cfg_.index, cfg_.client_table_bytes);
  } catch (...) {
    for (int fd : fds_) close(fd);
    throw;
  }
}

void SocketWorker::steer_by_source_address(int n_workers) {
  if (n_workers <= 1) return;
  for (int fd : fds_) {
    int family = 0;
    socklen_t len = sizeof family;
    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len);
    // Classic BPF run by the reuseport group (data starts at the UDP payload; SKF_NET_OFF
    // reaches the IP header): take the source address (IPv4) or its last 32 bits (IPv6),
    // mix it (Fibonacci hashing), return it modulo the number of workers.
    const uint32_t src_off = family == AF_INET ? 12 : 20;
    sock_filter code[] = {
        {BPF_LD | BPF_W | BPF_ABS, 0, 0, static_cast<uint32_t>(SKF_NET_OFF) + src_off},
        {BPF_ALU | BPF_MUL | BPF_K, 0, 0, 0x9E3779B1u},
        {BPF_ALU | BPF_RSH | BPF_K, 0, 0, 16},
        {BPF_ALU | BPF_MOD | BPF_K, 0, 0, static_cast<uint32_t>(n_workers)},
        {BPF_RET | BPF_A, 0, 0, 0},
    };
    sock_fprog prog{static_cast<unsigned short>(sizeof code / sizeof code[0]), code};
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof prog) != 0)
      fail("SO_ATTACH_REUSEPORT_CBPF");
  }
}

SocketWorker::~SocketWorker() {
  for (int fd : fds_) close(fd);
}

void SocketWorker::begin() {
  batch_ = std::make_unique<Batch>();
  start_worker_slot(seg_->workers[cfg_.index], *core_);
}

void SocketWorker::refresh() { core_->refresh(*seg_, ts::monotonic_now_ns()); }

void SocketWorker::serve_ready(int fd) {
  Batch* batch = batch_.get();
  ServerCore& core = *core_;
  WorkerCounters& slot = seg_->workers[cfg_.index];
  const int n_batch = cfg_.batch;
  for (int i = 0; i < n_batch; ++i) {
    batch->iov[i] = {batch->buf[i], kBufLen};
    msghdr& mh = batch->in[i].msg_hdr;
    mh = msghdr{};
    mh.msg_name = &batch->from[i];
    mh.msg_namelen = sizeof(sockaddr_storage);
    mh.msg_iov = &batch->iov[i];
    mh.msg_iovlen = 1;
    mh.msg_control = batch->ctl[i];
    mh.msg_controllen = kCtlLen;
  }
  const int n = recvmmsg(fd, batch->in, n_batch, MSG_DONTWAIT, nullptr);
  if (n <= 0) return;
  // Client records are fetched a few packets ahead: enough to hide memory latency,
  // few enough that the CPU's fill buffers do not drop the prefetches.
  for (int i = 0; i < n && i < kClientPrefetchAhead; ++i)
    batch->hash[i] = core.prefetch(address_of(batch->from[i]));
  // One userspace reading stands in for packets without a kernel timestamp.
  const timespec batch_rx = ts::realtime_now();
  int n_out = 0;
  for (int i = 0; i < n; ++i) {
    if (i + kClientPrefetchAhead < n) {
      batch->hash[i + kClientPrefetchAhead] =
          core.prefetch(address_of(batch->from[i + kClientPrefetchAhead]));
    }
    msghdr& mh = batch->in[i].msg_hdr;
    const size_t len = batch->in[i].msg_len;
    if (mh.msg_flags & MSG_TRUNC) {
      // Longer than any request we serve: its length cannot be a valid one.
      core.count_drop(NtpDrop::kBadLength);
      continue;
    }
    msghdr& reply = batch->out[n_out].msg_hdr;
    reply = msghdr{};
    timespec rx = batch_rx;
    if (read_cmsgs(mh, &rx, reply, batch->out_ctl[n_out], cfg_.hw) == 2) ++hw_stamped_;
    const size_t reply_len =
        core.handle(batch->buf[i], len, address_of(batch->from[i]), port_of(batch->from[i]),
                    ts::to_ntp(rx), &batch->pending[n_out], batch->hash[i]);
    if (reply_len == 0) continue;
    batch->out_iov[n_out] = {batch->buf[i], reply_len};
    reply.msg_name = &batch->from[i];
    reply.msg_namelen = mh.msg_namelen;
    reply.msg_iov = &batch->out_iov[n_out];
    reply.msg_iovlen = 1;
    ++n_out;
  }
  if (n_out > 0) {
    // Transmit timestamps as late as possible: one reading just before the send.
    const ts::NtpTimestamp tx = ts::to_ntp(ts::realtime_now());
    for (int i = 0; i < n_out; ++i)
      core.finish(static_cast<uint8_t*>(batch->out[i].msg_hdr.msg_iov->iov_base),
                  batch->pending[i], tx);
    int sent = 0;
    while (sent < n_out) {
      const int r = sendmmsg(fd, batch->out + sent, n_out - sent, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        // The kernel refused this reply (full buffer, unreachable, ...): count it and go
        // on with the rest of the batch.
        core.count_send_error(1);
        ++sent;
        continue;
      }
      sent += r;
    }
  }
  core.publish_counters(slot);
  slot.rx_hw_timestamps.store(hw_stamped_, std::memory_order_relaxed);
}

void SocketWorker::end() {
  WorkerCounters& slot = seg_->workers[cfg_.index];
  core_->publish_counters(slot);
  slot.rx_hw_timestamps.store(hw_stamped_, std::memory_order_relaxed);
  slot.active.store(0, std::memory_order_relaxed);
}

void SocketWorker::run(const std::atomic<bool>& stop) {
  begin();
  std::vector<pollfd> pfds;
  for (int fd : fds_) pfds.push_back(pollfd{fd, POLLIN, 0});
  while (!stop.load(std::memory_order_relaxed)) {
    const int pr = poll(pfds.data(), pfds.size(), 100);
    // After the wait, not before it: requests that end a sleep are answered under the state
    // and policy published while the worker slept (a reload's new allow/deny included).
    refresh();
    if (pr <= 0) continue;
    for (const pollfd& pfd : pfds) {
      if (pfd.revents & POLLIN) serve_ready(pfd.fd);
    }
  }
  end();
}

}  // namespace chronon::dp
