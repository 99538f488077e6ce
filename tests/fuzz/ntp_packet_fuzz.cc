// libFuzzer target: arbitrary UDP payloads through the per-worker pipeline. Checks the house
// invariants: never crash, a reply is never longer than its request, modes 6/7 are never
// answered, and counters add up.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "dataplane/core/server_core.h"

using namespace chronon::dp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static ServerCore* core = [] {
    auto* c = new ServerCore(42, 1 << 16, SipKey{1, 2});
    static AccessTable table;  // static: reachable, so not a leak at exit
    AccessRuleSpec r{true, false, IpPrefix{}, true};
    compile_access_table(&r, 1, &table);
    c->set_access(table);
    return c;
  }();
  if (size < 2) return 0;
  const uint16_t src_port = static_cast<uint16_t>(data[0] << 8 | data[1]);
  std::vector<uint8_t> buf(data + 2, data + size);
  const uint8_t mode = buf.empty() ? 0 : (buf[0] & 7);
  const size_t len = buf.size();
  buf.resize(len < 48 ? 48 : len);  // handle() may write a 48-byte reply only if len >= 48
  PendingReply pending;
  const size_t reply =
      core->handle(buf.data(), len, *parse_ip("192.0.2.1"), src_port, {}, &pending);
  if (reply > len) std::abort();
  if (reply && (mode == 6 || mode == 7)) std::abort();
  if (reply) core->finish(buf.data(), pending, {});
  const LocalCounters& c = core->counters();
  uint64_t drops = 0;
  for (uint64_t d : c.drops) drops += d;
  if (c.received != c.replied + drops) std::abort();
  return 0;
}
