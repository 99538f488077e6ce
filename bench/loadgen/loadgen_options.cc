// chronon-loadgen's command line; see loadgen_options.h.
#include "bench/loadgen/loadgen_options.h"

#include <arpa/inet.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace chronon::bench {

namespace {

bool parse_mac(std::string_view s, uint8_t (&out)[6]) {
  unsigned v[6];
  char tail;
  const std::string str(s);
  if (std::sscanf(str.c_str(), "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                  &tail) != 6) {
    return false;
  }
  for (int i = 0; i < 6; ++i) {
    if (v[i] > 0xff) return false;
    out[i] = static_cast<uint8_t>(v[i]);
  }
  return true;
}

bool parse_v4(std::string_view s, uint32_t* out) {
  in_addr a;
  if (inet_pton(AF_INET, std::string(s).c_str(), &a) != 1) return false;
  *out = ntohl(a.s_addr);
  return true;
}

bool parse_number(std::string_view s, double lo, double hi, double* out) {
  const std::string str(s);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(str.c_str(), &end);
  if (str.empty() || *end != '\0' || errno != 0 || !(v >= lo && v <= hi)) return false;
  *out = v;
  return true;
}

}  // namespace

const char* loadgen_usage() {
  return "Usage: chronon-loadgen --iface IF --dst-mac MAC --target IPV4 [options]\n"
         "Sends NTP client requests as raw frames from an AF_XDP socket on IF, from many\n"
         "simulated clients, and counts the replies, which an XDP program on IF hands back.\n"
         "Prints one JSON line per rate step.\n"
         "\n"
         "  --iface IF          interface to send from and receive on (XDP is attached to it)\n"
         "  --queue N           its queue (default 0)\n"
         "  --zerocopy          bind the socket in zero-copy mode (default: copy)\n"
         "  --tx live|socket    send with BPF_PROG_RUN live frames (default: the kernel makes\n"
         "                      and transmits each frame; kernel 5.18+, and the receiver must\n"
         "                      take XDP frames: on a veth, an XDP program or GRO on the peer)\n"
         "                      or through the AF_XDP socket's TX ring\n"
         "  --dst-mac MAC       the server's MAC address (or the next hop's)\n"
         "  --src-mac MAC       source MAC (default: IF's own)\n"
         "  --target IPV4       the server's address\n"
         "  --port N            the server's port (default 123)\n"
         "  --subnet A.B.C.D/P  where the clients' addresses are (default 10.200.0.0/16); the\n"
         "                      server must route it back through IF's address\n"
         "  --clients N         distinct client addresses (default 1000), each with its port\n"
         "  --rate R[,R...]     requests/s for each step (default 0: as fast as possible)\n"
         "  --seconds S         length of each step (default 2)\n"
         "  --drain S           seconds after each step during which replies still count\n"
         "                      (default 0.2)\n"
         "  --stop-loss PCT     stop stepping once a step loses more than PCT %\n"
         "  --interleaved       clients ask for interleaved mode (as chronyd's xleave)\n"
         "  --batch N           frames per send and per received batch (default 64; live\n"
         "                      frames send a millisecond's requests per run)\n"
         "  --cpu N             pin the load generator to CPU N\n"
         "  -h, --help          this text\n";
}

std::optional<LoadgenOptions> parse_loadgen_options(int argc, char** argv, std::string* error,
                                                    bool* help) {
  LoadgenOptions o;
  *help = false;
  bool have_iface = false, have_dst_mac = false, have_target = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view opt = argv[i];
    if (opt == "-h" || opt == "--help") {
      *help = true;
      return std::nullopt;
    }
    const bool flag = opt == "--zerocopy" || opt == "--interleaved";
    if (!flag && i + 1 >= argc) {
      *error = std::string(opt) + " needs a value (or is unknown; see --help)";
      return std::nullopt;
    }
    const std::string_view val = flag ? std::string_view{} : std::string_view(argv[++i]);
    auto bad = [&](const char* what) {
      *error = std::string(opt) + " '" + std::string(val) + "': " + what;
      return std::nullopt;
    };
    double d = 0;
    if (opt == "--iface") {
      o.iface = val;
      have_iface = !val.empty();
    } else if (opt == "--queue") {
      if (!parse_number(val, 0, 63, &d)) return bad("not a queue number (0-63)");
      o.queue = static_cast<uint32_t>(d);
    } else if (opt == "--tx") {
      if (val == "live") {
        o.tx = LoadgenOptions::Tx::kLiveFrames;
      } else if (val == "socket") {
        o.tx = LoadgenOptions::Tx::kSocket;
      } else {
        return bad("not a way of sending (live or socket)");
      }
    } else if (opt == "--zerocopy") {
      o.zerocopy = true;
    } else if (opt == "--interleaved") {
      o.interleaved = true;
    } else if (opt == "--dst-mac") {
      if (!parse_mac(val, o.dst_mac)) return bad("not a MAC address (xx:xx:xx:xx:xx:xx)");
      have_dst_mac = true;
    } else if (opt == "--src-mac") {
      if (!parse_mac(val, o.src_mac)) return bad("not a MAC address (xx:xx:xx:xx:xx:xx)");
      o.have_src_mac = true;
    } else if (opt == "--target") {
      if (!parse_v4(val, &o.target_v4)) return bad("not an IPv4 address");
      have_target = true;
    } else if (opt == "--port") {
      if (!parse_number(val, 1, 65535, &d)) return bad("not a port (1-65535)");
      o.port = static_cast<uint16_t>(d);
    } else if (opt == "--subnet") {
      const size_t slash = val.find('/');
      if (slash == std::string_view::npos || !parse_v4(val.substr(0, slash), &o.subnet_v4) ||
          !parse_number(val.substr(slash + 1), 8, 30, &d)) {
        return bad("not an IPv4 subnet A.B.C.D/P with P from 8 to 30");
      }
      o.subnet_prefix = static_cast<int>(d);
    } else if (opt == "--clients") {
      if (!parse_number(val, 1, 1 << 30, &d)) return bad("not a client count");
      o.clients = static_cast<uint32_t>(d);
    } else if (opt == "--rate") {
      o.rates.clear();
      std::string_view rest = val;
      while (true) {
        const size_t comma = rest.find(',');
        if (!parse_number(rest.substr(0, comma), 0, 1e9, &d)) {
          return bad("not a list of rates (requests/s, 0: as fast as possible)");
        }
        o.rates.push_back(d);
        if (comma == std::string_view::npos) break;
        rest = rest.substr(comma + 1);
      }
    } else if (opt == "--seconds") {
      if (!parse_number(val, 0.01, 86400, &d)) return bad("not a duration in seconds");
      o.seconds = d;
    } else if (opt == "--drain") {
      if (!parse_number(val, 0, 10, &d)) return bad("not a duration in seconds (0-10)");
      o.drain_s = d;
    } else if (opt == "--stop-loss") {
      if (!parse_number(val, 0, 100, &d)) return bad("not a percentage");
      o.stop_loss_pct = d;
    } else if (opt == "--batch") {
      if (!parse_number(val, 1, 65536, &d)) return bad("not a batch size (1-65536)");
      o.batch = static_cast<uint32_t>(d);
    } else if (opt == "--cpu") {
      if (!parse_number(val, 0, 4095, &d)) return bad("not a CPU number");
      o.cpu = static_cast<int>(d);
    } else {
      *error = "unknown option " + std::string(opt) + " (see --help)";
      return std::nullopt;
    }
  }
  if (!have_iface || !have_dst_mac || !have_target) {
    *error = "--iface, --dst-mac and --target are required (see --help)";
    return std::nullopt;
  }
  if (o.subnet_v4 == 0) o.subnet_v4 = 0x0ac80000;  // 10.200.0.0
  if (o.clients > (uint32_t{1} << (32 - o.subnet_prefix)) - 2) {
    *error = "--clients " + std::to_string(o.clients) + ": more than the subnet /" +
             std::to_string(o.subnet_prefix) + " holds";
    return std::nullopt;
  }
  return o;
}

}  // namespace chronon::bench
