// libFuzzer target: untrusted replies and peer packets through the control process's client
// and symmetric exchanges. Invariants: no crash, and an accepted sample is finite with a
// delay no smaller than our precision.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "control/source/client_exchange.h"
#include "control/source/symmetric_exchange.h"

using namespace chronon;

namespace {
void check(const ctl::ReplyResult& r) {
  if (r.verdict != ctl::ReplyVerdict::kOk) return;
  const auto& s = r.sample;
  if (!std::isfinite(s.offset_s) || !std::isfinite(s.delay_s) || s.delay_s < std::ldexp(1.0, -20) ||
      !std::isfinite(s.root_dispersion_s))
    std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const timespec t0{1800000000, 0}, t1{1800000000, 2000000};
  uint8_t req[ctl::kNtpRequestLen];
  // Client mode: the input's origin is patched to our cookie half of the time, so the
  // checks past test 2 are reached.
  ctl::ClientExchange c;
  c.make_request(req, 6, 0x0123456789abcdefULL, t0);
  uint8_t buf[1024];
  const size_t n = size < sizeof buf ? size : sizeof buf;
  std::memcpy(buf, data, n);
  if (n >= 48 && (n & 1)) std::memcpy(buf + 24, req + 40, 8);
  check(c.process_reply(buf, n, t1, -20, ctl::ReplyLimits{}));
  // Symmetric mode, after one packet of ours.
  ctl::SymmetricExchange s;
  dp::ServerState st = dp::unsynchronised_state(-20);
  s.make_packet(req, 6, 4, st, t0);
  if (n >= 48 && (n & 1)) std::memcpy(buf + 24, req + 40, 8);
  check(s.process_packet(buf, n, t1, -20, ctl::ReplyLimits{}));
  return 0;
}
