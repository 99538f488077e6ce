// chronon-dataplane: the process that answers NTP clients. chronond starts and supervises it;
// it attaches to the shared segment, serves from the last published state, and keeps serving
// if chronond dies (a restarted chronond reattaches to it).
#include <getopt.h>
#include <initializer_list>
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

#include "dataplane/dataplane_options.h"
#include "dataplane/shared/cpu_list.h"
#include "dataplane/shared/segment.h"
#include "sandbox/capability_plan.h"
#include "sandbox/privileges.h"
#include "sandbox/syscall_filter.h"

#ifdef CHRONON_HAVE_AFXDP
constexpr bool kHaveAfxdp = true;
#else
constexpr bool kHaveAfxdp = false;
#endif
#ifdef CHRONON_HAVE_DPDK
constexpr bool kHaveDpdk = true;
#else
constexpr bool kHaveDpdk = false;
#endif

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop.store(true); }

void usage(FILE* out) {
  std::fprintf(out,
               "Usage: chronon-dataplane --segment PATH [--backend socket|afxdp|dpdk] [--port N]\n"
               "                         [--threads N] [--bind ADDRESS]... [--config-hash H]\n"
               "                         [--clientlog-bytes N] [--hwtimestamp SPEC]...\n"
               "                         [--interface IFACE] [--queues N]\n"
               "                         [--xsk-mode auto|zerocopy|copy]\n"
               "                         [--xdp-mode auto|native|generic] [--cpus LIST]\n"
               "                         [--lcores LIST] [--eal ARGS] [--tap IFNAME]\n"
               "                         [--user NAME] [--seccomp LEVEL]\n"
               "Serves NTP clients for chronond from the shared segment at PATH.\n"
               "Normally started by chronond, not by hand.\n"
               "  --segment PATH   shared segment created by chronond\n"
               "  --backend NAME   socket (default), afxdp%s or dpdk%s\n"
               "  --port N         UDP port to serve (default 123)\n"
               "  --threads N      socket: worker threads, 0 = one per core (default)\n"
               "  --bind ADDRESS   serve its family on this address only (one IPv4, one IPv6)\n"
               "  --config-hash H  recorded in the segment so chronond can tell it is current\n"
               "  --clientlog-bytes N  memory for the client tables of all workers together\n"
               "  --hwtimestamp IFACE[,MINPOLL,MINSAMPLES,MAXSAMPLES,RXCOMP,RXFILTER]\n"
               "                   hardware RX timestamps on IFACE ('*': every interface that\n"
               "                   can), as chrony.conf's hwtimestamp (repeatable)\n"
               "  --interface IFACE  afxdp: the interface to serve; dpdk: the DPDK port name\n"
               "  --queues N       afxdp, dpdk: RX queues to serve, 0 = all (default)\n"
               "  --xsk-mode M     afxdp: zero-copy, copy, or auto (zero-copy if the driver can)\n"
               "  --xdp-mode M     afxdp: native, generic, or auto (native if the driver can)\n"
               "  --cpus LIST      afxdp: pin the worker of RX queue i to the i-th CPU of LIST\n"
               "                   (such as 0-3,6; wraps around when shorter)\n"
               "  --lcores LIST    dpdk: EAL lcores; the first does housekeeping, one per queue\n"
               "  --eal ARGS       dpdk: more EAL arguments (one string, split on spaces)\n"
               "  --tap IFNAME     dpdk: TAP interface for the kernel's traffic (chronon0)\n"
               "  --user NAME      run as NAME (chronond -u): keep only the capabilities the\n"
               "                   backend needs once serving (started as root: switch first)\n"
               "  --seccomp LEVEL  chronond -F: seccomp filter once serving (-2..2, 0 off)\n"
               "  -h, --help       this text\n",
               kHaveAfxdp ? "" : " (not in this build)", kHaveDpdk ? "" : " (not in this build)");
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

chronon::sandbox::DataplaneKind kind_of(const std::string& backend) {
  if (backend == "afxdp") return chronon::sandbox::DataplaneKind::kAfxdp;
  if (backend == "dpdk") return chronon::sandbox::DataplaneKind::kDpdk;
  return chronon::sandbox::DataplaneKind::kSocket;
}

// --user: the dataplane runs as that user. chronond starts it so, with its backend's
// start-up capabilities in the ambient set; started by hand as root, it switches here.
// Throws std::runtime_error.
// Started by chronond, it is that user already: no look-up (the name service's system calls
// vary with nsswitch.conf, and chronond's seccomp filter is inherited).
void become_user(const std::string& name, const chronon::dp::DataplaneOptions& o) {
  namespace sb = chronon::sandbox;
  if (getuid() != 0) return;
  const sb::UserCredentials user = sb::lookup_user(name);
  if (user.uid == 0) return;
  sb::switch_user(user, sb::dataplane_start_caps(kind_of(o.backend), o.port, !o.hw_requests.empty()),
                  {});
}

// What the dataplane gives up once its backend is open (capability_plan.h explains why).
void give_up_privileges(const std::string& user, int seccomp_level,
                        const chronon::dp::DataplaneOptions& o) {
  namespace sb = chronon::sandbox;
  const sb::DataplaneKind kind = kind_of(o.backend);
  // dpdk keeps its start-up set: the EAL's threads (started in rte_eal_init) hold it too.
  if (!user.empty() && kind != sb::DataplaneKind::kDpdk) {
    sb::restrict_capabilities(sb::dataplane_run_caps(kind, o.port, !o.hw_requests.empty()));
  }
  sb::apply_syscall_filter(seccomp_level, {sb::FilteredProcess::kDataplane, kind});
}

bool one_of(const char* v, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed)
    if (std::strcmp(v, a) == 0) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  chronon::dp::DataplaneOptions o;
  std::string segment_path;
  unsigned long long config_hash = 0;
  std::string user;
  int seccomp_level = 0;
  static const option opts[] = {
      {"segment", required_argument, nullptr, 's'}, {"backend", required_argument, nullptr, 'b'},
      {"port", required_argument, nullptr, 'p'},    {"threads", required_argument, nullptr, 't'},
      {"bind", required_argument, nullptr, 'a'},    {"config-hash", required_argument, nullptr, 'c'},
      {"clientlog-bytes", required_argument, nullptr, 'l'},
      {"hwtimestamp", required_argument, nullptr, 'w'},
      {"interface", required_argument, nullptr, 'i'}, {"queues", required_argument, nullptr, 'q'},
      {"xsk-mode", required_argument, nullptr, 'x'}, {"xdp-mode", required_argument, nullptr, 'm'},
      {"cpus", required_argument, nullptr, 'C'},
      {"lcores", required_argument, nullptr, 'L'}, {"eal", required_argument, nullptr, 'E'},
      {"tap", required_argument, nullptr, 'T'},
      {"user", required_argument, nullptr, 'u'}, {"seccomp", required_argument, nullptr, 'F'},
      {"help", no_argument, nullptr, 'h'},          {nullptr, 0, nullptr, 0}};
  auto bad = [](const char* what, const char* v) {
    std::fprintf(stderr, "chronon-dataplane: invalid %s '%s'\n", what, v);
    return 2;
  };
  int c;
  while ((c = getopt_long(argc, argv, "h", opts, nullptr)) != -1) {
    char* end = nullptr;
    switch (c) {
      case 's': segment_path = optarg; break;
      case 'b':
        if (!one_of(optarg, {"socket", "afxdp", "dpdk"}))
          return bad("--backend (socket, afxdp or dpdk)", optarg);
        o.backend = optarg;
        break;
      case 'p': {
        const long port = std::strtol(optarg, &end, 10);
        if (*end || port < 1 || port > 65535) return bad("--port", optarg);
        o.port = static_cast<uint16_t>(port);
        break;
      }
      case 't': {
        const long threads = std::strtol(optarg, &end, 10);
        if (*end || threads < 0 || threads > chronon::dp::kMaxWorkers)
          return bad("--threads (0..64)", optarg);
        o.threads = static_cast<int>(threads);
        break;
      }
      case 'a': o.binds.emplace_back(optarg); break;
      case 'c': config_hash = std::strtoull(optarg, nullptr, 10); break;
      case 'l':
        o.clientlog_bytes = std::strtoull(optarg, &end, 10);
        if (*end || o.clientlog_bytes == 0) return bad("--clientlog-bytes", optarg);
        break;
      case 'w': {
        auto req = parse_hw_spec(optarg);
        if (!req) return bad("--hwtimestamp", optarg);
        o.hw_requests.push_back(*req);
        break;
      }
      case 'i': o.iface = optarg; break;
      case 'q': {
        const long q = std::strtol(optarg, &end, 10);
        if (*end || q < 0 || q > chronon::dp::kMaxWorkers) return bad("--queues (0..64)", optarg);
        o.queues = static_cast<int>(q);
        break;
      }
      case 'x':
        if (!one_of(optarg, {"auto", "zerocopy", "copy"})) return bad("--xsk-mode", optarg);
        o.xsk_mode = optarg;
        break;
      case 'm':
        if (!one_of(optarg, {"auto", "native", "generic"})) return bad("--xdp-mode", optarg);
        o.xdp_mode = optarg;
        break;
      case 'C': {
        std::string error;
        const auto cpus = chronon::dp::parse_cpu_list(optarg, &error);
        if (!cpus) {
          std::fprintf(stderr, "chronon-dataplane: invalid --cpus '%s': %s\n", optarg, error.c_str());
          return 2;
        }
        o.cpus = *cpus;
        break;
      }
      case 'L': o.lcores = optarg; break;
      case 'E': o.eal = optarg; break;
      case 'T': o.tap = optarg; break;
      case 'u': user = optarg; break;
      case 'F': {
        const auto level = chronon::sandbox::parse_filter_level(optarg);
        if (!level) return bad("--seccomp (-2..2)", optarg);
        seccomp_level = *level;
        break;
      }
      case 'h': usage(stdout); return 0;
      default: usage(stderr); return 2;
    }
  }
  if (optind < argc) {
    std::fprintf(stderr, "chronon-dataplane: unexpected argument '%s'\n", argv[optind]);
    return 2;
  }
  if (segment_path.empty()) {
    usage(stderr);
    return 2;
  }
  if (o.backend == "afxdp" && !kHaveAfxdp) {
    std::fprintf(stderr, "chronon-dataplane: this build has no afxdp backend (built without "
                         "libbpf, clang or bpftool)\n");
    return 2;
  }
  if (o.backend == "dpdk" && !kHaveDpdk) {
    std::fprintf(stderr, "chronon-dataplane: this build has no dpdk backend (built without "
                         "libdpdk)\n");
    return 2;
  }
  if (!o.cpus.empty() && o.backend != "afxdp") {
    std::fprintf(stderr, "chronon-dataplane: --cpus is for --backend afxdp only\n");
    return 2;
  }
  if (o.backend != "socket" && o.iface.empty()) {
    std::fprintf(stderr, "chronon-dataplane: --backend %s needs --interface\n", o.backend.c_str());
    return 2;
  }

  if (const std::string r = chronon::sandbox::filter_refusal(seccomp_level, kind_of(o.backend));
      !r.empty()) {
    std::fprintf(stderr, "chronon-dataplane: %s\n", r.c_str());
    return 2;
  }
  o.before_serving = [&] { give_up_privileges(user, seccomp_level, o); };

  struct sigaction sa{};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // A dataplane outlives its control process on purpose: ignore SIGHUP from a closing terminal.
  signal(SIGHUP, SIG_IGN);

  try {
    if (!user.empty()) become_user(user, o);
    auto seg = chronon::dp::SegmentMapping::attach(segment_path, true);
    // Counters start from zero with each dataplane (as chronyd's serverstats do at start), so
    // slots of an earlier dataplane with more workers do not linger in the report.
    for (auto& w : seg->workers) w.reset();
    seg->header.dataplane_config_hash.store(config_hash);
    if (o.backend == "socket") {
      chronon::dp::run_socket_backend(o, seg.get(), g_stop);
    } else if (o.backend == "afxdp") {
#ifdef CHRONON_HAVE_AFXDP
      chronon::dp::run_afxdp_backend(o, seg.get(), g_stop);
#endif
    } else {
#ifdef CHRONON_HAVE_DPDK
      chronon::dp::run_dpdk_backend(o, seg.get(), g_stop);
#endif
    }
    int32_t me = getpid();
    seg->header.dataplane_pid.compare_exchange_strong(me, 0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chronon-dataplane: %s\n", e.what());
    return 1;
  }
  return 0;
}
