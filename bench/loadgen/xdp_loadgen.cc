// chronon-loadgen's send/receive loop; see xdp_loadgen.h.
#include "bench/loadgen/xdp_loadgen.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "bench/loadgen/loadgen_program.h"
#include "dataplane/afxdp/xsk_socket.h"
#include "timestamping/clock_read.h"
#include "timestamping/ntp_time.h"

namespace chronon::bench {

namespace {

constexpr uint32_t kFrames = 8192;      // UMEM: half to receive into, half to send from
constexpr uint32_t kRxFrames = kFrames / 2;
constexpr uint32_t kRing = 4096;
constexpr uint32_t kLiveMaxRun = 4096;  // requests per BPF_PROG_RUN at most

uint64_t ntp_now() { return ts::to_ntp(ts::realtime_now()).raw; }

int64_t ntp_diff_ns(uint64_t a, uint64_t b) {
  return ts::diff(ts::NtpTimestamp{a}, ts::NtpTimestamp{b}).count();
}

void interface_mac(const std::string& iface, uint8_t (&mac)[6]) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq ifr{};
  std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", iface.c_str());
  const int r = fd < 0 ? -1 : ioctl(fd, SIOCGIFHWADDR, &ifr);
  const int e = errno;
  if (fd >= 0) close(fd);
  if (r != 0) throw std::runtime_error("cannot read the MAC address of " + iface + ": " + std::strerror(e));
  std::memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
}

}  // namespace

std::string StepResult::json() const {
  char buf[1024];
  const double s = seconds > 0 ? seconds : 1;
  std::snprintf(buf, sizeof buf,
                "{\"rate\": %.0f, \"seconds\": %.3f, \"sent\": %" PRIu64 ", \"sent_per_s\": %.0f, "
                "\"answered\": %" PRIu64 ", \"answered_per_s\": %.0f, \"basic\": %" PRIu64
                ", \"interleaved\": %" PRIu64 ", \"kod\": %" PRIu64 ", \"invalid\": %" PRIu64
                ", \"late\": %" PRIu64 ", \"loss_pct\": %.4f, "
                "\"response_ns\": {\"p50\": %" PRIu64 ", \"p99\": %" PRIu64 ", \"p999\": %" PRIu64
                "}, \"server_tx_minus_rx_ns\": {\"p50\": %" PRIu64 ", \"p99\": %" PRIu64
                "}, \"inconsistent\": %" PRIu64 ", \"loadgen_drops\": %" PRIu64
                ", \"tx_stalls\": %" PRIu64 "}",
                rate_asked, seconds, sent, static_cast<double>(sent) / s, answered(),
                static_cast<double>(answered()) / s, basic, interleaved, kod, invalid, late,
                loss_pct(), response.percentile(0.5), response.percentile(0.99),
                response.percentile(0.999), server.percentile(0.5), server.percentile(0.99),
                inconsistent, loadgen_drops, tx_stalls);
  return buf;
}

XdpLoadgen::XdpLoadgen(const LoadgenOptions& o) : o_(o) {
  const auto clients = ClientSet::make(o.subnet_v4, o.subnet_prefix, o.clients);
  if (!clients) throw std::runtime_error("the clients do not fit in the subnet");
  clients_ = *clients;
  const int ifindex = static_cast<int>(if_nametoindex(o.iface.c_str()));
  if (ifindex == 0) throw std::runtime_error("no interface " + o.iface + ": " + std::strerror(errno));
  if (o.have_src_mac) {
    std::memcpy(tpl_.src_mac, o.src_mac, 6);
  } else {
    interface_mac(o.iface, tpl_.src_mac);
  }
  std::memcpy(tpl_.dst_mac, o.dst_mac, 6);
  tpl_.server_v4 = o.target_v4;
  tpl_.server_port = o.port;

  LoadgenProgramConfig pc;
  pc.iface = o.iface;
  pc.ifindex = ifindex;
  pc.queue = o.queue;
  pc.server_port = o.port;
  std::memcpy(pc.own_mac, tpl_.src_mac, 6);
  pc.clients = clients_;
  pc.interleaved = o.interleaved;
  pc.tmpl = template_;
  pc.tmpl_len = write_request_template(template_, sizeof template_, tpl_);
  program_ = std::make_unique<LoadgenProgram>(pc);
  live_ = o.tx == LoadgenOptions::Tx::kLiveFrames;
  dp::XskConfig cfg;
  cfg.iface = o.iface;
  cfg.ifindex = ifindex;
  cfg.queue = o.queue;
  cfg.mode = o.zerocopy ? dp::XskBindMode::kZeroCopy : dp::XskBindMode::kCopy;
  cfg.frame_count = kFrames;
  cfg.ring_size = kRing;
  cfg.fill_frames = kRxFrames;
  xsk_ = std::make_unique<dp::XskSocket>(cfg);
  program_->set_socket(o.queue, xsk_->fd());
  for (uint32_t i = kRxFrames; i < kFrames; ++i) {
    tx_free_.push_back(uint64_t{i} * dp::XskSocket::kFrameSize);
  }
  if (live_) {
    prev_server_rx_ = program_->prev_server_rx();
  } else if (o.interleaved) {
    prev_rx_storage_.assign(o.clients, 0);
    prev_server_rx_ = prev_rx_storage_.data();
  }
  kernel_drops_ = xsk_->kernel_drops();
}

XdpLoadgen::~XdpLoadgen() = default;

bool XdpLoadgen::native_xdp() const { return program_->native(); }
bool XdpLoadgen::zerocopy() const { return xsk_->zerocopy(); }

void XdpLoadgen::recycle_completions() {
  dp::XskRing& comp = xsk_->completion();
  const uint32_t n = comp.peek(comp.size);
  for (uint32_t i = 0; i < n; ++i) tx_free_.push_back(comp.addr(comp.cached_cons + i));
  if (n) comp.release(n);
}

// Server timestamps checked against the client's own readings of the same clock: the request
// cannot arrive before it was sent (T2 >= T1) nor the reply leave after it arrived (T3 <= T4),
// and a basic reply cannot leave before the request arrived (T3 >= T2). The slack is the
// server's stated precision (it may randomise bits below it) plus our stamps' 2^-24 s.
void XdpLoadgen::receive(StepResult& r, uint64_t step_start_ntp) {
  dp::XskRing& rx = xsk_->rx();
  dp::XskRing& fill = xsk_->fill();
  const uint32_t n = rx.peek(o_.batch);
  if (n == 0) {
    if (fill.needs_wakeup()) recvfrom(xsk_->fd(), nullptr, 0, MSG_DONTWAIT, nullptr, nullptr);
    return;
  }
  const uint64_t t4 = ntp_now();
  const uint32_t room = fill.free_slots(n);  // the fill ring holds every RX frame: always n
  for (uint32_t i = 0; i < n; ++i) {
    const xdp_desc& d = rx.desc(rx.cached_cons + i);
    const Reply rep = read_reply(xsk_->frame(d.addr), d.len, tpl_, clients_);
    if (i < room) fill.addr(fill.cached_prod + i) = dp::XskSocket::chunk_of(d.addr);
    if (rep.kind == ReplyKind::kNotOurs) continue;
    if (rep.kind == ReplyKind::kInvalid || ntp_diff_ns(t4, rep.send_ntp_raw) < 0) {
      ++r.invalid;
      continue;
    }
    if (ntp_diff_ns(rep.send_ntp_raw, step_start_ntp) < 0) {
      ++r.late;
      continue;
    }
    r.response.record(static_cast<uint64_t>(ntp_diff_ns(t4, rep.send_ntp_raw)));
    if (rep.kind == ReplyKind::kKissOfDeath) {
      ++r.kod;
      continue;
    }
    const int64_t slack_ns =
        static_cast<int64_t>(std::ldexp(1e9, std::clamp<int>(rep.precision, -32, 0))) + 60;
    const int64_t t2_t1 = ntp_diff_ns(rep.server_rx, rep.send_ntp_raw);
    const int64_t t4_t3 = ntp_diff_ns(t4, rep.server_tx);
    const int64_t t3_t2 = ntp_diff_ns(rep.server_tx, rep.server_rx);
    bool consistent = t2_t1 >= -slack_ns && t4_t3 >= -slack_ns;
    if (rep.kind == ReplyKind::kBasic) {
      ++r.basic;
      consistent = consistent && t3_t2 >= -slack_ns;
      if (t3_t2 >= 0) r.server.record(static_cast<uint64_t>(t3_t2));
    } else {
      ++r.interleaved;
      consistent = consistent && t3_t2 < slack_ns;  // the previous reply left before this arrived
    }
    if (!consistent) ++r.inconsistent;
    if (prev_server_rx_) prev_server_rx_[rep.client] = rep.server_rx;
  }
  fill.submit(room);
  rx.release(n);
}

uint32_t XdpLoadgen::send(uint32_t want, StepResult& r) {
  dp::XskRing& tx = xsk_->tx();
  uint32_t n = std::min<uint32_t>(want, static_cast<uint32_t>(tx_free_.size()));
  n = tx.free_slots(n);
  if (n < want) ++r.tx_stalls;
  if (n > 0) {
    const uint64_t t1 = ntp_now();
    for (uint32_t i = 0; i < n; ++i) {
      rng_ ^= rng_ >> 12;  // xorshift64*
      rng_ ^= rng_ << 25;
      rng_ ^= rng_ >> 27;
      const uint32_t pick = static_cast<uint32_t>((rng_ * 0x2545f4914f6cdd1dull) >> 32);
      const uint32_t client = static_cast<uint32_t>((uint64_t{pick} * clients_.count()) >> 32);
      const uint64_t addr = tx_free_.back();
      tx_free_.pop_back();
      const uint64_t prev = prev_server_rx_ ? prev_server_rx_[client] : 0;
      const size_t len = write_request(xsk_->frame(addr), dp::XskSocket::kFrameSize, tpl_,
                                       clients_, client, t1, prev);
      xdp_desc& d = tx.desc(tx.cached_prod + i);
      d.addr = addr;
      d.len = static_cast<uint32_t>(len);
      d.options = 0;
    }
    tx.submit(n);
    r.sent += n;
  }
  if (tx.needs_wakeup()) xsk_->kick_tx();
  return n;
}

uint32_t XdpLoadgen::send_live(uint32_t want, StepResult& r) {
  if (!program_->send(want)) {
    if (r.tx_stalls++ == 0) {
      std::fprintf(stderr, "chronon-loadgen: sending live frames failed: %s\n", std::strerror(errno));
    }
    return 0;
  }
  r.sent += want;
  return want;
}

StepResult XdpLoadgen::run_step(double rate) {
  StepResult r;
  r.rate_asked = rate;
  const int64_t start = ts::monotonic_now_ns();
  const uint64_t start_ntp = ntp_now();
  const int64_t send_end = start + static_cast<int64_t>(o_.seconds * 1e9);
  const int64_t end = send_end + static_cast<int64_t>(o_.drain_s * 1e9);
  int64_t next_clock_ns = start;
  for (int64_t now = start; now < end; now = ts::monotonic_now_ns()) {
    if (live_ && now >= next_clock_ns) {
      program_->refresh_clock();  // follow CLOCK_REALTIME if it is slewed
      next_clock_ns = now + 100'000'000;
    }
    recycle_completions();
    receive(r, start_ntp);
    if (now >= send_end) continue;
    // Live frames: each run creates a page pool in the kernel, whose id (one of 65534) is
    // given back only when its last frame has come back from the receiver, a second or more
    // later; runs of a few frames at high rates use the ids up (the runs then fail with
    // ENOSPC). So a run carries a millisecond's worth of requests, at least.
    const double least = live_ ? std::max(1.0, rate * 1e-3) : 1.0;
    const uint32_t most = live_ ? kLiveMaxRun : o_.batch;
    uint32_t want = most;
    if (rate > 0) {
      const double due = rate * static_cast<double>(now - start) * 1e-9 - static_cast<double>(r.sent);
      if (due < least) continue;
      want = static_cast<uint32_t>(std::min<double>(due, most));
    }
    if (live_) {
      send_live(want, r);
    } else {
      send(want, r);
    }
  }
  r.seconds = o_.seconds;
  const uint64_t drops = xsk_->kernel_drops();
  r.loadgen_drops = drops - kernel_drops_;
  kernel_drops_ = drops;
  return r;
}

}  // namespace chronon::bench
