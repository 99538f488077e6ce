// server/peer/pool, refclock and hwtimestamp: the directives that carry chrony's option lists.
#include "control/config/directive_context.h"

namespace chronon::ctl::config_detail {

void parse_source(DirectiveContext& c) {
  c.expect_args(1, 64);
  SourceConfig s;
  s.type = c.directive == "peer"   ? SourceConfig::Type::kPeer
           : c.directive == "pool" ? SourceConfig::Type::kPool
                                   : SourceConfig::Type::kServer;
  s.address = c.args[0];
  s.where = c.where;
  s.line = c.directive;
  for (const auto& a : c.args) s.line += " " + a;
  std::string extfield;
  // Polling intervals as chrony bounds them (log2 seconds); version as RFC 5905 allows.
  const auto seen = parse_options(c, 1, {
      {"auto_offline", &s.auto_offline}, {"burst", &s.burst}, {"copy", &s.copy},
      {"iburst", &s.iburst}, {"noselect", &s.noselect}, {"nts", &s.nts},
      {"offline", &s.offline}, {"prefer", &s.prefer}, {"require", &s.require},
      {"trust", &s.trust}, {"xleave", &s.xleave},
      {"asymmetry", &s.asymmetry}, {"certset", &s.certset, 0, 65535},
      {"extfield", &extfield}, {"filter", &s.filter, 0, 1024},
      {"key", &s.key, 0, INT_MAX}, {"maxdelay", &s.maxdelay},
      {"maxdelaydevratio", &s.maxdelaydevratio}, {"maxdelayquant", &s.maxdelayquant},
      {"maxdelayratio", &s.maxdelayratio}, {"maxpoll", &s.maxpoll, -32, 32}, {"maxsamples", &s.maxsamples, 0, 65536},
      {"maxsources", &s.maxsources, 1, 16}, {"mindelay", &s.mindelay},
      {"minpoll", &s.minpoll, -32, 32}, {"minsamples", &s.minsamples, 0, 65536},
      {"minstratum", &s.minstratum, 0, 15}, {"ntsport", &s.ntsport, 1, 65535},
      {"offset", &s.offset}, {"polltarget", &s.polltarget, 6, 60},
      {"port", &s.port, 1, 65535}, {"presend", &s.presend, -6, 24},
      {"version", &s.version, 1, 4},
  });
  // chronyd clamps polling intervals to -6..24 (log2 s); so does chronon, with a notice.
  for (int* poll : {&s.minpoll, &s.maxpoll}) {
    if (*poll >= -6 && *poll <= 24) continue;
    const int was = *poll;
    *poll = *poll < -6 ? -6 : 24;
    c.cfg.notices.push_back(c.where.str() + ": " + (poll == &s.minpoll ? "minpoll " : "maxpoll ") +
                            std::to_string(was) + " is outside -6..24; using " +
                            std::to_string(*poll) + " (as chronyd)");
  }
  for (const auto& opt : seen) {
    if (opt.rfind("extfield ", 0) == 0) s.extfields.push_back(opt.substr(9));
  }
  for (const auto& f : s.extfields) {
    if (lower(f) != "f323") c.fail("unknown extension field '" + f + "' (chrony knows F323)");
  }
  if (s.maxdelay <= 0.0) c.fail("maxdelay must be positive");
  // Options chronon reads but does not act on yet: said at start-up, never silently ignored.
  static const char* const kNotYet[] = {"auto_offline", "copy", "nts",
                                        "asymmetry", "certset", "extfield", "filter", "key",
                                        "maxdelaydevratio", "maxdelayquant", "mindelay",
                                        "minstratum", "ntsport", "presend"};
  for (const auto& opt : seen) {
    const std::string name = opt.substr(0, opt.find(' '));
    for (const char* n : kNotYet) {
      if (name == n) {
        c.cfg.not_implemented.push_back(c.where.str() + ": '" + c.directive + "' option '" +
                                        name + "' accepted, not implemented yet");
      }
    }
  }
  c.cfg.sources.push_back(std::move(s));
}

void parse_refclock(DirectiveContext& c) {
  c.expect_args(2, 64);
  RefclockConfig r;
  r.driver = c.args[0];
  r.parameter = c.args[1];
  r.where = c.where;
  const std::string d = lower(r.driver);
  if (d != "pps" && d != "shm" && d != "sock" && d != "phc" && d != "rtc") {
    c.fail("unknown refclock driver '" + r.driver + "' (PPS, SHM, SOCK, PHC or RTC)");
  }
  int i = 0;
  double x = 0;
  std::string word;
  r.options = parse_options(c, 2, {
      {"delay", &r.delay_s}, {"dpoll", &r.dpoll, -6, 24}, {"filter", &r.filter, 1, 1024},
      {"lock", &word}, {"local", &r.local}, {"maxdispersion", &r.maxdispersion_s},
      {"maxlockage", &i, 0, 1 << 20}, {"maxsamples", &i, 0, 65536},
      {"minsamples", &i, 0, 65536}, {"noselect", &r.noselect}, {"offset", &r.offset_s},
      {"poll", &r.poll, -6, 24}, {"pps", &r.pps}, {"precision", &r.precision_s},
      {"prefer", &r.prefer}, {"rate", &i, 1, 1 << 20}, {"refid", &r.refid},
      {"require", &r.require}, {"stratum", &r.stratum, 0, 15}, {"tai", &r.tai},
      {"trust", &r.trust}, {"width", &x},
  });
  if (r.refid.size() > 4) c.fail("refid '" + r.refid + "' of 'refclock' is longer than 4 characters");
  if (r.delay_s <= 0) c.fail("delay of 'refclock' must be positive");
  // chronon reads PHC reference clocks; the other drivers are parsed for chrony's sake only.
  if (d != "phc") {
    c.cfg.not_implemented.push_back(c.where.str() + ": 'refclock " + r.driver +
                                    "' accepted, not implemented yet (only PHC is)");
  }
  static const char* const kNotYet[] = {"lock", "local", "maxlockage", "maxsamples",
                                        "minsamples", "pps", "rate", "width", "maxdispersion"};
  for (const auto& opt : r.options) {
    const std::string name = opt.substr(0, opt.find(' '));
    for (const char* n : kNotYet) {
      if (d == "phc" && name == n) {
        c.cfg.not_implemented.push_back(c.where.str() + ": 'refclock' option '" + name +
                                        "' accepted, not implemented yet");
      }
    }
  }
  c.cfg.refclocks.push_back(std::move(r));
}

void parse_hwtimestamp(DirectiveContext& c) {
  c.expect_args(1, 32);
  HwTimestampConfig h;
  h.iface = c.args[0];
  h.where = c.where;
  parse_options(c, 1, {
      {"maxpoll", &h.maxpoll, -6, 24}, {"maxsamples", &h.maxsamples, 1, 65536},
      {"minpoll", &h.minpoll, -6, 24}, {"minsamples", &h.minsamples, 1, 65536},
      {"nocrossts", &h.nocrossts}, {"precision", &h.precision_s}, {"rxcomp", &h.rxcomp_s},
      {"rxfilter", &h.rxfilter, 0, 0, {"all", "ntp", "ptp", "none"}},
      {"txcomp", &h.txcomp_s},
  });
  if (h.minsamples > h.maxsamples) c.fail("minsamples of 'hwtimestamp' is larger than maxsamples");
  if (h.iface.find(',') != std::string::npos) c.fail("invalid interface name '" + h.iface + "'");
  c.cfg.hwtimestamps.push_back(std::move(h));
}

}  // namespace chronon::ctl::config_detail
