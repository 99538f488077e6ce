// chronon-dataplane: the process that answers NTP clients. chronond starts and supervises it;
// it attaches to the shared segment, serves from the last published state, and keeps serving
// if chronond dies (a restarted chronond reattaches to it).
#include <getopt.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dataplane/shared/segment.h"
#include "dataplane/socket/socket_worker.h"

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop.store(true); }

void usage(FILE* out) {
  std::fprintf(out,
               "Usage: chronon-dataplane --segment PATH [--backend socket] [--port N]\n"
               "                         [--threads N] [--bind ADDRESS]... [--config-hash H]\n"
               "                         [--clientlog-bytes N] [--hwtimestamp SPEC]...\n"
               "Serves NTP clients for chronond from the shared segment at PATH.\n"
               "Normally started by chronond, not by hand.\n"
               "  --segment PATH   shared segment created by chronond\n"
               "  --backend NAME   socket (default)\n"
               "  --port N         UDP port to serve (default 123)\n"
               "  --threads N      worker threads, 0 = one per core (default)\n"
               "  --bind ADDRESS   serve its family on this address only (one IPv4, one IPv6)\n"
               "  --config-hash H  recorded in the segment so chronond can tell it is current\n"
               "  --clientlog-bytes N  memory for the client tables of all workers together\n"
               "  --hwtimestamp IFACE[,MINPOLL,MINSAMPLES,MAXSAMPLES,RXCOMP,RXFILTER]\n"
               "                   hardware RX timestamps on IFACE ('*': every interface that\n"
               "                   can), as chrony.conf's hwtimestamp (repeatable)\n"
               "  -h, --help       this text\n");
}

// IFACE[,MINPOLL,MINSAMPLES,MAXSAMPLES,RXCOMP,RXFILTER], as chronond passes it.
std::optional<chronon::dp::HwTimestampRequest> parse_hw_spec(const std::string& spec) {
  std::vector<std::string> f;
  size_t start = 0;
  for (size_t i = 0; i <= spec.size(); ++i) {
    if (i == spec.size() || spec[i] == ',') {
      f.push_back(spec.substr(start, i - start));
      start = i + 1;
    }
  }
  if (f.empty() || f[0].empty() || (f.size() != 1 && f.size() != 6)) return std::nullopt;
  chronon::dp::HwTimestampRequest r;
  r.iface = f[0];
  if (f.size() == 6) {
    char* end = nullptr;
    r.minpoll = static_cast<int>(std::strtol(f[1].c_str(), &end, 10));
    if (*end || r.minpoll < -6 || r.minpoll > 24) return std::nullopt;
    r.minsamples = static_cast<int>(std::strtol(f[2].c_str(), &end, 10));
    if (*end || r.minsamples < 1) return std::nullopt;
    r.maxsamples = static_cast<int>(std::strtol(f[3].c_str(), &end, 10));
    if (*end || r.maxsamples < r.minsamples) return std::nullopt;
    r.rxcomp_s = std::strtod(f[4].c_str(), &end);
    if (*end) return std::nullopt;
    r.rxfilter = f[5];
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::string segment_path, backend = "socket";
  std::vector<std::string> binds;
  long port = 123, threads = 0;
  unsigned long long config_hash = 0;
  unsigned long long clientlog_bytes = 524288;
  std::vector<chronon::dp::HwTimestampRequest> hw_requests;
  static const option opts[] = {
      {"segment", required_argument, nullptr, 's'}, {"backend", required_argument, nullptr, 'b'},
      {"port", required_argument, nullptr, 'p'},    {"threads", required_argument, nullptr, 't'},
      {"bind", required_argument, nullptr, 'a'},    {"config-hash", required_argument, nullptr, 'c'},
      {"clientlog-bytes", required_argument, nullptr, 'l'},
      {"hwtimestamp", required_argument, nullptr, 'w'},
      {"help", no_argument, nullptr, 'h'},          {nullptr, 0, nullptr, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "h", opts, nullptr)) != -1) {
    char* end = nullptr;
    switch (c) {
      case 's': segment_path = optarg; break;
      case 'b': backend = optarg; break;
      case 'p':
        port = std::strtol(optarg, &end, 10);
        if (*end || port < 1 || port > 65535) {
          std::fprintf(stderr, "chronon-dataplane: invalid --port '%s'\n", optarg);
          return 2;
        }
        break;
      case 't':
        threads = std::strtol(optarg, &end, 10);
        if (*end || threads < 0 || threads > chronon::dp::kMaxWorkers) {
          std::fprintf(stderr, "chronon-dataplane: invalid --threads '%s' (0..%d)\n", optarg,
                       chronon::dp::kMaxWorkers);
          return 2;
        }
        break;
      case 'a': binds.emplace_back(optarg); break;
      case 'c': config_hash = std::strtoull(optarg, nullptr, 10); break;
      case 'l':
        clientlog_bytes = std::strtoull(optarg, &end, 10);
        if (*end || clientlog_bytes == 0) {
          std::fprintf(stderr, "chronon-dataplane: invalid --clientlog-bytes '%s'\n", optarg);
          return 2;
        }
        break;
      case 'w': {
        auto req = parse_hw_spec(optarg);
        if (!req) {
          std::fprintf(stderr, "chronon-dataplane: invalid --hwtimestamp '%s'\n", optarg);
          return 2;
        }
        hw_requests.push_back(*req);
        break;
      }
      case 'h': usage(stdout); return 0;
      default: usage(stderr); return 2;
    }
  }
  if (segment_path.empty()) {
    usage(stderr);
    return 2;
  }
  if (backend != "socket") {
    std::fprintf(stderr, "chronon-dataplane: backend '%s' is not available in this build\n",
                 backend.c_str());
    return 2;
  }
  if (threads == 0) {
    threads = static_cast<long>(std::thread::hardware_concurrency());
    if (threads < 1) threads = 1;
    if (threads > chronon::dp::kMaxWorkers) threads = chronon::dp::kMaxWorkers;
  }

  struct sigaction sa{};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // A dataplane outlives its control process on purpose: ignore SIGHUP from a closing terminal.
  signal(SIGHUP, SIG_IGN);

  try {
    auto seg = chronon::dp::SegmentMapping::attach(segment_path, true);
    std::vector<std::string> hw_warnings;
    chronon::dp::HwTimestamps hw(hw_requests, &hw_warnings);
    for (const auto& w : hw_warnings) std::fprintf(stderr, "chronon-dataplane: %s\n", w.c_str());
    hw.start();
    // Counters start from zero with each dataplane (as chronyd's serverstats do at start), so
    // slots of an earlier dataplane with more workers do not linger in the report.
    for (auto& w : seg->workers) w.reset();
    std::vector<std::unique_ptr<chronon::dp::SocketWorker>> workers;
    for (long i = 0; i < threads; ++i) {
      chronon::dp::SocketWorkerConfig wc;
      wc.port = static_cast<uint16_t>(port);
      wc.bind_addresses = binds;
      wc.index = static_cast<int>(i);
      wc.hw = &hw;
      // clientloglimit is the memory for all workers together.
      wc.client_table_bytes = static_cast<size_t>(clientlog_bytes / static_cast<unsigned long long>(threads));
      workers.push_back(std::make_unique<chronon::dp::SocketWorker>(wc, seg.get()));
    }
    workers.front()->steer_by_source_address(static_cast<int>(threads));
    seg->header.worker_count.store(static_cast<uint32_t>(threads));
    seg->header.dataplane_config_hash.store(config_hash);
    seg->header.dataplane_pid.store(getpid());
    std::vector<std::thread> running;
    for (auto& w : workers) running.emplace_back([&w] { w->run(g_stop); });
    for (auto& t : running) t.join();
    int32_t me = getpid();
    seg->header.dataplane_pid.compare_exchange_strong(me, 0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chronon-dataplane: %s\n", e.what());
    return 1;
  }
  return 0;
}
