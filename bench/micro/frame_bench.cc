// Google Benchmark microbenchmarks of the frame layer the AF_XDP and DPDK backends run per
// packet: parse_frame + build_reply_in_place of a 90-byte NTP-over-IPv4 frame and a 110-byte
// NTP-over-IPv6 frame (with and without a Hop-by-Hop header), per frame of a 32-frame burst.
// Figures go to bench/RESULTS.md.
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "dataplane/core/frame.h"
#include "dataplane/core/ntp_packet.h"

namespace {

using namespace chronon::dp;

std::vector<uint8_t> request_frame(const char* src, const char* dst, bool hop_by_hop) {
  FrameSpec s{};
  const uint8_t srv[6] = {2, 0, 0, 0, 0, 1}, cli[6] = {2, 0, 0, 0, 0, 2};
  std::memcpy(s.dst_mac, srv, 6);
  std::memcpy(s.src_mac, cli, 6);
  s.src = *parse_ip(src);
  s.dst = *parse_ip(dst);
  s.src_port = 51234;
  s.dst_port = 123;
  uint8_t ntp[kNtpHeaderLen] = {make_lvm(0, 4, NtpMode::kClient), 0, 6, 0x20};
  std::vector<uint8_t> f(256);
  f.resize(write_udp_frame(f.data(), f.size(), s, ntp, sizeof ntp));
  if (hop_by_hop) {  // PadN(4); the UDP checksum does not cover extension headers
    const uint8_t ext[8] = {17, 0, 1, 4, 0, 0, 0, 0};
    f.insert(f.begin() + 54, ext, ext + 8);
    f[20] = 0;
    f[19] = static_cast<uint8_t>(f[19] + 8);
  }
  return f;
}

// One burst as a backend sees it: kBurst request frames land in their buffers (here: copied,
// as a NIC would have written them), then each is parsed and turned into its reply. Copying
// the whole burst first keeps the copy's stores from stalling the parser's loads, which a
// copy-then-parse loop of one frame measures instead of the parser.
constexpr int kBurst = 32;

void run(benchmark::State& state, const std::vector<uint8_t>& req) {
  static uint8_t bufs[kBurst][256];
  uint8_t reply[kNtpHeaderLen] = {make_lvm(0, 4, NtpMode::kServer), 2, 6, 0xe9};
  FrameInfo in;
  if (parse_frame(req.data(), req.size(), &in) != FrameDrop::kNone) {
    state.SkipWithError("request frame does not parse");
    return;
  }
  for (auto _ : state) {
    for (auto& b : bufs) std::memcpy(b, req.data(), req.size());
    for (auto& b : bufs) {
      if (parse_frame(b, req.size(), &in) != FrameDrop::kNone) break;
      std::memcpy(b + in.payload_offset, reply, sizeof reply);
      const size_t n = build_reply_in_place(b, in, sizeof reply);
      benchmark::DoNotOptimize(n);
      ++reply[47];
    }
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * kBurst);
}

void BM_FrameParseAndReplyV4(benchmark::State& state) {
  run(state, request_frame("192.0.2.10", "192.0.2.1", false));
}
BENCHMARK(BM_FrameParseAndReplyV4);

void BM_FrameParseAndReplyV6(benchmark::State& state) {
  run(state, request_frame("2001:db8::10", "2001:db8::1", false));
}
BENCHMARK(BM_FrameParseAndReplyV6);

void BM_FrameParseAndReplyV6HopByHop(benchmark::State& state) {
  run(state, request_frame("2001:db8::10", "2001:db8::1", true));
}
BENCHMARK(BM_FrameParseAndReplyV6HopByHop);

// The copy alone, to subtract from the figures above.
void BM_FrameCopyOnly(benchmark::State& state) {
  static uint8_t bufs[kBurst][256];
  const auto req = request_frame("192.0.2.10", "192.0.2.1", false);
  for (auto _ : state) {
    for (auto& b : bufs) std::memcpy(b, req.data(), req.size());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * kBurst);
}
BENCHMARK(BM_FrameCopyOnly);

void BM_FrameParseOnlyV4(benchmark::State& state) {
  const auto req = request_frame("192.0.2.10", "192.0.2.1", false);
  FrameInfo in;
  for (auto _ : state) {
    benchmark::DoNotOptimize(parse_frame(req.data(), req.size(), &in));
    benchmark::DoNotOptimize(in);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FrameParseOnlyV4);

}  // namespace

BENCHMARK_MAIN();
