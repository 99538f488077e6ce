// The CLI's commands; see commands.h.
#include "control/cli/commands.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "control/cli/chronyc_format.h"
#include "control/cli/dataplane_report.h"
#include "control/cli/source_selector.h"
#include "dataplane/shared/segment.h"

namespace chronon::ctl {

namespace {

// Asks for one report; on failure prints chronyc's error and returns false.
bool ask(chronon::ctl::CmdmonClient& client, uint16_t command, const std::vector<uint8_t>& fields,
         candm::ReplyType expected, std::vector<uint8_t>* reply) {
  const std::string error = client.request(command, fields, expected, reply);
  if (error.empty()) return true;
  std::fprintf(stderr, "%s\n", error.c_str());
  return false;
}

// The replies to `command` for each source index 0..n-1, after N_SOURCES.
template <typename Report, typename Decode>
bool per_source(chronon::ctl::CmdmonClient& client, uint16_t command, candm::ReplyType expected,
                Decode decode, std::vector<Report>* out) {
  std::vector<uint8_t> reply;
  if (!ask(client, candm::kNSources, {}, candm::kRpyNSources, &reply)) return false;
  const uint32_t n = candm::decode_n_sources(reply.data());
  for (uint32_t i = 0; i < n; ++i) {
    if (!ask(client, command, candm::index_field(static_cast<int32_t>(i)), expected, &reply)) {
      return false;
    }
    out->push_back(decode(reply.data()));
  }
  return true;
}

// chronyc -N: the name a source was configured with, "?" when the daemon has none.
std::string configured_name(chronon::ctl::CmdmonClient& client,
                            const chronon::ctl::ReportAddress& a) {
  std::vector<uint8_t> reply;
  if (!client.request(candm::kNtpSourceName, candm::address_field(a), candm::kRpyNtpSourceName,
                      &reply)
           .empty()) {
    return "?";
  }
  const std::string name = candm::decode_ntp_source_name(reply.data());
  if (name.empty()) return "?";
  for (const char c : name) {
    if (c <= ' ' || c > '~') return "?";
  }
  return name;
}

template <typename Report>
std::vector<std::string> configured_names(chronon::ctl::CmdmonClient& client,
                                          const std::vector<Report>& reports) {
  std::vector<std::string> names;
  for (const Report& r : reports) names.push_back(configured_name(client, r.ip));
  return names;
}

// A source command's own options: -a and -v (chronyc ignores -v in CSV mode).
bool source_options(const std::vector<std::string>& args, bool csv, bool* all, bool* verbose) {
  *all = *verbose = false;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "-a") {
      *all = true;
    } else if (args[i] == "-v") {
      *verbose = !csv;
    } else {
      std::fprintf(stderr, "chronon: %s: unknown option '%s' (only -a and -v)\n",
                   args[0].c_str(), args[i].c_str());
      return false;
    }
  }
  return true;
}

bool no_arguments(const std::vector<std::string>& args) {
  if (args.size() == 1) return true;
  std::fprintf(stderr, "chronon: %s takes no arguments (got '%s')\n", args[0].c_str(),
               args[1].c_str());
  return false;
}

// chronyc ntpdata [ADDRESS]: one source, or every NTP source with an address.
int run_ntpdata(const std::vector<std::string>& args, const CliOptions& o,
                chronon::ctl::CmdmonClient& client) {
  namespace ctl = chronon::ctl;
  std::vector<ctl::ReportAddress> remotes;
  std::vector<uint8_t> reply;
  if (args.size() > 2) {
    std::fprintf(stderr, "chronon: ntpdata: one address at most\n");
    return 2;
  }
  if (args.size() == 2) {
    candm::SourceSelector which;
    if (args[1].find('/') != std::string::npos || !parse_selector(args[1], &which)) {
      std::fprintf(stderr, "chronon: ntpdata: '%s' is not an IP address (no host names)\n",
                   args[1].c_str());
      return 2;
    }
    remotes.push_back(which.address);
  } else {
    std::vector<ctl::SourceReport> sources;
    if (!per_source(client, candm::kSourceData, candm::kRpySourceData,
                    candm::decode_source_data, &sources)) {
      return 1;
    }
    for (const auto& s : sources) {
      const bool ntp = s.mode == ctl::SourceReport::Mode::kClient ||
                       s.mode == ctl::SourceReport::Mode::kPeer;
      const bool real = s.ip.family == ctl::ReportAddress::Family::kInet4 ||
                        s.ip.family == ctl::ReportAddress::Family::kInet6;
      if (ntp && real) remotes.push_back(s.ip);
    }
  }
  std::string text;
  for (const auto& remote : remotes) {
    if (!ask(client, candm::kNtpData, candm::address_field(remote), candm::kRpyNtpData, &reply)) {
      std::fputs(text.c_str(), stdout);
      return 1;
    }
    text += ctl::format_ntpdata(candm::decode_ntp_data(reply.data()), o.csv, args.size() == 1);
  }
  std::fputs(text.c_str(), stdout);
  return 0;
}

// chronyc clients: the list in pages of 8, as chronyd serves it.
int run_clients(const std::vector<std::string>& args, const CliOptions& o,
                chronon::ctl::CmdmonClient& client) {
  namespace ctl = chronon::ctl;
  candm::ClientAccessesQuery q;
  q.n_clients = ctl::ClientAccessPage::kMaxClients;
  bool nke = false;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "-k") {
      nke = true;
    } else if (args[i] == "-r") {
      q.reset = true;
    } else if (args[i] == "-p" && i + 1 < args.size()) {
      char* end = nullptr;
      const unsigned long v = std::strtoul(args[++i].c_str(), &end, 10);
      if (args[i].empty() || *end != '\0' || args[i][0] == '-' || v > UINT32_MAX) {
        std::fprintf(stderr, "chronon: clients: -p needs a number of requests, not '%s'\n",
                     args[i].c_str());
        return 2;
      }
      q.min_hits = static_cast<uint32_t>(v);
    } else {
      std::fprintf(stderr, "chronon: clients: unexpected argument '%s' (-p N, -k, -r)\n",
                   args[i].c_str());
      return 2;
    }
  }
  std::vector<ctl::ClientAccessReport> clients;
  std::vector<uint8_t> reply;
  for (;;) {
    if (!ask(client, candm::kClientAccessesByIndex3, candm::client_accesses_fields(q),
             candm::kRpyClientAccessesByIndex3, &reply)) {
      return 1;
    }
    const ctl::ClientAccessPage page = candm::decode_client_accesses(reply.data());
    clients.insert(clients.end(), page.clients.begin(), page.clients.end());
    q.first_index = page.next_index;
    if (page.next_index >= page.n_indices || page.clients.size() < q.n_clients) break;
  }
  std::fputs(ctl::format_clients(clients, nke, o.csv).c_str(), stdout);
  return 0;
}


// online, offline, onoffline, burst, makestep, reselect, smoothtime, cyclelogs, reload: "200 OK"
// as chronyc prints it, or the error.
int run_state_command(const std::vector<std::string>& args, chronon::ctl::CmdmonClient& client) {
  const std::string& cmd = args[0];
  std::vector<uint8_t> fields;
  uint16_t code;
  auto usage_error = [&](const char* what) {
    std::fprintf(stderr, "chronon: %s: %s\n", cmd.c_str(), what);
    return 2;
  };
  if (cmd == "online" || cmd == "offline") {
    if (args.size() > 2) return usage_error("one address, subnet or mask/address at most");
    candm::SourceSelector which;
    if (!parse_selector(args.size() == 2 ? args[1] : "", &which)) {
      return usage_error("expected ADDRESS, ADDRESS/BITS or MASK/ADDRESS (no host names)");
    }
    code = cmd == "online" ? candm::kOnline : candm::kOffline;
    fields = candm::selector_fields(which);
  } else if (cmd == "burst") {
    candm::BurstArgs b;
    int good = 0, total = 0;
    char tail = 0;
    if (args.size() < 2 || args.size() > 3 ||
        std::sscanf(args[1].c_str(), "%d/%d%c", &good, &total, &tail) != 2 || good < 1 ||
        total < good) {
      return usage_error("expected GOOD/TOTAL (1 <= GOOD <= TOTAL), then optionally an address");
    }
    if (!parse_selector(args.size() == 3 ? args[2] : "", &b.which)) {
      return usage_error("expected ADDRESS, ADDRESS/BITS or MASK/ADDRESS (no host names)");
    }
    b.good = good;
    b.total = total;
    code = candm::kBurst;
    fields = candm::burst_fields(b);
  } else if (cmd == "makestep") {
    if (args.size() == 1) {
      code = candm::kMakeStep;
    } else {
      char* end1 = nullptr;
      char* end2 = nullptr;
      candm::MakestepArgs m;
      if (args.size() == 3) {
        m.threshold_s = std::strtod(args[1].c_str(), &end1);
        m.limit = static_cast<int32_t>(std::strtol(args[2].c_str(), &end2, 10));
      }
      if (args.size() != 3 || *end1 != '\0' || *end2 != '\0' || !(m.threshold_s >= 0)) {
        return usage_error("expected no arguments (step now) or THRESHOLD LIMIT");
      }
      code = candm::kModifyMakestep;
      fields = candm::makestep_fields(m);
    }
  } else if (cmd == "reload") {
    // chronyc's `reload sources`; chronon's own `reload`: the whole configuration file.
    if (args.size() == 1) {
      code = candm::kChrononReload;
    } else if (args.size() == 2 && args[1] == "sources") {
      code = candm::kReloadSources;
    } else {
      return usage_error("expected 'reload' or 'reload sources'");
    }
  } else if (cmd == "smoothtime") {
    if (args.size() == 2 && args[1] == "reset") {
      fields = candm::smoothtime_fields(candm::kSmoothTimeReset);
    } else if (args.size() == 2 && args[1] == "activate") {
      fields = candm::smoothtime_fields(candm::kSmoothTimeActivate);
    } else {
      return usage_error("expected 'smoothtime reset' or 'smoothtime activate'");
    }
    code = candm::kSmoothTime;
  } else {  // onoffline, cyclelogs, reselect
    if (args.size() != 1) return usage_error("takes no arguments");
    code = cmd == "onoffline" ? candm::kOnOffline
           : cmd == "reselect" ? candm::kReselect
                               : candm::kCycleLogs;
  }
  std::vector<uint8_t> reply;
  const std::string error = client.request(code, fields, candm::kRpyNull, &reply);
  if (!error.empty()) {
    std::fprintf(stderr, "%s\n", error.c_str());
    if (code == candm::kChrononReload && error.rfind("500 ", 0) == 0) {
      std::fputs("chronon: chronond kept the configuration in force; its log says what is "
                 "wrong (file, line and problem)\n", stderr);
    }
    return 1;
  }
  std::puts("200 OK");
  return 0;
}

int run_dataplane(const CliOptions& o) {
  try {
    const auto seg = chronon::dp::SegmentMapping::attach(o.segment, false);
    std::fputs(chronon::ctl::dataplane_report(*seg.get(), o.csv).c_str(), stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chronon: %s\n", e.what());
    return 1;
  }
  return 0;
}


// chronyc waitsync [MAX-TRIES [MAX-CORRECTION [MAX-SKEW [INTERVAL]]]]: asks for tracking
// every INTERVAL seconds (10; at least 0.1) until the clock follows a source (not the local
// reference) within the limits (0: none), or MAX-TRIES (0: no end) tries were made.
int run_waitsync(const std::vector<std::string>& args, const CliOptions& o,
                 CmdmonClient& client) {
  double limits[4] = {0, 0, 0, 10.0};
  if (args.size() > 5) {
    std::fprintf(stderr, "chronon: waitsync: at most 4 arguments\n");
    return 2;
  }
  for (size_t i = 1; i < args.size(); ++i) {
    char* end = nullptr;
    limits[i - 1] = std::strtod(args[i].c_str(), &end);
    if (*end != '\0' || !(limits[i - 1] >= 0)) {
      std::fprintf(stderr, "chronon: waitsync: '%s' is not a non-negative number "
                   "(MAX-TRIES MAX-CORRECTION MAX-SKEW INTERVAL)\n", args[i].c_str());
      return 2;
    }
  }
  const int max_tries = static_cast<int>(std::min(limits[0], 1e9));
  const double interval = std::max(limits[3], 0.1);
  std::vector<uint8_t> reply;
  for (int i = 1;; ++i) {
    bool synced = false;
    if (client.request(candm::kTracking, {}, candm::kRpyTracking, &reply).empty()) {
      const TrackingReport t = candm::decode_tracking(reply.data());
      const double correction = std::fabs(t.current_correction_s);
      std::fputs(format_waitsync_try(i, t.ref_id, correction, t.skew_ppm, o.csv).c_str(), stdout);
      std::fflush(stdout);
      synced = (t.ip.family != ReportAddress::Family::kUnspec ||
                (t.ref_id != 0 && t.ref_id != 0x7f7f0101u)) &&
               (limits[1] == 0 || correction <= limits[1]) &&
               (limits[2] == 0 || t.skew_ppm <= limits[2]);
    }
    if (synced) return 0;
    if (max_tries != 0 && i >= max_tries) return 1;
    std::this_thread::sleep_for(std::chrono::duration<double>(interval));
  }
}

}  // namespace

// One command line; 0 on success, 1 when the daemon failed it, 2 for a usage error.
int run_command(const std::vector<std::string>& args, const CliOptions& o,
                chronon::ctl::CmdmonClient& client) {
  namespace ctl = chronon::ctl;
  const std::string& cmd = args[0];
  std::vector<uint8_t> reply;
  std::string text;
  if (cmd == "dataplane") {
    // Its options may also follow it, as in chronon's first releases.
    CliOptions d = o;
    for (size_t i = 1; i < args.size(); ++i) {
      if (args[i] == "-c") {
        d.csv = true;
      } else if ((args[i] == "-S" || args[i] == "--segment") && i + 1 < args.size()) {
        d.segment = args[++i];
      } else {
        std::fprintf(stderr, "chronon: dataplane: unexpected argument '%s' (only -c, -S PATH)\n",
                     args[i].c_str());
        return 2;
      }
    }
    return run_dataplane(d);
  }
  if (cmd == "tracking") {
    if (!no_arguments(args)) return 2;
    if (!ask(client, candm::kTracking, {}, candm::kRpyTracking, &reply)) return 1;
    const ctl::TrackingReport t = candm::decode_tracking(reply.data());
    const bool named = o.source_names && t.ip.family != ctl::ReportAddress::Family::kUnspec;
    text = ctl::format_tracking(t, o.csv, named ? configured_name(client, t.ip) : "");
  } else if (cmd == "selectdata") {
    bool all, verbose;
    if (!source_options(args, o.csv, &all, &verbose)) return 2;
    std::vector<ctl::SelectDataReport> rows;
    if (!per_source(client, candm::kSelectData, candm::kRpySelectData, candm::decode_select_data,
                    &rows)) {
      return 1;
    }
    const auto names = o.source_names ? configured_names(client, rows)
                                      : std::vector<std::string>{};
    text = ctl::format_selectdata(rows, verbose, o.csv, all, names);
  } else if (cmd == "sources" || cmd == "sourcestats") {
    bool all, verbose;
    if (!source_options(args, o.csv, &all, &verbose)) return 2;
    if (cmd == "sources") {
      std::vector<ctl::SourceReport> sources;
      if (!per_source(client, candm::kSourceData, candm::kRpySourceData,
                      candm::decode_source_data, &sources)) {
        return 1;
      }
      const auto names = o.source_names ? configured_names(client, sources)
                                        : std::vector<std::string>{};
      text = ctl::format_sources(sources, verbose, o.csv, all, names);
    } else {
      std::vector<ctl::SourceStatsReport> stats;
      if (!per_source(client, candm::kSourceStats, candm::kRpySourceStats,
                      candm::decode_sourcestats, &stats)) {
        return 1;
      }
      const auto names = o.source_names ? configured_names(client, stats)
                                        : std::vector<std::string>{};
      text = ctl::format_sourcestats(stats, verbose, o.csv, all, names);
    }
  } else if (cmd == "online" || cmd == "offline" || cmd == "onoffline" || cmd == "burst" ||
             cmd == "makestep" || cmd == "cyclelogs" || cmd == "reload" || cmd == "reselect" ||
             cmd == "smoothtime") {
    return run_state_command(args, client);
  } else if (cmd == "waitsync") {
    return run_waitsync(args, o, client);
  } else if (cmd == "ntpdata") {
    return run_ntpdata(args, o, client);
  } else if (cmd == "clients") {
    return run_clients(args, o, client);
  } else if (cmd == "activity") {
    if (!no_arguments(args)) return 2;
    if (!ask(client, candm::kActivity, {}, candm::kRpyActivity, &reply)) return 1;
    text = ctl::format_activity(candm::decode_activity(reply.data()), o.csv);
  } else if (cmd == "smoothing") {
    if (!no_arguments(args)) return 2;
    if (!ask(client, candm::kSmoothing, {}, candm::kRpySmoothing, &reply)) return 1;
    text = ctl::format_smoothing(candm::decode_smoothing(reply.data()), o.csv);
  } else if (cmd == "serverstats") {
    if (!no_arguments(args)) return 2;
    if (!ask(client, candm::kServerStats, {}, candm::kRpyServerStats3, &reply)) return 1;
    text = ctl::format_serverstats(candm::decode_server_stats(reply.data()), o.csv);
  } else {
    std::fprintf(stderr, "chronon: unknown command '%s' (see --help)\n", cmd.c_str());
    return 2;
  }
  std::fputs(text.c_str(), stdout);
  return 0;
}

}  // namespace chronon::ctl
