// chronon: the command-line client (chronyc's counterpart). chronyc's report commands go to
// chronond's command socket and print as chronyc prints them; `dataplane` reads the segment.
// Options come before the command, as chronyc's do; a command's own options (sources -v)
// follow it.
#include <arpa/inet.h>
#include <getopt.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "control/cli/chronyc_format.h"
#include "control/cli/cmdmon_client.h"
#include "control/cli/dataplane_report.h"
#include "dataplane/shared/segment.h"

namespace {

namespace candm = chronon::ctl::candm;

constexpr const char* kDefaultSegment = "/run/chronon/chronon.shm";
constexpr const char* kDefaultSocket = "/run/chronon/chronond.sock";

void usage(FILE* out) {
  std::fprintf(out,
      "Usage: chronon [-c] [-n] [-N] [-m] [-h SOCKET] [-S SEGMENT] COMMAND [ARGS]\n"
      "Reports from a running chronond.\n\n"
      "Commands (as chronyc's):\n"
      "  tracking                the system clock's offset, frequency and reference\n"
      "  sources [-a] [-v]       the time sources (-v: with a legend; -a: also those whose\n"
      "                          name has not resolved yet)\n"
      "  sourcestats [-a] [-v]   the sources' drift and offset estimates\n"
      "  activity                how many sources are online and offline\n"
      "  serverstats             NTP and command packets served and dropped\n"
      "  clients [-p N] [-k] [-r]  the NTP clients served (-p: only those with at least N\n"
      "                          requests; -k: NTS-KE columns; -r: then reset their counters)\n"
      "Commands that change state (root, chronond's user or cmdgroup, on the Unix socket):\n"
      "  online [ADDRESS|ADDRESS/BITS|MASK/ADDRESS]   poll these sources again (all: none given)\n"
      "  offline [ADDRESS|ADDRESS/BITS|MASK/ADDRESS]  stop polling them\n"
      "  onoffline               set every source online\n"
      "  burst GOOD/TOTAL [ADDRESS|ADDRESS/BITS|MASK/ADDRESS]  a quick series of requests\n"
      "  makestep                step the clock by what is left of the current slew\n"
      "chronon's own:\n"
      "  dataplane               backend, workers, requests, replies and drops by reason\n\n"
      "Options:\n"
      "  -c                  print CSV instead of the table\n"
      "  -n                  print addresses, not names (chronon never looks names up in DNS,\n"
      "                      so this is always the case; accepted for chronyc's users)\n"
      "  -N                  print the sources' names as configured (server NAME ...)\n"
      "  -m                  each argument is a separate command\n"
      "  -4, -6              accepted for chronyc's users; without effect on Unix sockets\n"
      "  -h SOCKET           chronond's command socket, or a comma-separated list tried in\n"
      "                      order (default %s)\n"
      "  -S, --segment PATH  shared segment, for dataplane (default %s)\n"
      "  -v, --version       print the version and exit\n"
      "      --help          this text\n",
      kDefaultSocket, kDefaultSegment);
}

struct Options {
  bool csv = false, source_names = false;
  std::string socket = kDefaultSocket;
  std::string segment = kDefaultSegment;
};

// chronyc's -h: a comma-separated list; only Unix socket paths (starting with '/') here.
bool socket_paths(const std::string& spec, std::vector<std::string>* paths) {
  size_t start = 0;
  for (;;) {
    const size_t comma = spec.find(',', start);
    const std::string p = spec.substr(start, comma - start);
    if (p.empty() || p[0] != '/') {
      std::fprintf(stderr,
                   "chronon: '%s' is not a socket path (chronond has no UDP command port; "
                   "use -h /path/to/socket)\n",
                   p.c_str());
      return false;
    }
    paths->push_back(p);
    if (comma == std::string::npos) return true;
    start = comma + 1;
  }
}

// Asks for one report; on failure prints chronyc's error and returns false.
bool ask(chronon::ctl::CmdmonClient& client, uint16_t command, const std::vector<uint8_t>& fields,
         candm::ReplyType expected, std::vector<uint8_t>* reply) {
  const std::string error = client.request(command, fields, expected, reply);
  if (error.empty()) return true;
  std::fprintf(stderr, "%s\n", error.c_str());
  return false;
}

// The replies to `command` for each source index 0..n-1, after N_SOURCES.
template <typename Report, typename Decode>
bool per_source(chronon::ctl::CmdmonClient& client, uint16_t command, candm::ReplyType expected,
                Decode decode, std::vector<Report>* out) {
  std::vector<uint8_t> reply;
  if (!ask(client, candm::kNSources, {}, candm::kRpyNSources, &reply)) return false;
  const uint32_t n = candm::decode_n_sources(reply.data());
  for (uint32_t i = 0; i < n; ++i) {
    if (!ask(client, command, candm::index_field(static_cast<int32_t>(i)), expected, &reply)) {
      return false;
    }
    out->push_back(decode(reply.data()));
  }
  return true;
}

// chronyc -N: the name a source was configured with, "?" when the daemon has none.
std::string configured_name(chronon::ctl::CmdmonClient& client,
                            const chronon::ctl::ReportAddress& a) {
  std::vector<uint8_t> reply;
  if (!client.request(candm::kNtpSourceName, candm::address_field(a), candm::kRpyNtpSourceName,
                      &reply)
           .empty()) {
    return "?";
  }
  const std::string name = candm::decode_ntp_source_name(reply.data());
  if (name.empty()) return "?";
  for (const char c : name) {
    if (c <= ' ' || c > '~') return "?";
  }
  return name;
}

template <typename Report>
std::vector<std::string> configured_names(chronon::ctl::CmdmonClient& client,
                                          const std::vector<Report>& reports) {
  std::vector<std::string> names;
  for (const Report& r : reports) names.push_back(configured_name(client, r.ip));
  return names;
}

// A source command's own options: -a and -v (chronyc ignores -v in CSV mode).
bool source_options(const std::vector<std::string>& args, bool csv, bool* all, bool* verbose) {
  *all = *verbose = false;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "-a") {
      *all = true;
    } else if (args[i] == "-v") {
      *verbose = !csv;
    } else {
      std::fprintf(stderr, "chronon: %s: unknown option '%s' (only -a and -v)\n",
                   args[0].c_str(), args[i].c_str());
      return false;
    }
  }
  return true;
}

bool no_arguments(const std::vector<std::string>& args) {
  if (args.size() == 1) return true;
  std::fprintf(stderr, "chronon: %s takes no arguments (got '%s')\n", args[0].c_str(),
               args[1].c_str());
  return false;
}

// chronyc clients: the list in pages of 8, as chronyd serves it.
int run_clients(const std::vector<std::string>& args, const Options& o,
                chronon::ctl::CmdmonClient& client) {
  namespace ctl = chronon::ctl;
  candm::ClientAccessesQuery q;
  q.n_clients = ctl::ClientAccessPage::kMaxClients;
  bool nke = false;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "-k") {
      nke = true;
    } else if (args[i] == "-r") {
      q.reset = true;
    } else if (args[i] == "-p" && i + 1 < args.size()) {
      char* end = nullptr;
      const unsigned long v = std::strtoul(args[++i].c_str(), &end, 10);
      if (args[i].empty() || *end != '\0' || args[i][0] == '-' || v > UINT32_MAX) {
        std::fprintf(stderr, "chronon: clients: -p needs a number of requests, not '%s'\n",
                     args[i].c_str());
        return 2;
      }
      q.min_hits = static_cast<uint32_t>(v);
    } else {
      std::fprintf(stderr, "chronon: clients: unexpected argument '%s' (-p N, -k, -r)\n",
                   args[i].c_str());
      return 2;
    }
  }
  std::vector<ctl::ClientAccessReport> clients;
  std::vector<uint8_t> reply;
  for (;;) {
    if (!ask(client, candm::kClientAccessesByIndex3, candm::client_accesses_fields(q),
             candm::kRpyClientAccessesByIndex3, &reply)) {
      return 1;
    }
    const ctl::ClientAccessPage page = candm::decode_client_accesses(reply.data());
    clients.insert(clients.end(), page.clients.begin(), page.clients.end());
    q.first_index = page.next_index;
    if (page.next_index >= page.n_indices || page.clients.size() < q.n_clients) break;
  }
  std::fputs(ctl::format_clients(clients, nke, o.csv).c_str(), stdout);
  return 0;
}

// chronyc's mask/address argument: none (every source), ADDRESS, ADDRESS/BITS or
// MASK/ADDRESS. Host names are not looked up.
bool parse_selector(const std::string& text, candm::SourceSelector* out) {
  namespace ctl = chronon::ctl;
  auto parse_ip = [](const std::string& t, ctl::ReportAddress* a) {
    *a = ctl::ReportAddress{};
    if (inet_pton(AF_INET, t.c_str(), a->bytes) == 1) {
      a->family = ctl::ReportAddress::Family::kInet4;
    } else if (inet_pton(AF_INET6, t.c_str(), a->bytes) == 1) {
      a->family = ctl::ReportAddress::Family::kInet6;
    } else {
      return false;
    }
    return true;
  };
  auto full_mask = [](ctl::ReportAddress::Family f, int bits, ctl::ReportAddress* m) {
    *m = ctl::ReportAddress{};
    m->family = f;
    for (int i = 0; i < 16; ++i) {
      const int b = std::clamp(bits - 8 * i, 0, 8);
      m->bytes[i] = static_cast<uint8_t>(0xff00 >> b);
    }
  };
  *out = candm::SourceSelector{};
  if (text.empty()) return true;
  const size_t slash = text.find('/');
  if (slash == std::string::npos) {
    if (!parse_ip(text, &out->address)) return false;
    full_mask(out->address.family, 128, &out->mask);
    return true;
  }
  const std::string left = text.substr(0, slash), right = text.substr(slash + 1);
  ctl::ReportAddress first;
  if (!parse_ip(left, &first)) return false;
  if (parse_ip(right, &out->address)) {  // MASK/ADDRESS
    out->mask = first;
    return out->mask.family == out->address.family;
  }
  char* end = nullptr;
  const long bits = std::strtol(right.c_str(), &end, 10);
  const int max = first.family == ctl::ReportAddress::Family::kInet4 ? 32 : 128;
  if (right.empty() || *end != '\0' || bits < 0 || bits > max) return false;
  out->address = first;
  full_mask(first.family, static_cast<int>(bits), &out->mask);
  return true;
}

// online, offline, onoffline, burst, makestep: "200 OK" as chronyc prints it, or the error.
int run_state_command(const std::vector<std::string>& args, chronon::ctl::CmdmonClient& client) {
  const std::string& cmd = args[0];
  std::vector<uint8_t> fields;
  uint16_t code;
  auto usage_error = [&](const char* what) {
    std::fprintf(stderr, "chronon: %s: %s\n", cmd.c_str(), what);
    return 2;
  };
  if (cmd == "online" || cmd == "offline") {
    if (args.size() > 2) return usage_error("one address, subnet or mask/address at most");
    candm::SourceSelector which;
    if (!parse_selector(args.size() == 2 ? args[1] : "", &which)) {
      return usage_error("expected ADDRESS, ADDRESS/BITS or MASK/ADDRESS (no host names)");
    }
    code = cmd == "online" ? candm::kOnline : candm::kOffline;
    fields = candm::selector_fields(which);
  } else if (cmd == "burst") {
    candm::BurstArgs b;
    int good = 0, total = 0;
    char tail = 0;
    if (args.size() < 2 || args.size() > 3 ||
        std::sscanf(args[1].c_str(), "%d/%d%c", &good, &total, &tail) != 2 || good < 1 ||
        total < good) {
      return usage_error("expected GOOD/TOTAL (1 <= GOOD <= TOTAL), then optionally an address");
    }
    if (!parse_selector(args.size() == 3 ? args[2] : "", &b.which)) {
      return usage_error("expected ADDRESS, ADDRESS/BITS or MASK/ADDRESS (no host names)");
    }
    b.good = good;
    b.total = total;
    code = candm::kBurst;
    fields = candm::burst_fields(b);
  } else if (cmd == "makestep") {
    if (args.size() != 1) {
      return usage_error("changing the makestep threshold and limit is not implemented; "
                         "'makestep' alone steps the clock now");
    }
    code = candm::kMakeStep;
  } else {  // onoffline
    if (args.size() != 1) return usage_error("takes no arguments");
    code = candm::kOnOffline;
  }
  std::vector<uint8_t> reply;
  if (!ask(client, code, fields, candm::kRpyNull, &reply)) return 1;
  std::puts("200 OK");
  return 0;
}

int run_dataplane(const Options& o) {
  try {
    const auto seg = chronon::dp::SegmentMapping::attach(o.segment, false);
    std::fputs(chronon::ctl::dataplane_report(*seg.get(), o.csv).c_str(), stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chronon: %s\n", e.what());
    return 1;
  }
  return 0;
}

// One command line; 0 on success, 1 when the daemon failed it, 2 for a usage error.
int run_command(const std::vector<std::string>& args, const Options& o,
                chronon::ctl::CmdmonClient& client) {
  namespace ctl = chronon::ctl;
  const std::string& cmd = args[0];
  std::vector<uint8_t> reply;
  std::string text;
  if (cmd == "dataplane") {
    // Its options may also follow it, as in chronon's first releases.
    Options d = o;
    for (size_t i = 1; i < args.size(); ++i) {
      if (args[i] == "-c") {
        d.csv = true;
      } else if ((args[i] == "-S" || args[i] == "--segment") && i + 1 < args.size()) {
        d.segment = args[++i];
      } else {
        std::fprintf(stderr, "chronon: dataplane: unexpected argument '%s' (only -c, -S PATH)\n",
                     args[i].c_str());
        return 2;
      }
    }
    return run_dataplane(d);
  }
  if (cmd == "tracking") {
    if (!no_arguments(args)) return 2;
    if (!ask(client, candm::kTracking, {}, candm::kRpyTracking, &reply)) return 1;
    const ctl::TrackingReport t = candm::decode_tracking(reply.data());
    const bool named = o.source_names && t.ip.family != ctl::ReportAddress::Family::kUnspec;
    text = ctl::format_tracking(t, o.csv, named ? configured_name(client, t.ip) : "");
  } else if (cmd == "sources" || cmd == "sourcestats") {
    bool all, verbose;
    if (!source_options(args, o.csv, &all, &verbose)) return 2;
    if (cmd == "sources") {
      std::vector<ctl::SourceReport> sources;
      if (!per_source(client, candm::kSourceData, candm::kRpySourceData,
                      candm::decode_source_data, &sources)) {
        return 1;
      }
      const auto names = o.source_names ? configured_names(client, sources)
                                        : std::vector<std::string>{};
      text = ctl::format_sources(sources, verbose, o.csv, all, names);
    } else {
      std::vector<ctl::SourceStatsReport> stats;
      if (!per_source(client, candm::kSourceStats, candm::kRpySourceStats,
                      candm::decode_sourcestats, &stats)) {
        return 1;
      }
      const auto names = o.source_names ? configured_names(client, stats)
                                        : std::vector<std::string>{};
      text = ctl::format_sourcestats(stats, verbose, o.csv, all, names);
    }
  } else if (cmd == "online" || cmd == "offline" || cmd == "onoffline" || cmd == "burst" ||
             cmd == "makestep") {
    return run_state_command(args, client);
  } else if (cmd == "clients") {
    return run_clients(args, o, client);
  } else if (cmd == "activity") {
    if (!no_arguments(args)) return 2;
    if (!ask(client, candm::kActivity, {}, candm::kRpyActivity, &reply)) return 1;
    text = ctl::format_activity(candm::decode_activity(reply.data()), o.csv);
  } else if (cmd == "serverstats") {
    if (!no_arguments(args)) return 2;
    if (!ask(client, candm::kServerStats, {}, candm::kRpyServerStats3, &reply)) return 1;
    text = ctl::format_serverstats(candm::decode_server_stats(reply.data()), o.csv);
  } else {
    std::fprintf(stderr, "chronon: unknown command '%s' (see --help)\n", cmd.c_str());
    return 2;
  }
  std::fputs(text.c_str(), stdout);
  return 0;
}

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  bool multi = false;
  static const option long_opts[] = {{"help", no_argument, nullptr, 'H'},
                                     {"version", no_argument, nullptr, 'v'},
                                     {"segment", required_argument, nullptr, 'S'},
                                     {nullptr, 0, nullptr, 0}};
  // '+': options end at the command, so that `sources -v` is the command's -v.
  int c;
  while ((c = getopt_long(argc, argv, "+46cmnNvh:S:", long_opts, nullptr)) != -1) {
    switch (c) {
      case '4': case '6': break;
      case 'c': o.csv = true; break;
      case 'm': multi = true; break;
      case 'n': break;
      case 'N': o.source_names = true; break;
      case 'h': o.socket = optarg; break;
      case 'S': o.segment = optarg; break;
      case 'v': std::printf("chronon %s\n", PROJECT_VERSION); return 0;
      case 'H': usage(stdout); return 0;
      default: usage(stderr); return 2;
    }
  }
  if (optind >= argc) {
    usage(stderr);
    return 2;
  }
  // Without -m the words make one command line (chronyc's way); with -m each is its own.
  std::vector<std::vector<std::string>> commands;
  if (multi) {
    for (int i = optind; i < argc; ++i) commands.push_back(words(argv[i]));
  } else {
    commands.emplace_back(argv + optind, argv + argc);
  }
  std::vector<std::string> paths;
  if (!socket_paths(o.socket, &paths)) return 2;
  chronon::ctl::CmdmonClient client(paths);
  int status = 0;
  for (const auto& args : commands) {
    if (args.empty()) continue;
    const int rc = run_command(args, o, client);
    if (rc != 0) status = rc;
    if (rc == 2) break;
  }
  return status;
}
