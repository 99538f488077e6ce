// chronon-loadgen: an AF_XDP NTP load generator for side-by-side server comparisons
// (bench/compare.sh). See loadgen_options.cc for its options and xdp_loadgen.h for how it
// measures.
#include <pthread.h>
#include <sched.h>

#include <cstdio>
#include <exception>
#include <string>

#include "bench/loadgen/loadgen_options.h"
#include "bench/loadgen/xdp_loadgen.h"

int main(int argc, char** argv) {
  using namespace chronon::bench;
  std::string error;
  bool help = false;
  const auto opts = parse_loadgen_options(argc, argv, &error, &help);
  if (help) {
    std::fputs(loadgen_usage(), stdout);
    return 0;
  }
  if (!opts) {
    std::fprintf(stderr, "chronon-loadgen: %s\n", error.c_str());
    return 2;
  }
  if (opts->cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(opts->cpu, &set);
    if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) {
      std::fprintf(stderr, "chronon-loadgen: cannot pin to CPU %d\n", opts->cpu);
      return 1;
    }
  }
  try {
    XdpLoadgen gen(*opts);
    std::fprintf(stderr,
                 "chronon-loadgen: sending %s, receiving with %s XDP and %s AF_XDP on %s queue "
                 "%u, %u clients\n",
                 gen.live_frames() ? "live frames (BPF_PROG_RUN)" : "from the AF_XDP socket",
                 gen.native_xdp() ? "native" : "generic", gen.zerocopy() ? "zero-copy" : "copy-mode",
                 opts->iface.c_str(), opts->queue, opts->clients);
    for (const double rate : opts->rates) {
      const StepResult r = gen.run_step(rate);
      std::printf("%s\n", r.json().c_str());
      std::fflush(stdout);
      if (opts->stop_loss_pct >= 0 && r.loss_pct() > opts->stop_loss_pct) break;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chronon-loadgen: %s\n", e.what());
    return 1;
  }
  return 0;
}
