// chronon: the command-line client (chronyc's counterpart). For now it has the `dataplane`
// report, read straight from the shared segment; chronyc's commands come with the admin socket.
#include <getopt.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "control/cli/dataplane_report.h"
#include "dataplane/shared/segment.h"

namespace {

constexpr const char* kDefaultSegment = "/run/chronon/chronon.shm";

void usage(FILE* out) {
  std::fprintf(out,
      "Usage: chronon [-c] [-S SEGMENT] COMMAND [-c]\n"
      "Reports from a running chronond.\n\n"
      "Commands:\n"
      "  dataplane     backend, workers, requests, replies and drops by reason\n\n"
      "Options:\n"
      "  -c            print CSV instead of the table\n"
      "  -S, --segment PATH   shared segment (default %s)\n"
      "  -h, --help    this text\n\n"
      "chronyc's commands (tracking, sources, clients, ...) are not implemented yet.\n",
      kDefaultSegment);
}

}  // namespace

int main(int argc, char** argv) {
  bool csv = false;
  std::string segment = kDefaultSegment;
  static const option long_opts[] = {{"help", no_argument, nullptr, 'h'},
                                     {"segment", required_argument, nullptr, 'S'},
                                     {nullptr, 0, nullptr, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "cS:h", long_opts, nullptr)) != -1) {
    switch (c) {
      case 'c': csv = true; break;
      case 'S': segment = optarg; break;
      case 'h': usage(stdout); return 0;
      default: usage(stderr); return 2;
    }
  }
  if (optind >= argc) {
    usage(stderr);
    return 2;
  }
  // Options may follow the command (getopt moved them in front); other words may not.
  if (optind + 1 < argc) {
    std::fprintf(stderr, "chronon: unexpected argument '%s' (see --help)\n", argv[optind + 1]);
    return 2;
  }
  const std::string cmd = argv[optind];
  if (cmd != "dataplane") {
    std::fprintf(stderr, "chronon: unknown or not yet implemented command '%s' (see --help)\n",
                 cmd.c_str());
    return 2;
  }
  try {
    const auto seg = chronon::dp::SegmentMapping::attach(segment, false);
    std::fputs(chronon::ctl::dataplane_report(*seg.get(), csv).c_str(), stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chronon: %s\n", e.what());
    return 1;
  }
  return 0;
}
