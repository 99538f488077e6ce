// ntp-loadgen: sends NTP client requests as fast as it can (or at a set rate) from kernel UDP
// sockets and counts valid replies, to compare NTP servers side by side (bench/compare_servers.py).
// It measures servers, not itself: run it on other cores than the server where possible.
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kBatch = 32;
constexpr size_t kNtpLen = 48;

struct Options {
  std::string target = "127.0.0.1";
  int port = 123;
  double seconds = 5;
  double rate = 0;  // requests per second in all; 0 = as fast as possible
  int threads = 1;
  int sockets = 16;  // per thread: distinct source ports
};

struct Counts {
  uint64_t sent = 0, received = 0, valid = 0;
};

void usage(FILE* out) {
  std::fprintf(out,
      "Usage: ntp-loadgen [--target ADDR] [--port N] [--seconds S] [--rate R] [--threads T]\n"
      "                   [--sockets N]\n"
      "Sends NTPv4 client requests to ADDR:N (default 127.0.0.1:123) for S seconds (5), at R\n"
      "requests/s in all (default: as fast as the sockets take them), from T threads (1) with\n"
      "N sockets each (16), and prints one JSON line: requests sent, replies received, replies\n"
      "whose origin timestamp matches a request (valid), and the rates.\n");
}

uint64_t now_ns() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1000000000ULL + static_cast<uint64_t>(t.tv_nsec);
}

void run_thread(const Options& o, const sockaddr_storage& dst, socklen_t dst_len, int index,
                Counts* out) {
  std::vector<int> fds;
  for (int i = 0; i < o.sockets; ++i) {
    const int fd = socket(dst.ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (fd < 0 || connect(fd, reinterpret_cast<const sockaddr*>(&dst), dst_len) != 0) {
      std::perror("ntp-loadgen: socket/connect");
      std::exit(1);
    }
    const int buf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    fds.push_back(fd);
  }
  uint8_t tx[kBatch][kNtpLen], rx[kBatch][1024];
  iovec tx_iov[kBatch], rx_iov[kBatch];
  mmsghdr tx_msg[kBatch], rx_msg[kBatch];
  for (int i = 0; i < kBatch; ++i) {
    tx_iov[i] = {tx[i], kNtpLen};
    rx_iov[i] = {rx[i], sizeof rx[i]};
    tx_msg[i] = {};
    tx_msg[i].msg_hdr.msg_iov = &tx_iov[i];
    tx_msg[i].msg_hdr.msg_iovlen = 1;
    rx_msg[i] = {};
    rx_msg[i].msg_hdr.msg_iov = &rx_iov[i];
    rx_msg[i].msg_hdr.msg_iovlen = 1;
  }
  // Transmit timestamps carry a tag so replies can be checked: thread, then a counter.
  const uint64_t tag = static_cast<uint64_t>(index + 1) << 56;
  uint64_t seq = 0;
  const double per_thread_rate = o.rate / o.threads;
  const uint64_t start = now_ns();
  const uint64_t end = start + static_cast<uint64_t>(o.seconds * 1e9);
  auto drain = [&](int fd) {
    for (;;) {
      const int n = recvmmsg(fd, rx_msg, kBatch, MSG_DONTWAIT, nullptr);
      if (n <= 0) return;
      out->received += static_cast<uint64_t>(n);
      for (int i = 0; i < n; ++i) {
        uint64_t origin;
        std::memcpy(&origin, rx[i] + 24, 8);
        origin = be64toh(origin);
        if (rx_msg[i].msg_len >= kNtpLen && (origin & (0xffULL << 56)) == tag) ++out->valid;
      }
    }
  };
  size_t next_fd = 0;
  uint64_t t;
  while ((t = now_ns()) < end) {
    if (per_thread_rate > 0) {
      const double due = static_cast<double>(t - start) * 1e-9 * per_thread_rate;
      if (static_cast<double>(out->sent) >= due) {
        for (int fd : fds) drain(fd);
        continue;
      }
    }
    for (int i = 0; i < kBatch; ++i) {
      std::memset(tx[i], 0, kNtpLen);
      tx[i][0] = (4 << 3) | 3;
      const uint64_t ts = htobe64(tag | ++seq);
      std::memcpy(tx[i] + 40, &ts, 8);
    }
    const int fd = fds[next_fd++ % fds.size()];
    const int n = sendmmsg(fd, tx_msg, kBatch, 0);
    if (n > 0) out->sent += static_cast<uint64_t>(n);
    drain(fd);
  }
  // Late replies: give the server a moment.
  const uint64_t grace = now_ns() + 300000000ULL;
  while (now_ns() < grace) {
    for (int fd : fds) drain(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (int fd : fds) close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  static const option opts[] = {{"target", required_argument, nullptr, 't'},
                                {"port", required_argument, nullptr, 'p'},
                                {"seconds", required_argument, nullptr, 's'},
                                {"rate", required_argument, nullptr, 'r'},
                                {"threads", required_argument, nullptr, 'T'},
                                {"sockets", required_argument, nullptr, 'k'},
                                {"help", no_argument, nullptr, 'h'},
                                {nullptr, 0, nullptr, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "h", opts, nullptr)) != -1) {
    switch (c) {
      case 't': o.target = optarg; break;
      case 'p': o.port = std::atoi(optarg); break;
      case 's': o.seconds = std::atof(optarg); break;
      case 'r': o.rate = std::atof(optarg); break;
      case 'T': o.threads = std::atoi(optarg); break;
      case 'k': o.sockets = std::atoi(optarg); break;
      case 'h': usage(stdout); return 0;
      default: usage(stderr); return 2;
    }
  }
  if (o.port < 1 || o.port > 65535 || o.seconds <= 0 || o.rate < 0 || o.threads < 1 ||
      o.threads > 64 || o.sockets < 1 || o.sockets > 1024 || optind != argc) {
    usage(stderr);
    return 2;
  }
  sockaddr_storage dst{};
  socklen_t dst_len = 0;
  auto* d4 = reinterpret_cast<sockaddr_in*>(&dst);
  auto* d6 = reinterpret_cast<sockaddr_in6*>(&dst);
  if (inet_pton(AF_INET, o.target.c_str(), &d4->sin_addr) == 1) {
    d4->sin_family = AF_INET;
    d4->sin_port = htons(static_cast<uint16_t>(o.port));
    dst_len = sizeof *d4;
  } else if (inet_pton(AF_INET6, o.target.c_str(), &d6->sin6_addr) == 1) {
    d6->sin6_family = AF_INET6;
    d6->sin6_port = htons(static_cast<uint16_t>(o.port));
    dst_len = sizeof *d6;
  } else {
    std::fprintf(stderr, "ntp-loadgen: invalid --target '%s' (an IP address)\n", o.target.c_str());
    return 2;
  }
  std::vector<Counts> counts(static_cast<size_t>(o.threads));
  std::vector<std::thread> threads;
  for (int i = 0; i < o.threads; ++i)
    threads.emplace_back(run_thread, std::cref(o), std::cref(dst), dst_len, i, &counts[static_cast<size_t>(i)]);
  for (auto& t : threads) t.join();
  Counts total;
  for (const Counts& k : counts) {
    total.sent += k.sent;
    total.received += k.received;
    total.valid += k.valid;
  }
  std::printf("{\"sent\": %llu, \"received\": %llu, \"valid\": %llu, \"seconds\": %.3f, "
              "\"sent_per_s\": %.0f, \"replies_per_s\": %.0f}\n",
              static_cast<unsigned long long>(total.sent),
              static_cast<unsigned long long>(total.received),
              static_cast<unsigned long long>(total.valid), o.seconds,
              static_cast<double>(total.sent) / o.seconds,
              static_cast<double>(total.valid) / o.seconds);
  return 0;
}
