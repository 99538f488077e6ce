// libFuzzer target: untrusted command requests through chronond's command server, from each
// origin (Unix socket with and without the right to change state, UDP port), with sources of
// every kind and the state-changing commands wired. Invariants: no crash, and no reply longer
// than its request (the command port must never amplify).
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "control/cmdmon/cmdmon_server.h"
#include "control/cmdmon/source_commands.h"
#include "tests/unit/control/cmdmon/cmdmon_rig.h"

using namespace chronon;

namespace {

// smoothtime on, so that smoothing and smoothtime act rather than answer 505.
ctl::Config with_smoothtime() {
  ctl::Config c;
  c.smoothtime.enabled = true;
  c.smoothtime.max_freq_ppm = 400;
  c.smoothtime.max_wander_ppm_per_s = 0.01;
  return c;
}

struct Rig : ctl::CmdmonRig {
  ctl::SourceCommands commands{keeper, reports, clock};
  ctl::ClientLogReader clients{*seg};
  std::unique_ptr<ctl::CmdmonServer> server;
  Rig() : CmdmonRig(with_smoothtime()) {
    server = std::make_unique<ctl::CmdmonServer>("/tmp/cmdmon_fuzz." + std::to_string(getpid()) +
                                                 ".sock");
    server->set_source_commands(&commands);
    server->set_client_log(&clients);  // the dataplane pid is 0: "not running" errors
    for (const char* a : {"10.0.0.1", "fd00::1", "unresolved.example"}) add(a);
    add("PHC0", 0x50484330).set_refclock();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Rig rig;
  if (size == 0) return 0;
  // The first byte picks the origin; the rest is the request.
  const auto origin = static_cast<ctl::CmdmonServer::Origin>(data[0] % 3);
  const auto reply = rig.server->handle(data + 1, size - 1, rig.reports, 1, origin);
  if (reply.size() > size - 1) std::abort();
  return 0;
}
