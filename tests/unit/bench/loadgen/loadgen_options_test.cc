#include "bench/loadgen/loadgen_options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chronon::bench {
namespace {

struct Parsed {
  std::optional<LoadgenOptions> opts;
  std::string error;
  bool help = false;
};

Parsed parse(std::vector<std::string> args) {
  args.insert(args.begin(), "chronon-loadgen");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  Parsed p;
  p.opts = parse_loadgen_options(static_cast<int>(argv.size()), argv.data(), &p.error, &p.help);
  return p;
}

const std::vector<std::string> kRequired = {"--iface", "vc1", "--dst-mac", "02:00:00:00:00:0a",
                                            "--target", "10.1.2.3"};

std::vector<std::string> with(std::vector<std::string> more) {
  auto v = kRequired;
  v.insert(v.end(), more.begin(), more.end());
  return v;
}

TEST(LoadgenOptions, RequiredAndDefaults) {
  const Parsed p = parse(kRequired);
  ASSERT_TRUE(p.opts) << p.error;
  EXPECT_EQ(p.opts->iface, "vc1");
  EXPECT_EQ(p.opts->dst_mac[5], 0x0a);
  EXPECT_EQ(p.opts->target_v4, 0x0a010203u);
  EXPECT_EQ(p.opts->subnet_v4, 0x0ac80000u);
  EXPECT_EQ(p.opts->rates, std::vector<double>{0});
  EXPECT_FALSE(p.opts->interleaved);
}

TEST(LoadgenOptions, RateStepsAndTheRest) {
  const Parsed p = parse(with({"--rate", "1000,20000,0", "--subnet", "10.9.0.0/12", "--clients",
                               "1000000", "--interleaved", "--stop-loss", "1", "--cpu", "1",
                               "--tx", "socket"}));
  ASSERT_TRUE(p.opts) << p.error;
  EXPECT_EQ(p.opts->rates, (std::vector<double>{1000, 20000, 0}));
  EXPECT_EQ(p.opts->subnet_prefix, 12);
  EXPECT_EQ(p.opts->clients, 1000000u);
  EXPECT_TRUE(p.opts->interleaved);
  EXPECT_EQ(p.opts->cpu, 1);
  EXPECT_EQ(p.opts->tx, LoadgenOptions::Tx::kSocket);
  EXPECT_EQ(parse(kRequired).opts->tx, LoadgenOptions::Tx::kLiveFrames);
}

TEST(LoadgenOptions, BadValuesNameTheOptionAndTheProblem) {
  struct Case {
    std::vector<std::string> args;
    std::string error;
  };
  const Case cases[] = {
      {{"--iface", "vc1"}, "--iface, --dst-mac and --target are required"},
      {with({"--dst-mac", "02:00:00:00:00"}), "--dst-mac '02:00:00:00:00': not a MAC address"},
      {with({"--target", "10.1.2"}), "--target '10.1.2': not an IPv4 address"},
      {with({"--rate", "1000,x"}), "--rate '1000,x': not a list of rates"},
      {with({"--subnet", "10.0.0.0/31"}), "--subnet '10.0.0.0/31': not an IPv4 subnet"},
      {with({"--subnet", "10.0.0.0/24", "--clients", "255"}), "--clients 255: more than the subnet /24 holds"},
      {with({"--seconds"}), "--seconds needs a value"},
      {with({"--tx", "dpdk"}), "--tx 'dpdk': not a way of sending (live or socket)"},
      {with({"--bogus", "1"}), "unknown option --bogus"},
  };
  for (const Case& c : cases) {
    const Parsed p = parse(c.args);
    EXPECT_FALSE(p.opts);
    EXPECT_EQ(p.error.rfind(c.error, 0), 0u) << p.error;
  }
}

TEST(LoadgenOptions, Help) {
  const Parsed p = parse({"--help"});
  EXPECT_TRUE(p.help);
  EXPECT_NE(std::string(loadgen_usage()).find("--interleaved"), std::string::npos);
}

}  // namespace
}  // namespace chronon::bench
