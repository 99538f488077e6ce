// chronond: the control process. Reads the chrony.conf-dialect configuration, creates the
// shared segment, publishes server state and policy, and starts and supervises the dataplane.
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <strings.h>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>

#include "control/cmdmon/command_channels.h"
#include "control/config/config.h"
#include "control/config_reload.h"
#include "control/dataplane_supervisor.h"
#include "control/pidfile.h"
#include "control/privilege_drop.h"
#include "control/policy_publisher.h"
#include "control/server_state_source.h"
#include "control/driftfile.h"
#include "control/leap_source.h"
#include "control/metrics/metrics_collect.h"
#include "control/metrics/metrics_server.h"
#include "control/refclock/phc_refclock.h"
#include "control/source_driver.h"
#include "control/startup.h"
#include "control/timekeeping_logs.h"
#include "control/upstream_socket.h"
#include "dataplane/inline_server.h"
#include "control/timekeeper.h"
#include "dataplane/shared/segment.h"
#include "sandbox/privileges.h"
#include "sandbox/syscall_filter.h"
#include "timestamping/clock.h"
#include "timestamping/system_clock_control.h"
#include "timestamping/virtual_clock.h"

namespace {

using namespace chronon;

constexpr const char* kDefaultConfig = "/etc/chronon/chronon.conf";
constexpr const char* kDefaultSegment = "/run/chronon/chronon.shm";

struct Options {
  std::string config = kDefaultConfig;
  std::string segment = kDefaultSegment;
  std::string dataplane_binary;
  int debug = 0;          // -d given (twice: debug logging)
  bool no_detach = false; // -n
  bool no_clock = false;  // -x
  std::string user;       // -u (overrides the `user` directive)
  int filter_level = 0;   // -F
};

void usage(FILE* out) {
  std::fprintf(out,
      "Usage: chronond [OPTION]...\n"
      "NTP server with a kernel-bypass dataplane; reads the chrony.conf dialect.\n\n"
      "  -f FILE          configuration file (default %s)\n"
      "  -d               stay in the foreground and log to stderr (-d -d: debug messages)\n"
      "  -n               stay in the foreground, log to syslog\n"
      "  -x               never adjust the system clock: compute and serve, but leave the\n"
      "                   clock to someone else (sources are followed on a virtual clock)\n"
      "  -u USER          after start-up, run as USER with only the capabilities each\n"
      "                   process needs (overrides the 'user' directive; default: stay root)\n"
      "  -F LEVEL         seccomp filter: 0 off (default), 1 allow only expected system\n"
      "                   calls, 2 block a few never expected; negative: SIGSYS, not kill\n"
      "  -S, --segment PATH   shared segment with the dataplane (default %s)\n"
      "  --dataplane PATH     dataplane binary (default: chronon-dataplane beside chronond)\n"
      "  -v, --version    print the version and exit\n"
      "  -h, --help       print this help and exit\n\n"
      "See chronond(8) and chronon.conf(5) in docs/.\n",
      kDefaultConfig, kDefaultSegment);
}

std::string sibling_binary(const char* name) {
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return name;
  self[n] = '\0';
  std::string dir(self);
  dir.resize(dir.rfind('/') + 1);
  return dir + name;
}

void setup_logging(const Options& o) {
  std::shared_ptr<spdlog::logger> logger;
  if (o.debug > 0) {
    logger = spdlog::stderr_color_mt("chronond");
  } else {
    logger = spdlog::syslog_logger_mt("chronond", "chronond", LOG_PID, LOG_DAEMON);
  }
  spdlog::set_default_logger(logger);
  spdlog::set_pattern(o.debug > 0 ? "%Y-%m-%dT%H:%M:%SZ %^%l%$ %v" : "%v", spdlog::pattern_time_type::utc);
  spdlog::set_level(o.debug > 1 ? spdlog::level::debug : spdlog::level::info);
}

// The start-up outcome travels from the daemon back to the process the operator started, so
// `chronond` without -d exits 0 only once it serves, and prints why not otherwise.
int g_ready_fd = -1;

void report_startup(const std::string& outcome) {
  if (g_ready_fd < 0) return;
  const std::string msg = outcome + "\n";
  if (write(g_ready_fd, msg.data(), msg.size()) < 0) {
    // The waiting parent is gone; nothing more to tell.
  }
  close(g_ready_fd);
  g_ready_fd = -1;
}

void daemonize() {
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  if (pid_t p = fork(); p < 0) {
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  } else if (p > 0) {
    // The parent waits for "ok" or an error from the daemon.
    close(ready[1]);
    std::string got;
    char buf[512];
    ssize_t n;
    while ((n = read(ready[0], buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
    if (got == "ok\n") _exit(0);
    if (got.empty()) got = "the daemon exited during start-up (see the system log)\n";
    std::fprintf(stderr, "chronond: %s", got.c_str());
    _exit(1);
  }
  close(ready[0]);
  g_ready_fd = ready[1];
  setsid();
  if (pid_t p = fork(); p > 0) _exit(0);
  if (chdir("/") != 0) {
    // Not fatal: the process just keeps its working directory.
  }
  const int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull >= 0) {
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    if (devnull > 2) close(devnull);
  }
}

void log_dataplane_stderr(ctl::DataplaneSupervisor& sup) {
  for (const auto& line : sup.read_stderr()) spdlog::warn("{}", line);
}

int run(const Options& o, const ctl::Config& cfg, const dp::AccessTable& access,
        const std::optional<sandbox::UserCredentials>& user) {
  for (const auto& n : cfg.not_implemented) spdlog::warn("{}", n);
  for (const auto& n : cfg.notices) spdlog::info("{}", n);

  // The directories chronond creates now belong to its user once it drops root (-u), so that
  // it can still remove its pid file and socket at exit and write its logs.
  ctl::HandOver hand_over;
  auto note_new_dirs = [&hand_over](const std::string& path) {
    for (auto& d : ctl::missing_parent_dirs(path)) hand_over.created_dirs.push_back(std::move(d));
  };
  note_new_dirs(o.segment);
  note_new_dirs(cfg.pidfile);
  note_new_dirs(cfg.cmdsocket);
  if (!cfg.logdir.empty()) note_new_dirs(cfg.logdir + "/");
  ctl::make_parent_dirs(o.segment);
  ctl::PidFile pidfile(cfg.pidfile);
  auto seg = dp::SegmentMapping::create(o.segment);
  if (!seg.replaced().empty()) {
    spdlog::warn("segment {} held {} (this chronond writes layout version {}): replaced it with a "
                 "new file; a dataplane of another version still running keeps the old one and "
                 "is not managed by this chronond: stop it",
                 o.segment, seg.replaced(), dp::kSegmentVersion);
  }
  seg->header.control_pid.store(getpid());

  // -x: everything is computed against a virtual clock over the system clock, which is only
  // read; otherwise the discipline adjusts the system clock through adjtimex.
  ts::SystemClock system_clock;
  ts::VirtualClock virtual_clock(system_clock);
  std::unique_ptr<ts::SystemClockControl> system_control;
  if (!o.no_clock) system_control = std::make_unique<ts::SystemClockControl>();
  const ts::Clock& clock = o.no_clock ? static_cast<const ts::Clock&>(virtual_clock) : system_clock;
  ts::ClockControl& clock_control =
      o.no_clock ? static_cast<ts::ClockControl&>(virtual_clock) : *system_control;
  ctl::ServerStateSource state_source(
      clock, ctl::LocalReference{cfg.local.enabled, cfg.local.stratum, cfg.local.distance},
      cfg.ratelimit.enabled ? cfg.ratelimit.interval_log2 : -128, cfg.maxclockerror_ppm);
  // The frequency to start from: the driftfile (chrony's sign: the clock's own error), else
  // what the kernel already applies, else nothing; the skew says how much to trust it.
  double initial_freq_ppm = o.no_clock ? 0.0 : clock_control.frequency_ppm();
  double initial_skew_ppm = 1000.0;
  if (!cfg.driftfile.empty()) {
    const ctl::DriftRead dr = ctl::read_driftfile(cfg.driftfile);
    if (dr.drift) {
      initial_freq_ppm = -dr.drift->freq_ppm;
      initial_skew_ppm = std::max(dr.drift->skew_ppm, 0.001);
      spdlog::info("Frequency {:.3f} +/- {:.3f} ppm read from {}", dr.drift->freq_ppm,
                   dr.drift->skew_ppm, cfg.driftfile);
    } else if (!dr.error.empty()) {
      spdlog::warn("{} (starting without a frequency estimate)", dr.error);
    }
  }
  ctl::TimeKeeper keeper(cfg, clock, clock_control, state_source, initial_freq_ppm,
                         initial_skew_ppm);
  std::string leap_error;
  ctl::LeapSource leap_source(cfg, &leap_error);
  if (!leap_error.empty()) spdlog::warn("{}", leap_error);
  if (!cfg.logdir.empty()) {
    const std::string e = ctl::create_log_dir(cfg.logdir);
    if (!e.empty()) spdlog::warn("{} (logs are tried again at every write)", e);
  }
  ctl::TimekeepingLogs tk_logs(cfg.logdir, cfg.log);
  std::vector<ctl::UpdateEvent> events;
  std::vector<std::string> log_problems;
  auto last_drift_write = std::chrono::steady_clock::now();
  auto write_drift = [&] {
    if (cfg.driftfile.empty() || keeper.discipline().updates() == 0) return;
    if (auto e = ctl::write_driftfile(cfg.driftfile, -keeper.discipline().frequency_ppm(),
                                      keeper.discipline().skew_ppm()))
      spdlog::warn("{}", *e);
  };
  std::vector<std::string> source_logs;
  ctl::SourceDriver sources(cfg, keeper, clock, &source_logs);
  // Reference clocks (PHC): sources in the same keeper, read from this loop.
  std::vector<std::unique_ptr<ctl::PhcRefclock>> refclocks;
  for (const auto& rc : cfg.refclocks) {
    if (strcasecmp(rc.driver.c_str(), "phc") != 0) continue;
    const uint32_t id = ctl::RefclockPoller::refid_of(rc);
    const std::string name{static_cast<char>(id >> 24), static_cast<char>(id >> 16 & 0xff),
                           static_cast<char>(id >> 8 & 0xff), static_cast<char>(id & 0xff)};
    keeper.add_source(ctl::refclock_source_config(rc), name.c_str(), id).set_refclock();
    refclocks.push_back(std::make_unique<ctl::PhcRefclock>(
        rc, keeper.source_count() - 1, clock.precision_log2(),
        ts::to_nanos(clock.monotonic()).count() * 1e-9));
  }
  for (const auto& l : source_logs) spdlog::warn("{}", l);
  source_logs.clear();
  // How long the dataplane serves a state without a newer one; the loop publishes at least
  // four times within it (see the poll wait below), so a healthy chronond never lets it lapse.
  const double holdover_s = cfg.holdover_s;
  auto publish_state = [&] {
    if (leap_source.active()) {
      state_source.set_table_leap(leap_source.leap_at(clock.now()));
    }
    dp::PublishedState ps{};
    ps.server = state_source.current();
    // smoothtime: the dataplane adds the offset to the timestamps it serves.
    const timespec now = clock.now();
    ps.smoothing = keeper.apply_smoothing(now, &ps.server);
    ps.published_mono_ns = ts::to_nanos(clock.monotonic()).count();
    ps.holdover_ns = static_cast<int64_t>(holdover_s * 1e9);
    seg->state.write(ps);
  };
  publish_state();
  ctl::publish_policy(*seg.get(), access, cfg.ratelimit);

  // Signals arrive through a signalfd so the loop below is the only place that acts on them.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  const int sfd = signalfd(-1, &mask, SFD_CLOEXEC);

  // The metrics endpoint is bound before the dataplane starts, so a port in use stops the
  // start with nothing to undo.
  std::unique_ptr<ctl::MetricsServer> metrics;
  if (cfg.metrics.enabled) {
    try {
      metrics = std::make_unique<ctl::MetricsServer>(cfg.metrics.address, cfg.metrics.port);
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(cfg.metrics.where.str() + ": " + e.what());
    }
  }

  // The command channels (chronyc's protocol) before the dataplane: a bad cmdgroup or an
  // unusable socket path stops the start before anything serves.
  std::vector<std::string> cmd_warnings;
  ctl::CommandChannels commands(cfg, keeper, state_source, clock, *seg.get(), &cmd_warnings);
  for (const auto& w : cmd_warnings) spdlog::warn("{}", w);
  commands.set_cyclelogs([&tk_logs] { tk_logs.reopen(); });
  // The configuration in force: chronon reload and SIGHUP replace its access rules, rate
  // limit and sources.
  ctl::Config live = cfg;
  const auto reload_config = [&live, &o, &seg, &sources]() {
    const ctl::ReloadOutcome r = ctl::reload_config(o.config, &live, *seg.get(), sources);
    for (const auto& n : r.notes) spdlog::warn("reload: {}", n);
    if (r.ok) {
      spdlog::info("reload: {} re-read; {}", o.config, r.summary);
    } else {
      spdlog::error("reload: {}; the configuration in force is unchanged", r.summary);
    }
    return r.ok;
  };
  commands.set_reload_config(reload_config);
  commands.set_reload_sources([&live, &sources](std::string* summary) -> std::string {
    std::vector<std::string> notes;
    try {
      const auto fresh = ctl::read_sourcedirs(live.sourcedirs, &notes);
      *summary = sources.reload(fresh);
    } catch (const ctl::ConfigError& e) {
      return e.what();
    }
    for (const auto& n : notes) spdlog::warn("{}", n);
    return "";
  });
  spdlog::info("{}", commands.describe());

  // The dataplane: a supervised process, this process's own loop (inline), or nothing.
  using Kind = ctl::DataplaneConfig::Kind;
  std::unique_ptr<ctl::DataplaneSupervisor> sup;
  std::unique_ptr<dp::InlineServer> inline_server;
  if (cfg.dataplane.kind == Kind::kInline) {
    inline_server = std::make_unique<dp::InlineServer>(
        static_cast<uint16_t>(cfg.port), cfg.bindaddress, cfg.clientloglimit, seg.get());
  } else if (cfg.dataplane.kind == Kind::kNone) {
    seg->header.dataplane_pid.store(0);
  } else {
    const auto argv = ctl::dataplane_argv(o.dataplane_binary, o.segment, cfg,
                                          user ? user->name : "", o.filter_level);
    sup = std::make_unique<ctl::DataplaneSupervisor>(argv, ctl::fnv1a(argv), seg.get());
    // A dataplane left with other settings is stopped while still root (it may be root's).
    const std::string retired = sup->adopt_or_retire();
    if (!retired.empty()) spdlog::info("{}", retired);
  }
  // Everything is open, bound and created: give up root (-u), then load the filter (-F),
  // before the dataplane starts, so that it starts exactly as it will after a restart.
  if (user) {
    const auto plan = sandbox::plan_capabilities(ctl::privilege_needs(cfg, o.no_clock));
    hand_over.segment = o.segment;
    hand_over.command_socket = cfg.cmdsocket;
    for (const auto& w : ctl::drop_privileges(*user, plan, hand_over, cfg)) spdlog::warn("{}", w);
    if (sup) sup->set_ambient_capabilities(plan.dataplane_start.mask());
    spdlog::info("running as {} with capabilities {}{}", sandbox::describe(*user),
                 plan.control.names(),
                 sup ? " (for the dataplane: " + plan.dataplane_start.names() + ")" : "");
  }
  if (o.filter_level != 0) {
    sandbox::apply_syscall_filter(o.filter_level,
                                  {sandbox::FilteredProcess::kControl, ctl::dataplane_kind(cfg)});
    spdlog::info("seccomp filter level {} loaded", o.filter_level);
  }
  if (sup) {
    spdlog::info("{}", sup->start());
    if (!sup->adopted() && !ctl::wait_dataplane_ready(*seg.get(), *sup)) {
      sup->stop();
      std::string why;
      for (const auto& line : sup->read_stderr()) why += (why.empty() ? "" : "; ") + line;
      throw std::runtime_error("the dataplane did not start" + (why.empty() ? "" : ": " + why));
    }
    log_dataplane_stderr(*sup);
  }
  spdlog::info("chronond {} serving NTP on {}; {}", PROJECT_VERSION,
               ctl::where_served(cfg), ctl::starting_reference(cfg));
  if (cfg.dataplane.kind == ctl::DataplaneConfig::Kind::kAfxdp) {
    spdlog::info("query it from a host on {}'s network (loopback is not served by afxdp): "
                 "ntpdig ADDRESS-OF-{}", cfg.dataplane.iface, cfg.dataplane.iface);
  } else if (cfg.dataplane.kind == ctl::DataplaneConfig::Kind::kDpdk) {
    spdlog::info("give TAP {} the server's addresses (ip addr add ADDRESS dev {}); query it "
                 "from a host on port {}'s network", cfg.dataplane.tap, cfg.dataplane.tap,
                 cfg.dataplane.iface);
  } else if (cfg.dataplane.kind != Kind::kNone) {
    spdlog::info("query it with: ntpdig 127.0.0.1   or   chronyd -Q -t 5 'server 127.0.0.1 iburst'");
  }
  if (metrics) spdlog::info("metrics (OpenMetrics) on http://{}/metrics", metrics->endpoint());
  const ctl::MetricsRenderer render_metrics = [&](ctl::MetricsFormat f) {
    return ctl::render_metrics(ctl::collect_metrics(commands.reports(), *seg.get(),
                                                    commands.cmd_hits(), commands.cmd_drops()),
                               f);
  };
  report_startup("ok");
  keeper.set_own_refids(ctl::local_address_refids());
  bool peers_on = false;

  bool stop = false;
  std::vector<pollfd> fds;
  while (!stop) {
    // poll() skips negative descriptors: no exit fd while restarting, no stderr when adopted.
    fds.assign({{sfd, POLLIN, 0}, {sup ? sup->exit_fd() : -1, POLLIN, 0},
                {sup ? sup->stderr_fd() : -1, POLLIN, 0}});
    if (inline_server) inline_server->append_fds(&fds);
    commands.append_fds(&fds);
    int max_wait_ms = inline_server ? 100 : 1000;
    if (metrics) max_wait_ms = metrics->prepare(&fds, max_wait_ms, std::chrono::steady_clock::now());
    const size_t sources_first = fds.size();
    int wait_ms = sources.prepare(&fds, max_wait_ms);
    wait_ms = std::min(wait_ms, static_cast<int>(holdover_s * 1000 / 4));
    const double loop_mono = ts::to_nanos(clock.monotonic()).count() * 1e-9;
    for (const auto& r : refclocks) {
      wait_ms = std::min(wait_ms, static_cast<int>(std::max(0.0, r->next_due_mono_s() - loop_mono) * 1000) + 1);
    }
    const int n = poll(fds.data(), fds.size(), wait_ms);
    if (n < 0 && errno != EINTR) throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    if (n > 0 && (fds[0].revents & POLLIN)) {
      signalfd_siginfo si{};
      if (read(sfd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGHUP) {
          // As chronyd's cyclelogs (log files reopened after logrotate moved them), and as
          // chronon reload.
          tk_logs.reopen();
          spdlog::info("SIGHUP: log files reopened");
          reload_config();
        } else {
          spdlog::info("signal {} received, shutting down", si.ssi_signo);
          stop = true;
        }
      }
    }
    if (sup && n > 0 && (fds[2].revents & (POLLIN | POLLHUP))) log_dataplane_stderr(*sup);
    if (sup && n > 0 && (fds[1].revents & POLLIN)) {
      log_dataplane_stderr(*sup);
      // The new dataplane checks that the NTP port is free: peers' sockets step aside.
      sources.set_peers_enabled(false);
      peers_on = false;
      spdlog::warn("{}", sup->on_exit());
    }
    if (!peers_on && (!sup || seg->header.dataplane_pid.load() == sup->pid())) {
      sources.set_peers_enabled(true);
      peers_on = true;
    }
    if (inline_server && n >= 0) inline_server->service(fds, 3);
    if (n >= 0) sources.service(fds, sources_first, &source_logs, &events);
    if (n > 0) commands.service(fds, sources.unresolved());
    if (metrics && n >= 0) metrics->service(fds, std::chrono::steady_clock::now(), render_metrics);
    for (const auto& r : refclocks) {
      r->service(ts::to_nanos(clock.monotonic()).count() * 1e-9, clock, leap_source, keeper,
                 &events, &source_logs);
    }
    for (const auto& l : source_logs) spdlog::info("{}", l);
    source_logs.clear();
    for (const auto& ev : events) tk_logs.on_event(keeper, ev, clock.now(), &log_problems);
    events.clear();
    for (const auto& l : log_problems) spdlog::warn("{}", l);
    log_problems.clear();
    publish_state();
    // leapsecmode system: the kernel inserts/deletes the second the reference announces
    // (not what is served: that is 3 during the leap, and 0 while smoothtime smears it).
    const std::string armed = leap_source.arm_kernel(clock_control, state_source.announced_leap());
    if (!armed.empty()) spdlog::info("{}", armed);
    // chronyd rewrites the driftfile about once an hour.
    if (std::chrono::steady_clock::now() - last_drift_write > std::chrono::hours(1)) {
      write_drift();
      last_drift_write = std::chrono::steady_clock::now();
    }
  }
  write_drift();
  if (sup) sup->stop();
  close(sfd);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  static const option long_opts[] = {{"help", no_argument, nullptr, 'h'},
                                     {"version", no_argument, nullptr, 'v'},
                                     {"segment", required_argument, nullptr, 'S'},
                                     {"dataplane", required_argument, nullptr, 'D'},
                                     {nullptr, 0, nullptr, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "f:dnxu:F:S:vh", long_opts, nullptr)) != -1) {
    switch (c) {
      case 'f': o.config = optarg; break;
      case 'd': ++o.debug; break;
      case 'n': o.no_detach = true; break;
      case 'x': o.no_clock = true; break;
      case 'u': o.user = optarg; break;
      case 'F': {
        const auto level = chronon::sandbox::parse_filter_level(optarg);
        if (!level) {
          std::fprintf(stderr, "chronond: invalid -F level '%s' (-2 to 2)\n", optarg);
          return 2;
        }
        o.filter_level = *level;
        break;
      }
      case 'S': o.segment = optarg; break;
      case 'D': o.dataplane_binary = optarg; break;
      case 'v': std::printf("chronond (chronon) %s\n", PROJECT_VERSION); return 0;
      case 'h': usage(stdout); return 0;
      default: usage(stderr); return 2;
    }
  }
  if (optind < argc) {
    // chronyd takes configuration lines as arguments; chronond does not (yet): say so.
    std::fprintf(stderr, "chronond: unexpected argument '%s' (see --help)\n", argv[optind]);
    return 2;
  }
  if (o.dataplane_binary.empty()) o.dataplane_binary = sibling_binary("chronon-dataplane");
  // A reload reads the file again after daemonize() has moved to /: keep its absolute path.
  if (!o.config.empty() && o.config.front() != '/') {
    if (char* abs = realpath(o.config.c_str(), nullptr)) {
      o.config = abs;
      free(abs);
    }
  }
  // A start-up report to a parent that has gone away must not kill the daemon.
  signal(SIGPIPE, SIG_IGN);
  try {
    // Configuration errors go to stderr before detaching, so a failed start is visible.
    const chronon::ctl::Config cfg = chronon::ctl::load_config(o.config);
    const auto access = chronon::ctl::check_startable(cfg);
    // -u overrides `user`; root (or any uid 0) means no switch, as chronyd.
    std::optional<chronon::sandbox::UserCredentials> user;
    const std::string user_name = o.user.empty() ? cfg.user : o.user;
    if (!user_name.empty()) {
      auto found = chronon::sandbox::lookup_user(user_name);
      if (found.uid != 0) user = std::move(found);
    }
    const std::string refused =
        chronon::sandbox::filter_refusal(o.filter_level, chronon::ctl::dataplane_kind(cfg));
    if (!refused.empty()) throw std::runtime_error(refused);
    if (o.debug == 0 && !o.no_detach) daemonize();
    setup_logging(o);
    try {
      return run(o, cfg, *access, user);
    } catch (const std::exception& e) {
      spdlog::critical("{}", e.what());
      report_startup(e.what());
      // -n logs to syslog but keeps the terminal: say it there too.
      if (o.debug == 0 && o.no_detach) std::fprintf(stderr, "chronond: %s\n", e.what());
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chronond: %s\n", e.what());
    return 1;
  }
}
