// Tests for the chrony.conf-dialect parser: the seed's two configs, chrony's line rules,
// include/confdir, chronon's own directives, and a clear file:line error for each bad line.
#include "control/config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace chronon::ctl {
namespace {

using ::testing::HasSubstr;

const std::string kSource = CHRONON_SOURCE_DIR;

Config parse(const std::string& text) { return parse_config_text(text, "test.conf"); }

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/chronon-config-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    const std::string p = path_ + "/" + name;
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    std::ofstream(p) << text;
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(Config, PrimarySeedConfigLoads) {
  const Config c = load_config(kSource + "/tests/data/config/primary.conf");
  ASSERT_EQ(c.sources.size(), 4u);
  const SourceConfig& s = c.sources[0];
  EXPECT_EQ(s.type, SourceConfig::Type::kServer);
  EXPECT_EQ(s.address, "10.0.0.1");
  EXPECT_EQ(s.minpoll, 4);
  EXPECT_EQ(s.maxpoll, 10);
  EXPECT_TRUE(s.iburst);
  EXPECT_TRUE(s.prefer);
  EXPECT_FALSE(c.sources[1].prefer);
  EXPECT_EQ(c.sources[3].type, SourceConfig::Type::kPeer);
  EXPECT_EQ(c.sources[3].address, "192.168.10.12");
  EXPECT_TRUE(c.sources[3].iburst && c.sources[3].prefer);
  EXPECT_DOUBLE_EQ(c.stratumweight, 0.05);
  EXPECT_TRUE(c.rtcsync);
  EXPECT_TRUE(c.makestep.enabled);
  EXPECT_DOUBLE_EQ(c.makestep.threshold_s, 10.0);
  EXPECT_EQ(c.makestep.limit, 3);
  EXPECT_EQ(c.leapsectz, "right/UTC");
  ASSERT_EQ(c.ntp_access.size(), 2u);
  EXPECT_EQ(dp::to_string(*c.ntp_access[0].subnet), "192.168.0.0/16");
  EXPECT_TRUE(c.ntp_access[1].allow);
  EXPECT_TRUE(c.local.enabled);
  EXPECT_EQ(c.local.stratum, 8);
  EXPECT_EQ(c.bindcmdaddress, (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_TRUE(c.noclientlog);
  EXPECT_DOUBLE_EQ(c.logchange_s, 0.5);
  EXPECT_EQ(c.driftfile, "/var/lib/chrony/chrony.drift");
  EXPECT_EQ(c.logdir, "/var/log/chrony");
  EXPECT_EQ(c.log, (std::set<std::string>{"measurements", "statistics", "tracking"}));
  EXPECT_TRUE(c.ratelimit.enabled);
  EXPECT_EQ(c.ratelimit.interval_log2, 3);
  EXPECT_EQ(c.ratelimit.burst, 8);
  EXPECT_EQ(c.ratelimit.leak, 2);
  EXPECT_EQ(c.dataplane.kind, DataplaneConfig::Kind::kSocket);
  EXPECT_EQ(c.port, 123);
}

TEST(Config, BackupSeedConfigLoads) {
  const Config c = load_config(kSource + "/tests/data/config/backup.conf");
  EXPECT_EQ(c.local.stratum, 9);
  EXPECT_EQ(c.sources[3].address, "192.168.10.11");
  EXPECT_EQ(c.ratelimit.interval_log2, 1);
  EXPECT_EQ(c.ratelimit.burst, 16);
  EXPECT_EQ(c.keyfile, "/etc/chrony/chrony.keys");
}

// Every directive of the seed's chrony.conf is implemented: nothing to warn about.
TEST(Config, SeedConfigHasNothingNotImplemented) {
  const Config c = load_config(kSource + "/tests/data/config/primary.conf");
  EXPECT_TRUE(c.not_implemented.empty()) << ::testing::PrintToString(c.not_implemented);
  EXPECT_EQ(c.bindcmdaddress, (std::vector<std::string>{"127.0.0.1", "::1"}));
}

TEST(Config, SourceOptionsNotActedOnAreListed) {
  const Config c = parse("server a.example iburst copy\npool p.example key 3 maxsources 2\n"
                         "local stratum 8 orphan\n");
  EXPECT_THAT(c.not_implemented, ::testing::ElementsAre(
      HasSubstr("test.conf:1: 'server' option 'copy' accepted, not implemented yet"),
      HasSubstr("test.conf:2: 'pool' option 'key' accepted, not implemented yet")));
}

TEST(Config, LeapsecmodeAndSmoothtimeAreImplemented) {
  for (const char* m : {"system", "slew", "step", "ignore"}) {
    const Config c = parse(std::string("leapsecmode ") + m + "\nsmoothtime 400 0.001 leaponly\n");
    EXPECT_TRUE(c.not_implemented.empty()) << ::testing::PrintToString(c.not_implemented);
    EXPECT_EQ(c.leapsecmode, m);
  }
  const Config c = parse("smoothtime 400 0.001 LEAPONLY\n");
  EXPECT_TRUE(c.smoothtime.enabled);
  EXPECT_DOUBLE_EQ(c.smoothtime.max_freq_ppm, 400);
  EXPECT_DOUBLE_EQ(c.smoothtime.max_wander_ppm_per_s, 0.001);
  EXPECT_TRUE(c.smoothtime.leap_only);
  const Config d = parse("smoothtime 50 0.01\n");
  EXPECT_TRUE(d.smoothtime.enabled);
  EXPECT_FALSE(d.smoothtime.leap_only);
  // chronyd: a limit of 0 turns smoothing off.
  EXPECT_FALSE(parse("smoothtime 0 0.001\n").smoothtime.enabled);
  EXPECT_FALSE(parse("smoothtime 400 0\n").smoothtime.enabled);
  EXPECT_FALSE(parse("server a.example\n").smoothtime.enabled);
}

TEST(Config, LocalOrphanIsImplementedAndALaterLocalLineReplacesIt) {
  Config c = parse("local stratum 8 orphan distance 0.1\n");
  EXPECT_TRUE(c.local.enabled);
  EXPECT_TRUE(c.local.orphan);
  EXPECT_EQ(c.local.stratum, 8);
  EXPECT_DOUBLE_EQ(c.local.distance, 0.1);
  EXPECT_TRUE(c.not_implemented.empty()) << ::testing::PrintToString(c.not_implemented);
  c = parse("local orphan\n");  // chronyd's default stratum 10
  EXPECT_TRUE(c.local.orphan);
  EXPECT_EQ(c.local.stratum, 10);
  c = parse("local stratum 8 orphan\nlocal stratum 9\n");
  EXPECT_FALSE(c.local.orphan);
  EXPECT_EQ(c.local.stratum, 9);
}

TEST(Config, NoclientlogWithRatelimitIsANotice) {
  const Config c = parse("noclientlog\nratelimit interval 1 burst 4\n");
  ASSERT_EQ(c.notices.size(), 1u);
  EXPECT_THAT(c.notices[0], HasSubstr("test.conf:2: 'noclientlog' with 'ratelimit'"));
  EXPECT_TRUE(c.ratelimit.enabled);
}

TEST(Config, ExamplesLoad) {
  for (const auto& e : std::filesystem::directory_iterator(kSource + "/examples")) {
    if (e.path().extension() == ".conf") {
      EXPECT_NO_THROW(load_config(e.path())) << e.path();
    }
  }
}

TEST(Config, CommentsBlankLinesAndWhitespaceAsChrony) {
  const Config c = parse(
      "# hash\n! bang\n; semicolon\n% percent\n   # indented comment\n\n   \t\n"
      "  allow\t 10.0.0.0/8  \r\nALLOW 192.168\nlocal stratum 3");
  ASSERT_EQ(c.ntp_access.size(), 2u);
  EXPECT_EQ(dp::to_string(*c.ntp_access[1].subnet), "192.168.0.0/16");
  EXPECT_EQ(c.local.stratum, 3);
}

TEST(Config, ACommentCharacterInsideALineIsNotAComment) {
  // chrony only treats a line as a comment when it starts with one; "allow 10/8 # x" has an
  // extra argument.
  EXPECT_EQ(error_of("allow 10.0.0.0/8 # clients"),
            "test.conf:1: too many arguments for 'allow': '#'");
}

TEST(Config, AllowDenyForms) {
  const Config c = parse("allow\nallow all\ndeny all 10.1\ndeny ::1\ncmdallow 127.0.0.1\n");
  ASSERT_EQ(c.ntp_access.size(), 4u);
  EXPECT_FALSE(c.ntp_access[0].subnet.has_value());
  EXPECT_FALSE(c.ntp_access[0].all);
  EXPECT_TRUE(c.ntp_access[1].all);
  EXPECT_FALSE(c.ntp_access[2].allow);
  EXPECT_TRUE(c.ntp_access[2].all);
  EXPECT_EQ(dp::to_string(*c.ntp_access[2].subnet), "10.1.0.0/16");
  EXPECT_EQ(c.ntp_access[3].where.line, 4);
  ASSERT_EQ(c.cmd_access.size(), 1u);
}

TEST(Config, RatelimitOptionsKodAndClamping) {
  Config c = parse("ratelimit interval -1 burst 4 leak 3 kod 4\n");
  EXPECT_EQ(c.ratelimit.interval_log2, -1);
  EXPECT_EQ(c.ratelimit.burst, 4);
  EXPECT_EQ(c.ratelimit.leak, 3);
  EXPECT_EQ(c.ratelimit.kod, 4);
  c = parse("ratelimit interval 20 burst 1000\n");
  EXPECT_EQ(c.ratelimit.interval_log2, 12);
  EXPECT_EQ(c.ratelimit.burst, 255);
  ASSERT_EQ(c.notices.size(), 2u);
  EXPECT_THAT(c.notices[0], HasSubstr("test.conf:1: ratelimit interval 20 is outside -19..12; using 12"));
  c = parse("cmdratelimit interval 2\n");
  EXPECT_FALSE(c.ratelimit.enabled);
  EXPECT_EQ(c.cmdratelimit.interval_log2, 2);
  EXPECT_EQ(error_of("cmdratelimit kod 2"), "test.conf:1: unknown option 'kod' for 'cmdratelimit'");
}

TEST(Config, DataplaneDirective) {
  Config c = parse("dataplane socket threads 4");
  EXPECT_EQ(c.dataplane.kind, DataplaneConfig::Kind::kSocket);
  EXPECT_EQ(c.dataplane.threads, 4);
  c = parse("dataplane afxdp eth1 queues 2 zerocopy mode native");
  EXPECT_EQ(c.dataplane.kind, DataplaneConfig::Kind::kAfxdp);
  EXPECT_EQ(c.dataplane.iface, "eth1");
  EXPECT_EQ(c.dataplane.queues, 2);
  EXPECT_TRUE(c.dataplane.zerocopy);
  EXPECT_EQ(c.dataplane.xdp_mode, "native");
  EXPECT_TRUE(c.dataplane.cpus.empty());
  c = parse("dataplane afxdp eth1 cpus 2-3,0");
  EXPECT_EQ(c.dataplane.cpus, (std::vector<int>{2, 3, 0}));
  c = parse("dataplane dpdk 0000:01:00.0 queues 4 lcores 1-4 eal \"--no-pci --vdev net_tap0\"");
  EXPECT_EQ(c.dataplane.kind, DataplaneConfig::Kind::kDpdk);
  EXPECT_EQ(c.dataplane.iface, "0000:01:00.0");
  EXPECT_EQ(c.dataplane.lcores, "1-4");
  EXPECT_EQ(c.dataplane.eal_args, "--no-pci --vdev net_tap0");
  EXPECT_EQ(c.dataplane.tap, "chronon0");
  EXPECT_EQ(c.dataplane.where.line, 1);
  c = parse("dataplane dpdk net_af_packet0 tap ntp0");
  EXPECT_EQ(c.dataplane.tap, "ntp0");
}

TEST(Config, HoldoverDirective) {
  EXPECT_EQ(parse("").holdover_s, 3600);  // an hour by default
  EXPECT_EQ(parse("holdover 2.5").holdover_s, 2.5);
}

TEST(Config, MetricsDirective) {
  EXPECT_FALSE(parse("").metrics.enabled);  // off by default
  Config c = parse("# endpoint\nmetrics 127.0.0.1:9123");
  EXPECT_TRUE(c.metrics.enabled);
  EXPECT_EQ(c.metrics.address, "127.0.0.1");
  EXPECT_EQ(c.metrics.port, 9123);
  EXPECT_EQ(c.metrics.endpoint(), "127.0.0.1:9123");
  EXPECT_EQ(c.metrics.where.line, 2);
  EXPECT_TRUE(c.notices.empty());
  c = parse("METRICS [::1]:65535");
  EXPECT_EQ(c.metrics.address, "::1");
  EXPECT_EQ(c.metrics.port, 65535);
  EXPECT_EQ(c.metrics.endpoint(), "[::1]:65535");
  EXPECT_TRUE(c.notices.empty());
  // A later line replaces an earlier one.
  c = parse("metrics 127.0.0.1:1\nmetrics 127.0.0.2:2");
  EXPECT_EQ(c.metrics.endpoint(), "127.0.0.2:2");
  // Other hosts may scrape, with a notice: the endpoint has no access control.
  c = parse("metrics 0.0.0.0:9123\nmetrics [2001:db8::1]:9123");
  EXPECT_EQ(c.metrics.endpoint(), "[2001:db8::1]:9123");
  ASSERT_EQ(c.notices.size(), 2u);
  EXPECT_EQ(c.notices[0], "test.conf:1: metrics on 0.0.0.0:9123 can be read by other hosts (no "
                          "authentication; restrict it with a firewall)");
  EXPECT_THAT(c.notices[1], HasSubstr("test.conf:2: metrics on [2001:db8::1]:9123 can be read"));
  EXPECT_TRUE(c.not_implemented.empty());
}

TEST(Config, MetricsBadLinesNameFileLineAndProblem) {
  const std::pair<const char*, const char*> cases[] = {
      {"metrics", "test.conf:1: missing argument for 'metrics' (expected 1)"},
      {"metrics 127.0.0.1:9123 extra",
       "test.conf:1: too many arguments for 'metrics' (expected 1): 'extra'"},
      {"metrics 127.0.0.1", "test.conf:1: missing port in '127.0.0.1' for 'metrics' "
                            "(ADDRESS:PORT, e.g. 127.0.0.1:9123 or [::1]:9123)"},
      {"metrics 127.0.0.1:http", "test.conf:1: invalid port 'http' for 'metrics' (an integer "
                                 "is expected)"},
      {"metrics 127.0.0.1:", "test.conf:1: invalid port '' for 'metrics' (an integer is "
                             "expected)"},
      {"metrics 127.0.0.1:0", "test.conf:1: port 0 for 'metrics' is out of range (1 to 65535)"},
      {"metrics 127.0.0.1:65536",
       "test.conf:1: port 65536 for 'metrics' is out of range (1 to 65535)"},
      {"metrics localhost:9123", "test.conf:1: invalid address 'localhost' for 'metrics' (a "
                                 "numeric IPv4 or IPv6 address; host names are not supported)"},
      {"metrics 127.0.0.256:9123", "test.conf:1: invalid address '127.0.0.256' for 'metrics' (a "
                                   "numeric IPv4 or IPv6 address; host names are not supported)"},
      {"metrics ::1:9123", "test.conf:1: IPv6 address in '::1:9123' for 'metrics' needs "
                           "brackets, e.g. [::1]:9123"},
      {"metrics [::1]9123", "test.conf:1: missing port in '[::1]9123' for 'metrics' "
                            "(ADDRESS:PORT, e.g. 127.0.0.1:9123 or [::1]:9123)"},
      {"metrics [::1:9123", "test.conf:1: missing ']' in '[::1:9123' for 'metrics' "
                            "(ADDRESS:PORT, e.g. 127.0.0.1:9123 or [::1]:9123)"},
      {"metrics [::ffff:127.0.0.1]:9123", "test.conf:1: IPv4-mapped address '::ffff:127.0.0.1' "
                                          "for 'metrics': write the IPv4 address"},
      {"allow\nmetrics [127.0.0.1]:x", "test.conf:2: invalid port 'x' for 'metrics' (an integer "
                                       "is expected)"},
  };
  for (const auto& [text, error] : cases) EXPECT_EQ(error_of(text), error) << text;
}

TEST(Config, PollsOutsideChronysRangeAreClampedWithANotice) {
  const Config c = parse("server a minpoll -7 maxpoll 25 maxdelayquant 0.2\n");
  EXPECT_EQ(c.sources[0].minpoll, -6);
  EXPECT_EQ(c.sources[0].maxpoll, 24);
  EXPECT_DOUBLE_EQ(c.sources[0].maxdelayquant, 0.2);
  ASSERT_EQ(c.notices.size(), 2u);
  EXPECT_EQ(c.notices[0], "test.conf:1: minpoll -7 is outside -6..24; using -6 (as chronyd)");
}

TEST(Config, DpdkEalTakesTheRestOfTheLineFromTheFirstEal) {
  const Config c = parse("dataplane dpdk p0 eal --log-level eal:8 --no-pci");
  EXPECT_EQ(c.dataplane.eal_args, "--log-level eal:8 --no-pci");
  const Config d = parse("dataplane dpdk p0 lcores 2 eal --vdev x eal");
  EXPECT_EQ(d.dataplane.eal_args, "--vdev x eal");
  EXPECT_EQ(d.dataplane.lcores, "2");
}

TEST(Config, BindaddressKeepsOnePerFamily) {
  const Config c = parse("bindaddress 10.0.0.1\nbindaddress ::1\nbindaddress 10.0.0.2\n");
  EXPECT_EQ(c.bindaddress, (std::vector<std::string>{"::1", "10.0.0.2"}));
}

TEST(Config, BindcmdaddressPathIsTheSocketAndAddressesOnePerFamily) {
  const Config c = parse("bindcmdaddress /tmp/a.sock\nbindcmdaddress 127.0.0.1\n"
                         "bindcmdaddress ::1\nbindcmdaddress 127.0.0.2\ncmdport 10323\n");
  EXPECT_EQ(c.cmdsocket, "/tmp/a.sock");
  EXPECT_EQ(c.bindcmdaddress, (std::vector<std::string>{"::1", "127.0.0.2"}));
  EXPECT_EQ(c.cmdport, 10323);
  EXPECT_TRUE(c.not_implemented.empty());
}

TEST(Config, SourcedirFilesAddSourcesAndOnlySources) {
  const std::string dir = testing::TempDir() + "/config_test_sourcedir";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/b.sources") << "pool pool.example.net iburst\n# comment\n";
  std::ofstream(dir + "/a.sources") << "server 192.0.2.1 iburst\npeer 192.0.2.2\n";
  std::ofstream(dir + "/x.conf") << "server 192.0.2.99\n";  // not a .sources file
  Config c = parse("server 10.0.0.1\nsourcedir " + dir + "\nsourcedir /nonexistent-dir\n");
  ASSERT_EQ(c.sources.size(), 4u);
  EXPECT_FALSE(c.sources[0].from_sourcedir);
  EXPECT_EQ(c.sources[1].line, "server 192.0.2.1 iburst");  // a.sources before b.sources
  EXPECT_TRUE(c.sources[1].from_sourcedir);
  EXPECT_EQ(c.sources[2].type, SourceConfig::Type::kPeer);
  EXPECT_EQ(c.sources[3].type, SourceConfig::Type::kPool);
  EXPECT_THAT(c.notices, ::testing::Contains(HasSubstr("sourcedir '/nonexistent-dir' is not a "
                                                       "readable directory")));
  std::ofstream(dir + "/c.sources") << "server 192.0.2.3\nlocal stratum 3\n";
  try {
    parse("sourcedir " + dir + "\n");
    FAIL() << "a sourcedir file with 'local' was accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), dir + "/c.sources:2: 'local' in a sourcedir file (only "
                                           "server, pool and peer lines)");
  }
  std::ofstream(dir + "/c.sources") << "server 192.0.2.3 minpoll x\n";
  EXPECT_THROW(parse("sourcedir " + dir + "\n"), ConfigError);
}

TEST(Config, DirectivesAndOptionsAreCaseInsensitive) {
  const Config c = parse("SERVER ntp.example.net IBURST MinPoll 2\nLocal Stratum 5\n");
  EXPECT_TRUE(c.sources[0].iburst);
  EXPECT_EQ(c.sources[0].minpoll, 2);
  EXPECT_EQ(c.sources[0].address, "ntp.example.net");
  EXPECT_EQ(c.local.stratum, 5);
}

TEST(Config, EveryChrony43DirectiveIsKnown) {
  const std::vector<std::string> chrony43 = {
      "acquisitionport", "allow", "authselectmode", "bindacqaddress", "bindacqdevice",
      "bindaddress", "bindcmdaddress", "bindcmddevice", "binddevice", "broadcast",
      "clientloglimit", "clockprecision", "cmdallow", "cmddeny", "cmdport", "cmdratelimit",
      "combinelimit", "confdir", "corrtimeratio", "deny", "driftfile", "dscp", "dumpdir",
      "fallbackdrift", "hwclockfile", "hwtimestamp", "hwtstimeout", "include", "initstepslew",
      "keyfile", "leapsecmode", "leapsectz", "local", "lock_all", "log", "logbanner",
      "logchange", "logdir", "mailonchange", "makestep", "manual", "maxchange", "maxclockerror",
      "maxdistance", "maxdrift", "maxjitter", "maxntsconnections", "maxsamples", "maxslewrate",
      "maxupdateskew", "minsamples", "minsources", "nocerttimecheck", "noclientlog",
      "nosystemcert", "ntpsigndsocket", "ntsdumpdir", "ntsntpserver", "ntsport", "ntsprocesses",
      "ntsratelimit", "ntsrefresh", "ntsrotate", "ntsservercert", "ntsserverkey",
      "ntstrustedcerts", "peer", "pidfile", "pool", "port", "ptpport", "ratelimit", "refclock",
      "refresh", "reselectdist", "rtcautotrim", "rtcdevice", "rtcfile", "rtconutc", "rtcsync",
      "sched_priority", "server", "smoothtime", "sourcedir", "stratumweight", "tempcomp",
      "user"};
  const auto known = known_directives();
  for (const auto& d : chrony43) {
    EXPECT_TRUE(std::find(known.begin(), known.end(), d) != known.end()) << d;
  }
}

TEST(Config, CommonChronyLinesParse) {
  const char* lines[] = {
      "pool 2.debian.pool.ntp.org iburst maxsources 4",
      "server 192.0.2.1 key 10 xleave minstratum 2 maxdelay 0.1 polltarget 16 port 11123",
      "server 192.0.2.1 nts ntsport 4461 certset 1 extfield F323 copy",
      "refclock PHC /dev/ptp0 poll 0 dpoll -2 offset 0.000037 refid PTP",
      "refclock PPS /dev/pps0 lock NMEA prefer",
      "hwtimestamp eth0 rxfilter ntp minpoll -2",
      "hwtimestamp *",
      "maxupdateskew 100.0",
      "leapsecmode slew",
      "smoothtime 400 0.001 leaponly",
      "tempcomp /sys/class/hwmon/hwmon0/temp2_input 30 26000 0.0 0.000183 0.0",
      "broadcast 30 192.0.2.255 123",
      "maxchange 1000 1 2",
      "initstepslew 30 foo.example.net bar.example.net",
      "mailonchange root@localhost 0.5",
      "fallbackdrift 16 19",
      "ntstrustedcerts 1 /etc/pki/tls/certs",
      "sourcedir /var/run/chrony-dhcp",
      "clientloglimit 100000000",
      "holdover 30",
      "cmdport 0",
      "port 11123",
      "dumponexit",
      "linux_hz 100",
  };
  for (const char* l : lines) EXPECT_NO_THROW(parse(l)) << l;
  EXPECT_THAT(parse("dumponexit").notices[0], HasSubstr("no longer supported"));
}

struct BadLine {
  const char* text;
  const char* error;
};

TEST(Config, EachBadLineNamesFileLineAndProblem) {
  const BadLine cases[] = {
      {"sevrer 1.2.3.4", "test.conf:1: unknown directive 'sevrer' (did you mean 'server'?)"},
      {"frobnicate", "test.conf:1: unknown directive 'frobnicate'"},
      {"# ok\nallow 10.0.0.0/33", "test.conf:2: invalid subnet '10.0.0.0/33' for 'allow' (an "
                                  "address, ADDRESS/BITS or a short IPv4 form such as 192.168; "
                                  "host names are not supported)"},
      {"deny all 10/8 extra", "test.conf:1: too many arguments for 'deny': 'extra'"},
      {"local stratum 16", "test.conf:1: value of option 'stratum' 16 for 'local' is out of "
                           "range (1 to 15)"},
      {"local stratum x", "test.conf:1: invalid value of option 'stratum' 'x' for 'local' (an "
                          "integer is expected)"},
      {"local stratum", "test.conf:1: option 'stratum' of 'local' needs a value"},
      {"local orbit", "test.conf:1: unknown option 'orbit' for 'local'"},
      {"local stratum 8 orphan 1", "test.conf:1: unknown option '1' for 'local'"},
      {"local stratum 8 orphan distance -1",
       "test.conf:1: distance of 'local' must not be negative"},
      {"server", "test.conf:1: missing argument for 'server' (expected at least 1)"},
      {"server a minpoll 40", "test.conf:1: value of option 'minpoll' 40 for 'server' is out of "
                              "range (-32 to 32)"},
      {"server a iburstt", "test.conf:1: unknown option 'iburstt' for 'server'"},
      {"server a version 5", "test.conf:1: value of option 'version' 5 for 'server' is out of "
                             "range (1 to 4)"},
      {"peer a maxdelay abc", "test.conf:1: invalid value of option 'maxdelay' 'abc' for 'peer' "
                              "(a number is expected)"},
      {"port 70000", "test.conf:1: port 70000 is out of range (1 to 65535)"},
      {"port 0", "test.conf:1: port 0 turns the NTP server off in chronyd; chronon is a server "
                 "and needs a port (1 to 65535)"},
      {"port 12x", "test.conf:1: invalid port '12x' for 'port' (an integer is expected)"},
      {"stratumweight", "test.conf:1: missing argument for 'stratumweight' (expected 1)"},
      {"stratumweight 0.05 1", "test.conf:1: too many arguments for 'stratumweight' (expected "
                               "1): '1'"},
      {"stratumweight nan", "test.conf:1: invalid value 'nan' for 'stratumweight' (a number is "
                            "expected)"},
      {"rtcsync now", "test.conf:1: too many arguments for 'rtcsync' (expected none): 'now'"},
      {"makestep 1", "test.conf:1: missing argument for 'makestep' (expected 2)"},
      {"makestep -1 3", "test.conf:1: makestep threshold must not be negative"},
      {"log measurements tracker", "test.conf:1: unknown log 'tracker' (measurements, "
                                   "statistics, tracking, rtc, refclocks, tempcomp, "
                                   "rawmeasurements, selection)"},
      {"leapsecmode jump", "test.conf:1: invalid value 'jump' for 'leapsecmode' (one of: "
                           "system, slew, step, ignore)"},
      {"ratelimit interval", "test.conf:1: option 'interval' of 'ratelimit' needs a value"},
      {"ratelimit burst 8 kod -1", "test.conf:1: value of option 'kod' -1 for 'ratelimit' is "
                                   "out of range (0 to 1000000)"},
      {"clientloglimit 0", "test.conf:1: clientloglimit 0 is out of range (1 byte to 64 GiB)"},
      {"holdover 0.5", "test.conf:1: holdover 0.5 is out of range (1 s to 7 days)"},
      {"holdover 1h", "test.conf:1: invalid seconds '1h' for 'holdover' (a number is expected)"},
      {"clientloglimit -5", "test.conf:1: invalid size in bytes '-5' for 'clientloglimit' (a "
                            "non-negative integer is expected)"},
      {"bindaddress eth0", "test.conf:1: invalid address 'eth0' for 'bindaddress'"},
      {"bindaddress ::ffff:192.0.2.1", "test.conf:1: IPv4-mapped address '::ffff:192.0.2.1' for "
                                       "'bindaddress': write the IPv4 address"},
      {"bindcmdaddress localhost", "test.conf:1: invalid address 'localhost' for "
                                   "'bindcmdaddress'"},
      {"bindcmdaddress ::ffff:127.0.0.1", "test.conf:1: IPv4-mapped address '::ffff:127.0.0.1' "
                                          "for 'bindcmdaddress': write the IPv4 address"},
      {"cmdport 70000", "test.conf:1: value 70000 for 'cmdport' is out of range (0 to 65535)"},
      {"cmdallow 10.0.0.0/33", "test.conf:1: invalid subnet '10.0.0.0/33' for 'cmdallow' (an "
                               "address, ADDRESS/BITS or a short IPv4 form such as 192.168; "
                               "host names are not supported)"},
      {"refclock GPS /dev/x", "test.conf:1: unknown refclock driver 'GPS' (PPS, SHM, SOCK, PHC "
                              "or RTC)"},
      {"hwtimestamp eth0 rxfilter some", "test.conf:1: invalid value of option 'rxfilter' "
                                         "'some' (one of: all, ntp, ptp, none)"},
      {"hwtimestamp eth0 minsamples 20", "test.conf:1: minsamples of 'hwtimestamp' is larger than "
                                         "maxsamples"},
      {"dataplane", "test.conf:1: missing argument for 'dataplane' (expected at least 1)"},
      {"dataplane netmap", "test.conf:1: unknown dataplane 'netmap' (socket, afxdp, dpdk, inline or none)"},
      {"dataplane afxdp", "test.conf:1: 'dataplane afxdp' needs an interface name"},
      {"dataplane afxdp eth0 zerocopy copy", "test.conf:1: 'dataplane afxdp' takes zerocopy or "
                                             "copy, not both"},
      {"dataplane afxdp eth0 cpus 3-1", "test.conf:1: invalid 'cpus' of 'dataplane afxdp': "
                                        "'3-1' is not a CPU range (3 is above 1)"},
      {"dataplane afxdp eth0 cpus", "test.conf:1: option 'cpus' of 'dataplane' needs a value"},
      {"dataplane afxdp eth0 mode turbo", "test.conf:1: invalid value of option 'mode' 'turbo' "
                                          "(one of: native, generic)"},
      {"dataplane afxdp eth0 queues 65", "test.conf:1: value of option 'queues' 65 for "
                                         "'dataplane' is out of range (1 to 64)"},
      {"dataplane socket threads 0", "test.conf:1: value of option 'threads' 0 for 'dataplane' "
                                     "is out of range (1 to 64)"},
      {"dataplane socket threads 65", "test.conf:1: value of option 'threads' 65 for 'dataplane' "
                                      "is out of range (1 to 64)"},
      {"dataplane dpdk p0 tap a/b", "test.conf:1: invalid TAP interface name 'a/b' for "
                                    "'dataplane dpdk' (1 to 15 characters, no '/', ',', '=' or "
                                    "space)"},
      {"dataplane dpdk p0 tap abcdefghijklmnop", "test.conf:1: invalid TAP interface name "
                                                 "'abcdefghijklmnop' for 'dataplane dpdk' (1 to "
                                                 "15 characters, no '/', ',', '=' or space)"},
      {"dataplane dpdk p0 eal \"--no-pci", "test.conf:1: unbalanced quotes in the 'eal' option "
                                           "of 'dataplane'"},
      {"include", "test.conf:1: missing argument for 'include' (expected 1)"},
      {"include /nonexistent/chronon.conf", "test.conf:1: cannot read configuration file "
                                            "'/nonexistent/chronon.conf': No such file or "
                                            "directory"},
      {"smoothtime 400 0.001 always", "test.conf:1: unknown option 'always' for 'smoothtime' "
                                      "(leaponly)"},
      {"smoothtime 400", "test.conf:1: missing argument for 'smoothtime' (expected at least 2)"},
      {"smoothtime 400 0.001 leaponly x", "test.conf:1: too many arguments for 'smoothtime' "
                                          "(expected at most 3): 'x'"},
      {"smoothtime fast 0.001", "test.conf:1: invalid maximum frequency 'fast' for "
                                "'smoothtime' (a number is expected)"},
      {"smoothtime 400 1e999", "test.conf:1: invalid maximum wander '1e999' for 'smoothtime' "
                               "(a number is expected)"},
      {"smoothtime -400 0.001", "test.conf:1: smoothtime maximum frequency -400 must not be "
                                "negative"},
      {"smoothtime 400 -0.001", "test.conf:1: smoothtime maximum wander -0.001 must not be "
                                "negative"},
      {"smoothtime 2e6 0.001", "test.conf:1: smoothtime maximum frequency 2e6 is over 1000000 "
                               "ppm"},
      {"leapsecmode", "test.conf:1: missing argument for 'leapsecmode' (expected 1)"},
      {"leapsecmode slew step", "test.conf:1: too many arguments for 'leapsecmode' (expected "
                                "1): 'step'"},
      {"tempcomp a b", "test.conf:1: 'tempcomp' takes FILE INTERVAL POINTFILE or FILE INTERVAL "
                       "T0 K0 K1 K2"},
  };
  for (const BadLine& b : cases) EXPECT_EQ(error_of(b.text), b.error) << b.text;
}

TEST(Config, OverlongAndBinaryLinesAreRejected) {
  EXPECT_EQ(error_of("allow\n" + std::string(3000, 'a')),
            "test.conf:2: line is longer than 2047 characters");
  EXPECT_EQ(error_of(std::string("allow\0x", 7)),
            "test.conf:1: line contains a NUL byte (not a text file?)");
}

TEST(Config, MissingFileNamesIt) {
  try {
    load_config("/nonexistent/chronon.conf");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "cannot read configuration file '/nonexistent/chronon.conf': No such file or "
                 "directory");
  }
}

TEST(Config, IncludeGlobReadsFilesInOrderAndErrorsNameTheIncludedFile) {
  TempDir d;
  d.write("conf.d/b.conf", "local stratum 4\n");
  d.write("conf.d/a.conf", "local stratum 3\nallow 10.0.0.0/8\n");
  const std::string main = d.write("main.conf", "include " + d.path() + "/conf.d/*.conf\n");
  const Config c = load_config(main);
  EXPECT_EQ(c.local.stratum, 4);  // b.conf after a.conf
  EXPECT_EQ(c.ntp_access[0].where.file, d.path() + "/conf.d/a.conf");
  EXPECT_EQ(c.ntp_access[0].where.line, 2);
  // No match for a wildcard pattern is fine; a directory that is not there is not (chronyd).
  EXPECT_NO_THROW(parse("include " + d.path() + "/conf.d/*.cfg"));
  EXPECT_EQ(error_of("include " + d.path() + "/none/*.conf"),
            "test.conf:1: cannot search for files matching '" + d.path() + "/none/*.conf'");
  d.write("conf.d/c.conf", "\nbogus\n");
  try {
    load_config(main);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), d.path() + "/conf.d/c.conf:2: unknown directive 'bogus'");
  }
}

TEST(Config, IncludeOfADeviceOrDirectoryIsRefused) {
  EXPECT_EQ(error_of("include /dev/zero"),
            "test.conf:1: configuration file '/dev/zero' is not a regular file");
  EXPECT_EQ(error_of("include /tmp"), "test.conf:1: configuration file '/tmp' is not a regular file");
}

TEST(Config, OversizedIncludeIsRefused) {
  TempDir d;
  const std::string big = d.write("big.conf", std::string((16 << 20) + 10, '#'));
  EXPECT_EQ(error_of("include " + big),
            "test.conf:1: configuration file '" + big + "' is larger than 16 MiB");
}

TEST(Config, IncludeLoopIsAnError) {
  TempDir d;
  const std::string p = d.path() + "/loop.conf";
  d.write("loop.conf", "include " + p + "\n");
  try {
    load_config(p);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              p + ":1: includes nested more than 10 deep (an include loop?)");
  }
}

TEST(Config, ConfdirTakesFirstOfEachNameInNameOrder) {
  TempDir d;
  d.write("one/10-a.conf", "local stratum 2\n");
  d.write("one/30-c.conf", "allow 10.0.0.0/8\n");
  d.write("two/10-a.conf", "local stratum 7\n");  // same name as in one/: skipped
  d.write("two/20-b.conf", "local stratum 5\n");
  d.write("two/ignored.txt", "bogus\n");
  const Config c = parse("confdir " + d.path() + "/one " + d.path() + "/two " + d.path() +
                         "/missing\n");
  EXPECT_EQ(c.local.stratum, 5);  // 10-a (one), 20-b (two), 30-c (one)
  ASSERT_EQ(c.ntp_access.size(), 1u);
}

}  // namespace
}  // namespace chronon::ctl
