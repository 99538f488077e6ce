// Every directive chronon accepts (chrony 4.3's plus `dataplane` and `metrics`), with its
// handler and whether chronon acts on it yet. Directives with a single plain value are handled here.
#include <algorithm>

#include "control/config/directive_context.h"

namespace chronon::ctl::config_detail {

namespace {

template <std::string Config::*F>
void set_string(DirectiveContext& c) {
  c.expect_args(1);
  c.cfg.*F = c.args[0];
}

template <double Config::*F>
void set_double(DirectiveContext& c) {
  c.expect_args(1);
  c.cfg.*F = c.to_double(c.args[0], "value");
}

template <int Config::*F, int Lo, int Hi>
void set_int(DirectiveContext& c) {
  c.expect_args(1);
  c.cfg.*F = c.to_int(c.args[0], "value", Lo, Hi);
}

template <bool Config::*F>
void set_flag(DirectiveContext& c) {
  c.expect_args(0);
  c.cfg.*F = true;
}

// Directives chronon validates but keeps no value for until it implements them.
void any_int(DirectiveContext& c) {
  c.expect_args(1);
  c.to_int(c.args[0], "value");
}
void any_double(DirectiveContext& c) {
  c.expect_args(1);
  c.to_double(c.args[0], "value");
}
void any_string(DirectiveContext& c) { c.expect_args(1); }
void any_args(DirectiveContext&) {}
void no_args(DirectiveContext& c) { c.expect_args(0); }

std::string choice(DirectiveContext& c, std::initializer_list<const char*> choices) {
  c.expect_args(1);
  const std::string v = lower(c.args[0]);
  std::string list;
  for (const char* ch : choices) {
    if (v == ch) return v;
    list += (list.empty() ? "" : ", ") + std::string(ch);
  }
  c.fail("invalid value '" + c.args[0] + "' for '" + c.directive + "' (one of: " + list + ")");
}

void authselectmode(DirectiveContext& c) {
  c.cfg.authselectmode = choice(c, {"require", "prefer", "mix", "ignore"});
}
void leapsecmode(DirectiveContext& c) {
  c.cfg.leapsecmode = choice(c, {"system", "slew", "step", "ignore"});
}

dp::IpAddress parse_address(DirectiveContext& c) {
  c.expect_args(1);
  const auto ip = dp::parse_ip(c.args[0]);
  if (!ip) c.fail("invalid address '" + c.args[0] + "' for '" + c.directive + "'");
  return *ip;
}

void address(DirectiveContext& c) { parse_address(c); }

// One IPv4 and one IPv6 address in `list`; a later one of the same family replaces the
// earlier (chrony).
void one_address_per_family(DirectiveContext& c, std::vector<std::string>& list) {
  const bool v4 = parse_address(c).is_v4();
  const bool v6_text = c.args[0].find(':') != std::string::npos;
  if (v4 && v6_text) {
    c.fail("IPv4-mapped address '" + c.args[0] + "' for '" + c.directive +
           "': write the IPv4 address");
  }
  // Stored addresses passed this check, so the text tells the family.
  std::erase_if(list, [&](const std::string& s) {
    return s.front() != '/' && (s.find(':') == std::string::npos) == v4;
  });
  list.push_back(c.args[0]);
}

void bindaddress(DirectiveContext& c) { one_address_per_family(c, c.cfg.bindaddress); }

// A path is the command socket (every command, for root and the socket's group); an address
// is where the UDP command port listens (cmdport; chronyd's open commands only).
void bindcmdaddress(DirectiveContext& c) {
  c.expect_args(1);
  if (c.args[0].front() == '/') {
    c.cfg.cmdsocket = c.args[0];
    return;
  }
  one_address_per_family(c, c.cfg.bindcmdaddress);
}

void port(DirectiveContext& c) {
  c.expect_args(1);
  c.cfg.port = c.to_int(c.args[0], "port");
  if (c.cfg.port < 0 || c.cfg.port > 65535) c.fail("port " + c.args[0] + " is out of range (1 to 65535)");
  if (c.cfg.port == 0) {
    c.fail("port 0 turns the NTP server off in chronyd; chronon is a server and needs a port "
           "(1 to 65535)");
  }
}

void clientloglimit(DirectiveContext& c) {
  c.expect_args(1);
  const uint64_t v = c.to_u64(c.args[0], "size in bytes");
  if (v == 0 || v > (uint64_t{1} << 36)) {
    c.fail("clientloglimit " + c.args[0] + " is out of range (1 byte to 64 GiB)");
  }
  c.cfg.clientloglimit = v;
}

void holdover(DirectiveContext& c) {
  c.expect_args(1);
  const double v = c.to_double(c.args[0], "seconds");
  if (v < 1 || v > 7 * 86400) c.fail("holdover " + c.args[0] + " is out of range (1 s to 7 days)");
  c.cfg.holdover_s = v;
}

void broadcast(DirectiveContext& c) {
  c.expect_args(2, 3);
  c.to_int(c.args[0], "interval", 1, 1 << 20);
  if (!dp::parse_ip(c.args[1])) c.fail("invalid address '" + c.args[1] + "' for 'broadcast'");
  if (c.args.size() == 3) c.to_int(c.args[2], "port", 1, 65535);
}

void fallbackdrift(DirectiveContext& c) {
  c.expect_args(2);
  c.to_int(c.args[0], "minimum interval");
  c.to_int(c.args[1], "maximum interval");
}

void initstepslew(DirectiveContext& c) {
  c.expect_args(2, 64);
  c.to_double(c.args[0], "threshold");
}

void log(DirectiveContext& c) {
  c.expect_args(1, 16);
  for (const auto& a : c.args) {
    const std::string v = lower(a);
    if (v != "measurements" && v != "statistics" && v != "tracking" && v != "rtc" &&
        v != "refclocks" && v != "tempcomp" && v != "rawmeasurements" && v != "selection") {
      c.fail("unknown log '" + a +
             "' (measurements, statistics, tracking, rtc, refclocks, tempcomp, "
             "rawmeasurements, selection)");
    }
    c.cfg.log.insert(v);
  }
}

void mailonchange(DirectiveContext& c) {
  c.expect_args(2);
  c.to_double(c.args[1], "threshold");
}

void makestep(DirectiveContext& c) {
  c.expect_args(2);
  c.cfg.makestep = MakeStepConfig{true, c.to_double(c.args[0], "threshold"),
                                  c.to_int(c.args[1], "limit")};
  if (c.cfg.makestep.threshold_s < 0.0) c.fail("makestep threshold must not be negative");
}

void maxchange(DirectiveContext& c) {
  c.expect_args(3);
  c.cfg.maxchange = MaxChangeConfig{true, c.to_double(c.args[0], "offset"),
                                    c.to_int(c.args[1], "start"), c.to_int(c.args[2], "ignore")};
}

void ntstrustedcerts(DirectiveContext& c) {
  c.expect_args(1, 2);
  if (c.args.size() == 2) c.to_int(c.args[0], "set id", 0, 65535);
}

// chronyd turns smoothing off when either limit is 0 (or less); chronon takes 0 as "off" too
// but rejects a negative limit, which is always a typo.
void smoothtime(DirectiveContext& c) {
  c.expect_args(2, 3);
  const double freq = c.to_double(c.args[0], "maximum frequency");
  const double wander = c.to_double(c.args[1], "maximum wander");
  if (freq < 0) c.fail("smoothtime maximum frequency " + c.args[0] + " must not be negative");
  if (wander < 0) c.fail("smoothtime maximum wander " + c.args[1] + " must not be negative");
  if (freq > 1e6) c.fail("smoothtime maximum frequency " + c.args[0] + " is over 1000000 ppm");
  if (c.args.size() == 3 && lower(c.args[2]) != "leaponly") {
    c.fail("unknown option '" + c.args[2] + "' for 'smoothtime' (leaponly)");
  }
  c.cfg.smoothtime = Config::Smoothtime{freq > 0 && wander > 0, freq, wander, c.args.size() == 3};
}

void sourcedir(DirectiveContext& c) {
  c.expect_args(1);
  c.cfg.sourcedirs.push_back(c.args[0]);
}

void tempcomp(DirectiveContext& c) {
  if (c.args.size() != 3 && c.args.size() != 6) {
    c.fail("'tempcomp' takes FILE INTERVAL POINTFILE or FILE INTERVAL T0 K0 K1 K2");
  }
  c.to_double(c.args[1], "interval");
  if (c.args.size() == 6) {
    for (size_t i = 2; i < 6; ++i) c.to_double(c.args[i], "coefficient");
  }
}

using S = DirectiveStatus;
constexpr S kDone = S::kImplemented;
constexpr S kLater = S::kNotImplemented;

}  // namespace

const std::vector<DirectiveSpec>& directive_table() {
  static const std::vector<DirectiveSpec> table = [] {
    std::vector<DirectiveSpec> t = {
        {"acquisitionport", any_int, kLater},
        {"allow", parse_access, kDone},
        {"authselectmode", authselectmode, kLater},
        {"bindacqaddress", address, kLater},
        {"bindacqdevice", any_string, kLater},
        {"bindaddress", bindaddress, kDone},
        {"bindcmdaddress", bindcmdaddress, kDone},
        {"bindcmddevice", any_string, kLater},
        {"binddevice", any_string, kLater},
        {"broadcast", broadcast, kLater},
        {"clientloglimit", clientloglimit, kDone},
        {"clockprecision", set_double<&Config::clockprecision_s>, kLater},
        {"cmdallow", parse_access, kDone},
        {"cmddeny", parse_access, kDone},
        {"cmdgroup", set_string<&Config::cmdgroup>, kDone},  // chronon: the socket's group
        {"cmdport", set_int<&Config::cmdport, 0, 65535>, kDone},
        {"cmdratelimit", parse_ratelimit, kDone},
        {"combinelimit", set_double<&Config::combinelimit>, kDone},
        {"commandkey", any_args, S::kObsolete},
        {"confdir", parse_confdir, kDone},
        {"corrtimeratio", set_double<&Config::corrtimeratio>, kDone},
        {"dataplane", parse_dataplane, kDone},
        {"deny", parse_access, kDone},
        {"driftfile", set_string<&Config::driftfile>, kDone},
        {"dscp", any_int, kLater},
        {"dumpdir", set_string<&Config::dumpdir>, kLater},
        {"dumponexit", any_args, S::kObsolete},
        {"fallbackdrift", fallbackdrift, kLater},
        {"generatecommandkey", any_args, S::kObsolete},
        {"holdover", holdover, kDone},  // chronon
        {"hwclockfile", any_string, kLater},
        {"hwtimestamp", parse_hwtimestamp, kDone},
        {"hwtstimeout", any_double, kLater},
        {"include", parse_include, kDone},
        {"initstepslew", initstepslew, kLater},
        {"keyfile", set_string<&Config::keyfile>, kLater},
        {"leapsecmode", leapsecmode, kDone},
        {"leapseclist", set_string<&Config::leapseclist>, kDone},
        {"leapsectz", set_string<&Config::leapsectz>, kDone},
        {"linux_freq_scale", any_args, S::kObsolete},
        {"linux_hz", any_args, S::kObsolete},
        {"local", parse_local, kDone},
        {"lock_all", set_flag<&Config::lock_all>, kLater},
        {"log", log, kDone},
        {"logbanner", any_int, kLater},
        {"logchange", set_double<&Config::logchange_s>, kDone},
        {"logdir", set_string<&Config::logdir>, kDone},
        {"mailonchange", mailonchange, kLater},
        {"makestep", makestep, kDone},
        {"manual", set_flag<&Config::manual>, kLater},
        {"maxchange", maxchange, kLater},
        {"maxclockerror", set_double<&Config::maxclockerror_ppm>, kDone},
        {"maxdistance", set_double<&Config::maxdistance_s>, kDone},
        {"maxdrift", set_double<&Config::maxdrift_ppm>, kDone},
        {"maxjitter", set_double<&Config::maxjitter_s>, kDone},
        {"maxntsconnections", any_int, kLater},
        {"maxsamples", set_int<&Config::maxsamples, 0, 65536>, kDone},
        {"maxslewrate", set_double<&Config::maxslewrate_ppm>, kDone},
        {"maxupdateskew", set_double<&Config::maxupdateskew_ppm>, kDone},
        {"metrics", parse_metrics, kDone},
        {"minsamples", set_int<&Config::minsamples, 0, 65536>, kDone},
        {"minsources", set_int<&Config::minsources, 1, 64>, kDone},
        {"nocerttimecheck", any_int, kLater},
        {"noclientlog", set_flag<&Config::noclientlog>, kDone},
        {"nosystemcert", no_args, kLater},
        {"ntpsigndsocket", any_string, kLater},
        {"ntscachedir", any_string, kLater},
        {"ntsdumpdir", any_string, kLater},
        {"ntsntpserver", any_string, kLater},
        {"ntsport", any_int, kLater},
        {"ntsprocesses", any_int, kLater},
        {"ntsratelimit", parse_ratelimit, kLater},
        {"ntsrefresh", any_int, kLater},
        {"ntsrotate", any_int, kLater},
        {"ntsservercert", any_string, kLater},
        {"ntsserverkey", any_string, kLater},
        {"ntstrustedcerts", ntstrustedcerts, kLater},
        {"peer", parse_source, kDone},
        {"pidfile", set_string<&Config::pidfile>, kDone},
        {"pool", parse_source, kDone},
        {"port", port, kDone},
        {"ptpport", any_int, kLater},
        {"ratelimit", parse_ratelimit, kDone},
        {"refclock", parse_refclock, kDone},
        {"refresh", any_int, kLater},
        {"reselectdist", set_double<&Config::reselectdist_s>, kDone},
        {"rtcautotrim", any_double, kLater},
        {"rtcdevice", any_string, kLater},
        {"rtcfile", set_string<&Config::rtcfile>, kLater},
        {"rtconutc", set_flag<&Config::rtconutc>, kLater},
        {"rtcsync", set_flag<&Config::rtcsync>, kDone},
        {"sched_priority", any_int, kLater},
        {"server", parse_source, kDone},
        {"smoothtime", smoothtime, kDone},
        {"sourcedir", sourcedir, kDone},
        {"stratumweight", set_double<&Config::stratumweight>, kDone},
        {"tempcomp", tempcomp, kLater},
        {"user", set_string<&Config::user>, kDone},
    };
    std::sort(t.begin(), t.end(), [](const DirectiveSpec& a, const DirectiveSpec& b) {
      return std::string_view(a.name) < std::string_view(b.name);
    });
    return t;
  }();
  return table;
}

}  // namespace chronon::ctl::config_detail
