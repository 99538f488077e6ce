// Google Benchmark microbenchmarks of the responder core: request parse + reply build, access
// lookup, rate limiter, client table at 1 k / 1 M / 16 M clients, and the full per-request
// pipeline with random client addresses (defeating caches and the branch predictor the way
// real traffic does). Figures go to bench/RESULTS.md.
#include <benchmark/benchmark.h>
#include <endian.h>

#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "dataplane/core/client_table.h"
#include "dataplane/core/ntp_packet.h"
#include "dataplane/core/rate_limiter.h"
#include "dataplane/core/responder.h"
#include "dataplane/core/server_core.h"
#include "dataplane/shared/access_table.h"

namespace {

using namespace chronon::dp;
namespace ts = chronon::ts;

std::vector<uint8_t> make_request() {
  std::vector<uint8_t> p(kNtpHeaderLen, 0);
  p[0] = make_lvm(0, 4, NtpMode::kClient);
  p[2] = 6;
  const uint64_t tx = htobe64(0x1122334455667788ULL);
  std::memcpy(p.data() + 40, &tx, 8);
  return p;
}

std::vector<IpAddress> random_addresses(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<IpAddress> out(n);
  for (auto& a : out) a = IpAddress::from_v4(0x0a000000 | (rng() & 0x00ffffff));
  return out;
}

void BM_ParseAndBuildReply(benchmark::State& state) {
  const auto req = make_request();
  uint8_t buf[kNtpHeaderLen];
  ServerState st;
  st.leap = 0;
  st.stratum = 2;
  st.precision = -24;
  uint64_t r = 1;
  for (auto _ : state) {
    std::memcpy(buf, req.data(), kNtpHeaderLen);
    const NtpParse p = parse_request(buf, kNtpHeaderLen, 40000);
    const size_t n = build_reply(buf, p.req, st, ts::NtpTimestamp{r}, r);
    set_transmit(buf, ts::NtpTimestamp{r + 10}, st.precision, r);
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(buf);
    ++r;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseAndBuildReply);

void BM_AccessLookup(benchmark::State& state) {
  const int rules = static_cast<int>(state.range(0));
  std::vector<AccessRuleSpec> specs;
  std::mt19937 rng(1);
  for (int i = 0; i < rules; ++i)
    specs.push_back({i % 3 != 0, false,
                     IpPrefix{IpAddress::from_v4(rng() & 0xffffff00u), static_cast<uint8_t>(96 + 8 + rng() % 17)}});
  auto table = std::make_unique<AccessTable>();
  compile_access_table(specs.data(), rules, table.get());
  const auto addrs = random_addresses(4096, 2);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(access_allowed(*table, addrs[i++ & 4095]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AccessLookup)->Arg(2)->Arg(16)->Arg(256);

void BM_RateLimiter(benchmark::State& state) {
  const RateLimitParams p = make_rate_limit(3, 8, 2, 0);
  LimiterState s = new_limiter_state(p);
  uint32_t t = 1000;
  FastRandom rng{7};
  for (auto _ : state) {
    limiter_hit(p, s, t++);
    benchmark::DoNotOptimize(limiter_should_drop(p, s, static_cast<uint32_t>(rng.next())));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RateLimiter);

// Table lookups/inserts with `clients` distinct random addresses in a table sized for them.
void BM_ClientTable(benchmark::State& state) {
  const size_t clients = static_cast<size_t>(state.range(0));
  ClientTable table(clients * sizeof(ClientRecord) * 2, SipKey{1, 2});
  std::mt19937_64 rng(3);
  std::vector<IpAddress> addrs(std::min<size_t>(clients, 1 << 20));
  for (auto& a : addrs) {
    const uint64_t x = rng(), y = rng();
    std::memcpy(a.bytes.data(), &x, 8);
    std::memcpy(a.bytes.data() + 8, &y, 8);
  }
  for (size_t i = 0; i < clients; ++i) {
    IpAddress a = addrs[i % addrs.size()];
    a.bytes[0] ^= static_cast<uint8_t>(i >> 20);
    a.bytes[1] ^= static_cast<uint8_t>(i >> 28);
    table.find_or_insert(a, LimiterState{}, 1);
  }
  size_t i = 0;
  const size_t mask = addrs.size() - 1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(&table.find_or_insert(addrs[i++ & mask], LimiterState{}, 1));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes_per_client"] = static_cast<double>(sizeof(ClientRecord));
}
BENCHMARK(BM_ClientTable)->Arg(1000)->Arg(1 << 20)->Arg(16 << 20);

// The full core per request with a batch of 32 (prefetch, then handle + finish), random
// clients out of `clients`, rate limiting on (generous), interleave bookkeeping on.
void BM_FullCore(benchmark::State& state) {
  const size_t clients = static_cast<size_t>(state.range(0));
  ServerCore core(1, clients * sizeof(ClientRecord) * 2, SipKey{5, 6});
  auto policy = std::make_unique<Policy>();
  policy->rate_limit = make_rate_limit(-4, 255, 2, 0);
  AccessRuleSpec all{true, false, IpPrefix{}, true};
  compile_access_table(&all, 1, &policy->access);
  core.set_policy(*policy);
  ServerState st;
  st.leap = 0;
  st.stratum = 2;
  st.precision = -24;
  core.set_state(st);
  // Every client is in the table first; then requests come from random clients, read from a
  // long sequence (sequentially, as packets arrive) so the benchmark's own array stays out of
  // the way.
  std::mt19937 rng(4);
  constexpr size_t kSeq = size_t{1} << 22;
  std::vector<IpAddress> addrs(kSeq);
  for (auto& a : addrs) a = IpAddress::from_v4(static_cast<uint32_t>(0x0a000000 + rng() % clients));
  {
    PendingReply p;
    uint8_t buf[kNtpHeaderLen];
    const auto warm = make_request();
    for (size_t c = 0; c < clients; ++c) {
      std::memcpy(buf, warm.data(), kNtpHeaderLen);
      core.handle(buf, kNtpHeaderLen, IpAddress::from_v4(static_cast<uint32_t>(0x0a000000 + c)),
                  40000, ts::NtpTimestamp::from_parts(3900000000u, 0), &p);
    }
  }
  const auto req = make_request();
  constexpr int kBatch = 32;
  const int kPrefetchAhead = static_cast<int>(state.range(1));
  uint8_t bufs[kBatch][kNtpHeaderLen];
  PendingReply pending[kBatch];
  size_t next = 0;
  uint64_t now = ts::NtpTimestamp::from_parts(3900000000u, 0).raw;
  for (auto _ : state) {
    const size_t base = next;
    uint64_t hashes[kBatch];
    for (int i = 0; i < kPrefetchAhead; ++i) hashes[i] = core.prefetch(addrs[(base + i) & (kSeq - 1)]);
    for (int i = 0; i < kBatch; ++i) {
      if (i + kPrefetchAhead < kBatch)
        hashes[i + kPrefetchAhead] = core.prefetch(addrs[(base + i + kPrefetchAhead) & (kSeq - 1)]);
      std::memcpy(bufs[i], req.data(), kNtpHeaderLen);
      core.handle(bufs[i], kNtpHeaderLen, addrs[(base + i) & (kSeq - 1)], 40000,
                  ts::NtpTimestamp{now}, &pending[i], hashes[i]);
    }
    for (int i = 0; i < kBatch; ++i) core.finish(bufs[i], pending[i], ts::NtpTimestamp{now + 100});
    benchmark::DoNotOptimize(bufs);
    next += kBatch;
    now += 1 << 20;
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_FullCore)->ArgsProduct({{1000, 1 << 20}, {4, 8, 16, 32}});

}  // namespace

BENCHMARK_MAIN();
