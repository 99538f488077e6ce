// chronon: the command-line client (chronyc's counterpart). Options come before the command,
// as chronyc's do; a command's own options (sources -v) follow it. Without a command it
// reads commands from standard input, one per line, with a prompt on a terminal.
#include <getopt.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "control/cli/commands.h"

namespace {

constexpr const char* kDefaultSegment = "/run/chronon/chronon.shm";
// As chronyc's default: the Unix socket, then the UDP command port on loopback.
constexpr const char* kDefaultSocket = "/run/chronon/chronond.sock,127.0.0.1,::1";

void usage(FILE* out) {
  std::fprintf(out,
      "Usage: chronon [-c] [-n] [-N] [-m] [-4|-6] [-h SOCKET|HOST[,...]] [-p PORT]\n"
      "               [-S SEGMENT] [COMMAND [ARGS]]\n"
      "Reports from and commands to a running chronond. Without a command, reads commands\n"
      "from standard input, one per line (\"quit\" ends).\n\n"
      "Commands (as chronyc's):\n"
      "  tracking                the system clock's offset, frequency and reference\n"
      "  sources [-a] [-v]       the time sources (-v: with a legend; -a: also those whose\n"
      "                          name has not resolved yet)\n"
      "  sourcestats [-a] [-v]   the sources' drift and offset estimates\n"
      "  activity                how many sources are online and offline\n"
      "  waitsync [TRIES [MAX-CORRECTION [MAX-SKEW [INTERVAL]]]]  wait until synchronised\n"
      "  serverstats             NTP and command packets served and dropped\n"
      "  ntpdata [ADDRESS]       the last packet from each NTP source (or one) and its tests\n"
      "  selectdata [-a] [-v]    why each source is (not) selected, and its interval\n"
      "  clients [-p N] [-k] [-r]  the NTP clients served (-p: only those with at least N\n"
      "                          requests; -k: NTS-KE columns; -r: then reset their counters)\n"
      "  smoothing               the time smoothing (smoothtime) served to clients\n"
      "Commands that change state (root, chronond's user or cmdgroup, on the Unix socket):\n"
      "  online [ADDRESS|ADDRESS/BITS|MASK/ADDRESS]   poll these sources again (all: none given)\n"
      "  offline [ADDRESS|ADDRESS/BITS|MASK/ADDRESS]  stop polling them\n"
      "  onoffline               set every source online\n"
      "  cyclelogs               reopen the log files (after logrotate moved them)\n"
      "  reload                  read chronond's configuration file again: allow/deny,\n"
      "                          ratelimit and sources change while serving (chronon's own)\n"
      "  reload sources          read the sourcedir files again: add and remove sources\n"
      "  burst GOOD/TOTAL [ADDRESS|ADDRESS/BITS|MASK/ADDRESS]  a quick series of requests\n"
      "  makestep [THRESHOLD LIMIT]  step the clock by what is left of the current slew, or\n"
      "                          let the next LIMIT updates step when over THRESHOLD s\n"
      "  reselect                select a source again, without preferring the current one\n"
      "  smoothtime reset|activate  start smoothing again from zero / unlock it now\n"
      "chronon's own:\n"
      "  dataplane               backend, workers, requests, replies and drops by reason\n\n"
      "Options:\n"
      "  -c                  print CSV instead of the table\n"
      "  -n                  print addresses, not names (chronon never looks names up in DNS,\n"
      "                      so this is always the case; accepted for chronyc's users)\n"
      "  -N                  print the sources' names as configured (server NAME ...)\n"
      "  -m                  each argument is a separate command\n"
      "  -4, -6              resolve -h host names to IPv4 (IPv6) addresses only\n"
      "  -h SOCKET|HOST      chronond's command socket (a path) or a host whose UDP command\n"
      "                      port is asked, or a comma-separated list of them tried in order\n"
      "                      (default %s)\n"
      "  -p PORT             the UDP command port (default 323)\n"
      "  -S, --segment PATH  shared segment, for dataplane (default %s)\n"
      "  -v, --version       print the version and exit\n"
      "      --help          this text\n",
      kDefaultSocket, kDefaultSegment);
}



// chronyc's -h: a comma-separated list of socket paths and hosts.
bool socket_paths(const std::string& spec, std::vector<std::string>* paths) {
  size_t start = 0;
  for (;;) {
    const size_t comma = spec.find(',', start);
    const std::string p = spec.substr(start, comma - start);
    if (p.empty()) {
      std::fprintf(stderr, "chronon: -h '%s': an empty entry in the list\n", spec.c_str());
      return false;
    }
    paths->push_back(p);
    if (comma == std::string::npos) return true;
    start = comma + 1;
  }
}

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// chronyc's interactive mode: one command per line until "quit", "exit" or the end of the
// input; a failed command does not end it. The status is the last command's.
int interactive(const chronon::ctl::CliOptions& o, chronon::ctl::CmdmonClient& client) {
  const bool terminal = isatty(0) && isatty(1);
  int status = 0;
  for (std::string line;;) {
    if (terminal) {
      std::fputs("chronon> ", stdout);
      std::fflush(stdout);
    }
    if (!std::getline(std::cin, line)) break;
    const auto args = words(line);
    if (args.empty()) continue;
    if (args[0] == "quit" || args[0] == "exit") break;
    if (args[0] == "help") {
      usage(stdout);
      continue;
    }
    status = chronon::ctl::run_command(args, o, client);
    std::fflush(stdout);
  }
  if (terminal) std::fputs("\n", stdout);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  chronon::ctl::CliOptions o;
  o.socket = kDefaultSocket;
  o.segment = kDefaultSegment;
  bool multi = false;
  static const option long_opts[] = {{"help", no_argument, nullptr, 'H'},
                                     {"version", no_argument, nullptr, 'v'},
                                     {"segment", required_argument, nullptr, 'S'},
                                     {nullptr, 0, nullptr, 0}};
  // '+': options end at the command, so that `sources -v` is the command's -v.
  int c;
  int port = 323, family = AF_UNSPEC;
  while ((c = getopt_long(argc, argv, "+46cmnNvh:p:S:", long_opts, nullptr)) != -1) {
    switch (c) {
      case '4': family = AF_INET; break;
      case '6': family = AF_INET6; break;
      case 'p': {
        char* end = nullptr;
        const long v = std::strtol(optarg, &end, 10);
        if (*optarg == '\0' || *end != '\0' || v < 1 || v > 65535) {
          std::fprintf(stderr, "chronon: -p '%s': a port number is expected (1 to 65535)\n",
                       optarg);
          return 2;
        }
        port = static_cast<int>(v);
        break;
      }
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
  std::vector<std::string> paths;
  if (!socket_paths(o.socket, &paths)) return 2;
  chronon::ctl::CmdmonClient client(paths, std::chrono::seconds(1), 3, port, family);
  if (optind >= argc) return interactive(o, client);
  // Without -m the words make one command line (chronyc's way); with -m each is its own.
  std::vector<std::vector<std::string>> commands;
  if (multi) {
    for (int i = optind; i < argc; ++i) commands.push_back(words(argv[i]));
  } else {
    commands.emplace_back(argv + optind, argv + argc);
  }
  int status = 0;
  for (const auto& args : commands) {
    if (args.empty()) continue;
    const int rc = chronon::ctl::run_command(args, o, client);
    if (rc != 0) status = rc;
    if (rc == 2) break;
  }
  return status;
}
