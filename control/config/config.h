// The typed configuration chronond runs from, read from the chrony.conf dialect (chrony 4.3's
// directives plus chronon's own `dataplane` and `metrics`). Bad input throws ConfigError
// "FILE:LINE: problem".
#pragma once

#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/shared/ip_address.h"

namespace chronon::ctl {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SourceLocation {
  std::string file;
  int line = 0;
  std::string str() const { return file + ":" + std::to_string(line); }
};

// server / peer / pool with chrony's options (man chrony.conf, "server").
struct SourceConfig {
  enum class Type { kServer, kPeer, kPool };
  Type type = Type::kServer;
  std::string address;
  int minpoll = 6, maxpoll = 10;
  int port = 123;
  int version = 0;  // 0: chrony's default (4)
  int key = 0;
  int minstratum = 0, polltarget = 8, presend = 0, maxsources = 4;
  int minsamples = -1, maxsamples = -1, filter = 0, certset = 0, ntsport = 4460;
  double maxdelay = 3.0, maxdelayratio = 0.0, maxdelaydevratio = 10.0, mindelay = 0.0;
  double maxdelayquant = 0.0;
  double asymmetry = 1.0, offset = 0.0;
  bool iburst = false, burst = false, prefer = false, noselect = false, trust = false;
  bool require = false, xleave = false, offline = false, auto_offline = false, nts = false;
  bool copy = false;
  std::vector<std::string> extfields;
  SourceLocation where;
  std::string line;             // the directive and its words as given, single-spaced
  bool from_sourcedir = false;  // read from a sourcedir file (replaced by `reload sources`)
};

// allow / deny / cmdallow / cmddeny. No subnet means every IPv4 and IPv6 address.
struct AccessRule {
  bool allow = true;
  bool all = false;  // "allow all": also clears earlier, more specific rules under it
  std::optional<dp::IpPrefix> subnet;
  SourceLocation where;
};

struct LocalConfig {
  bool enabled = false;
  int stratum = 10;
  bool orphan = false;
  double distance = 1.0;
  SourceLocation where;
};

// ratelimit / cmdratelimit / ntsratelimit; `kod` is chronon's extension (0 = never).
struct RateLimitConfig {
  bool enabled = false;
  int interval_log2 = 3;
  int burst = 8;
  int leak = 2;
  int kod = 0;
  SourceLocation where;
};

struct MakeStepConfig {
  bool enabled = false;
  double threshold_s = 0.0;
  int limit = 0;  // negative: no limit
};

struct MaxChangeConfig {
  bool enabled = false;
  double offset_s = 0.0;
  int start = 0, ignore = 0;
};

struct HwTimestampConfig {
  std::string iface;  // "*" = every interface that supports it
  int minpoll = 0, maxpoll = 1;
  int minsamples = 2, maxsamples = 16;
  double precision_s = 100e-9, rxcomp_s = 0.0, txcomp_s = 0.0;
  bool nocrossts = false;
  std::string rxfilter;  // empty: chrony's default (all packets if the NIC can, else NTP)
  SourceLocation where;
};

// refclock DRIVER PARAMETER [options] (man chrony.conf, "refclock"); defaults as chrony's.
struct RefclockConfig {
  std::string driver, parameter;
  std::vector<std::string> options;  // validated "name [value]" words, in order
  int poll = 4, dpoll = 0;           // log2 s: filtered samples used / raw samples taken
  int filter = 0;                    // raw samples per filtered one (0: chrony's default)
  double offset_s = 0, delay_s = 1e-9, precision_s = 0, maxdispersion_s = 0;
  std::string refid;                 // up to 4 characters; default driver + index (PHC0)
  int stratum = 0;
  bool prefer = false, noselect = false, trust = false, require = false, tai = false;
  bool local = false, pps = false;
  SourceLocation where;
};

struct DataplaneConfig {
  // kInline: the socket backend in chronond's own loop (one process, no threads);
  // kNone: serve nothing (a client only).
  enum class Kind { kSocket, kAfxdp, kDpdk, kInline, kNone };
  Kind kind = Kind::kSocket;
  int threads = 0;          // socket: worker threads; 0 = one per core
  std::string iface;        // afxdp: interface; dpdk: port (PCI address or vdev)
  int queues = 0;           // 0 = all the interface has
  bool zerocopy = false, copy = false;
  std::string xdp_mode;     // "native", "generic" or empty (try native)
  std::vector<int> cpus;    // afxdp: the worker of RX queue i runs on cpus[i % size]; empty: unpinned
  std::string lcores;       // dpdk
  std::string eal_args;     // dpdk
  std::string tap = "chronon0";  // dpdk: the kernel's TAP interface (exception path)
  SourceLocation where;
};

// metrics ADDRESS:PORT (chronon's own): the OpenMetrics/Prometheus endpoint, HTTP GET
// /metrics on a TCP socket. Off unless configured.
struct MetricsConfig {
  bool enabled = false;
  std::string address;  // numeric IPv4 or IPv6, without brackets
  int port = 0;
  SourceLocation where;
  // "127.0.0.1:9123" or "[::1]:9123", as written in the configuration.
  std::string endpoint() const {
    return (address.find(':') != std::string::npos ? "[" + address + "]" : address) + ":" +
           std::to_string(port);
  }
};

struct Config {
  std::vector<SourceConfig> sources;
  std::vector<RefclockConfig> refclocks;
  std::vector<HwTimestampConfig> hwtimestamps;
  std::vector<AccessRule> ntp_access, cmd_access;
  LocalConfig local;
  RateLimitConfig ratelimit;
  RateLimitConfig cmdratelimit{false, -4, 8, 2, 0, {}};
  RateLimitConfig ntsratelimit{false, 6, 8, 2, 0, {}};
  MakeStepConfig makestep;
  MaxChangeConfig maxchange;
  DataplaneConfig dataplane;
  MetricsConfig metrics;
  int port = 123, cmdport = 323;
  std::vector<std::string> bindaddress;     // at most one IPv4 and one IPv6
  std::vector<std::string> bindcmdaddress;  // UDP command port: at most one IPv4, one IPv6
  std::string cmdsocket = "/run/chronon/chronond.sock";  // the last path bindcmdaddress gave
  std::string cmdgroup;  // chronon: group of the command socket, may change state
  bool noclientlog = false;
  uint64_t clientloglimit = 524288;  // bytes
  // chronon: how long the dataplane serves the last published state after chronond stops
  // publishing (killed, hung), before it answers as unsynchronised.
  double holdover_s = 3600;
  double stratumweight = 0.001, logchange_s = 1.0, maxupdateskew_ppm = 1000.0;
  double maxdistance_s = 3.0, maxjitter_s = 1.0, maxdrift_ppm = 500000.0;
  double maxclockerror_ppm = 1.0, maxslewrate_ppm = 83333.333, reselectdist_s = 1e-4;
  double combinelimit = 3.0, corrtimeratio = 3.0, clockprecision_s = 0.0;
  int minsources = 1, minsamples = 6, maxsamples = 0;
  bool rtcsync = false, rtconutc = false, lock_all = false, manual = false;
  std::string driftfile, logdir, leapsectz, leapseclist, keyfile, dumpdir, rtcfile;
  std::string leapsecmode = "system", authselectmode = "mix", user;
  // smoothtime MAX-FREQ MAX-WANDER [leaponly] (chrony's smooth.c): off unless both are > 0.
  struct Smoothtime {
    bool enabled = false;
    double max_freq_ppm = 0;
    double max_wander_ppm_per_s = 0;
    bool leap_only = false;
  } smoothtime;
  std::string pidfile = "/run/chronon/chronond.pid";
  std::set<std::string> log;  // measurements, statistics, tracking, rtc, refclocks, tempcomp...
  std::vector<std::string> sourcedirs;
  // Directives chronon reads but does not act on yet: one line each, for a start-up warning.
  std::vector<std::string> not_implemented;
  // Other things the operator should know (e.g. noclientlog with ratelimit).
  std::vector<std::string> notices;
};

// Reads `path` (and what it includes). Throws ConfigError.
Config load_config(const std::string& path);

// Parses configuration text as if it were the file `name` (tests, fuzzing). `include` and
// `confdir` still read the file system.
Config parse_config_text(std::string_view text, const std::string& name);

// The sources of chrony's `sourcedir` directories: every *.sources file (by file name; a name
// seen in an earlier directory is skipped), which may hold only server, pool and peer lines.
// Read at start-up and by `reload sources`. Throws ConfigError naming FILE:LINE and the
// problem; a directory that cannot be read is a line in `notes` (as chronyd, not fatal).
std::vector<SourceConfig> read_sourcedirs(const std::vector<std::string>& dirs,
                                          std::vector<std::string>* notes);

// Every directive name chronon accepts, sorted.
std::vector<std::string> known_directives();

}  // namespace chronon::ctl
