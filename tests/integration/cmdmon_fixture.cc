// A command socket that answers chrony's protocol with a fixed set of reports (every source
// mode and state, IPv4/IPv6/refclock/unresolved, each unit of the offset and interval
// columns), so that test_chronyc_format.py can run Debian's chronyc and the chronon CLI on the
// same replies and compare their output byte for byte. Exits after 60 s without a request.
// Usage: cmdmon_fixture SOCKET_PATH
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "control/cmdmon/candm_wire.h"

namespace {

using chronon::ctl::ActivityReport;
using chronon::ctl::ReportAddress;
using chronon::ctl::ServerStatsReport;
using chronon::ctl::SourceReport;
using chronon::ctl::SourceStatsReport;
using chronon::ctl::TrackingReport;
namespace candm = chronon::ctl::candm;

ReportAddress v4(const char* s) {
  ReportAddress a;
  a.family = ReportAddress::Family::kInet4;
  inet_pton(AF_INET, s, a.bytes);
  return a;
}
ReportAddress v6(const char* s) {
  ReportAddress a;
  a.family = ReportAddress::Family::kInet6;
  inet_pton(AF_INET6, s, a.bytes);
  return a;
}
ReportAddress id(uint32_t v) {
  ReportAddress a;
  a.family = ReportAddress::Family::kId;
  a.id = v;
  return a;
}
constexpr uint32_t kPhc0 = 0x50484330;  // "PHC0"

struct Source {
  SourceReport data;
  SourceStatsReport stats;
  std::string name;  // as configured (NTP_SOURCE_NAME)
};

Source source(ReportAddress ip, SourceReport::Mode mode, SourceReport::State state, int stratum,
              int poll, uint16_t reach, uint32_t since, double latest, double orig, double err,
              const char* name) {
  Source s;
  s.data.ip = ip;
  s.data.mode = mode;
  s.data.state = state;
  s.data.stratum = stratum;
  s.data.poll = poll;
  s.data.reach = reach;
  s.data.since_sample_s = since;
  s.data.latest_meas_s = latest;
  s.data.orig_latest_meas_s = orig;
  s.data.latest_meas_err_s = err;
  s.stats.ip = ip;
  s.name = name;
  return s;
}

void stats(Source* s, uint32_t n, uint32_t runs, uint32_t span, double freq, double skew,
           double offset, double sd) {
  s->stats.n_samples = n;
  s->stats.n_runs = runs;
  s->stats.span_s = span;
  s->stats.resid_freq_ppm = freq;
  s->stats.skew_ppm = skew;
  s->stats.est_offset_s = offset;
  s->stats.sd_s = sd;
}

std::vector<Source> make_sources() {
  using M = SourceReport::Mode;
  using S = SourceReport::State;
  std::vector<Source> v;
  v.push_back(source(v4("10.99.0.1"), M::kClient, S::kSelected, 8, 4, 037, 10, 165e-9,
                     1163e-9, 9379e-9, "ntp1.example.net"));
  stats(&v.back(), 5, 3, 22, 0.0, 0.912, 4e-9, 959e-9);
  v.push_back(source(v4("10.99.0.3"), M::kClient, S::kNonselectable, 0, 5, 0, 0xFFFFFFFF, 0,
                     0, 0, "10.99.0.3"));
  stats(&v.back(), 0, 0, 0, 0.0, 2000.0, 0.0, 4.0);
  v.push_back(source(v6("fd00:1234::abcd"), M::kPeer, S::kUnselected, 3, 6, 0377, 1500,
                     -0.0123, -0.01234, 0.045, "backup.example.net"));
  stats(&v.back(), 64, 30, 68000, -12.345, 0.5, -0.00002, 0.0000123);
  v.push_back(source(v4("80.72.67.48"), M::kRefclock, S::kSelectable, 0, 0, 0377, 0, 2.5e-8,
                     -3.0e-8, 1.0e-7, "PHC0"));
  v.back().stats.ip = ReportAddress{};  // chronyd reports a refclock's stats by refid
  v.back().stats.ref_id = kPhc0;
  stats(&v.back(), 16, 9, 15, 0.0123, 0.004, -1e-10, 2.2e-8);
  v.push_back(source(v4("192.0.2.7"), M::kClient, S::kFalseticker, 2, -2, 0177, 40000, 12.5,
                     12.6, 3.2, "a-very-long-host-name.example.org"));
  stats(&v.back(), 8, 2, 400000, 123456.7, 99999.6, 150.0, 4000.0);
  v.push_back(source(v4("198.51.100.9"), M::kClient, S::kJittery, 15, 10, 1, 400000,
                     -1234.0, -100000.0, 7.0e6, "198.51.100.9"));
  stats(&v.back(), 3, 1, 100000000, -0.0004, 1e6, -8e6, 4e8);
  v.push_back(source(id(3), M::kClient, S::kNonselectable, 0, 6, 0, 0xFFFFFFFF, 0, 0, 0,
                     "unresolved.example.com"));
  v.back().stats.ip = id(3);
  v.push_back(source(v6("2001:db8:ffff:ffff:ffff:ffff:ffff:fffe"), M::kClient, S::kSelectable,
                     1, 7, 0376, 77, 3.0e-4, 2.9e-4, 1.5e-3, "ipv6.example.net"));
  stats(&v.back(), 12, 6, 1200, -1.5, 3.25, 2.5e-4, 9.9995e-3);
  return v;
}

std::vector<chronon::ctl::ClientAccessReport> make_clients() {
  std::vector<chronon::ctl::ClientAccessReport> v;
  const char* v4s[] = {"10.99.0.1", "10.99.0.2", "10.99.0.3", "192.0.2.1", "192.0.2.2",
                       "198.51.100.1", "198.51.100.2", "203.0.113.9", "203.0.113.10"};
  uint32_t k = 1;
  for (const char* a : v4s) {
    chronon::ctl::ClientAccessReport c;
    c.ip = v4(a);
    c.ntp_hits = k * k * k * 37;
    c.ntp_drops = k % 3 == 0 ? k * 11 : 0;
    c.ntp_interval = static_cast<int8_t>(k % 4 == 0 ? 127 : static_cast<int>(k) - 3);
    c.ntp_timeout_interval = static_cast<int8_t>(k % 2 == 0 ? 127 : -2);
    c.last_ntp_hit_ago = k == 9 ? UINT32_MAX : k * k * k * k * 211;
    c.cmd_hits = k == 1 ? 20 : 0;
    c.cmd_interval = k == 1 ? 3 : 127;
    c.last_cmd_hit_ago = k == 1 ? 4 : UINT32_MAX;
    c.nke_hits = k == 2 ? 5 : 0;
    c.nke_drops = k == 2 ? 1 : 0;
    c.nke_interval = k == 2 ? 10 : 127;
    c.last_nke_hit_ago = k == 2 ? 99999 : UINT32_MAX;
    v.push_back(c);
    ++k;
  }
  chronon::ctl::ClientAccessReport c;
  c.ip = v6("2001:db8:ffff:ffff:ffff:ffff:ffff:fffe");
  c.ntp_hits = 4000000000u;
  c.ntp_drops = 65535;
  c.ntp_interval = -4;
  c.ntp_timeout_interval = 6;
  c.last_ntp_hit_ago = 0;
  v.push_back(c);
  c.ip = v6("fd00::7");
  c.ntp_hits = 1;
  c.ntp_drops = 0;
  c.last_ntp_hit_ago = 1199;
  v.push_back(c);
  return v;
}

// chronyd's paging: from first_index, up to n_clients entries with at least min_hits.
std::vector<uint8_t> client_page(const candm::Request& r) {
  static const auto clients = make_clients();
  const auto q = candm::request_client_accesses(r);
  if (!q) return candm::reply_status(r, candm::kBadPktLength);
  chronon::ctl::ClientAccessPage page;
  page.n_indices = static_cast<uint32_t>(clients.size());
  const uint32_t max = std::min(q->n_clients, chronon::ctl::ClientAccessPage::kMaxClients);
  uint32_t i = q->first_index;
  for (; i < clients.size() && page.clients.size() < max; ++i) {
    if (clients[i].ntp_hits < q->min_hits) continue;
    page.clients.push_back(clients[i]);
  }
  page.next_index = i;
  return candm::reply_client_accesses(r, page);
}

// ntpdata for source `s` (index k): every field set, varied by source.
chronon::ctl::NtpDataReport ntp_data(const Source& s, int k) {
  chronon::ctl::NtpDataReport d;
  d.remote = s.data.ip;
  d.local = s.data.ip.family == ReportAddress::Family::kInet4 ? v4("10.99.0.2")
                                                              : v6("fd00:1234::2");
  d.remote_port = 123;
  d.leap = static_cast<uint8_t>(k % 4);
  d.version = 4;
  d.mode = s.data.mode == SourceReport::Mode::kPeer ? 1 : 4;
  d.stratum = static_cast<uint8_t>(k == 0 ? 1 : k + 1);
  d.poll = static_cast<int8_t>(k - 2);
  d.precision = static_cast<int8_t>(-26 + k);
  d.root_delay_s = 0.000123 * k;
  d.root_dispersion_s = 0.0456 * k;
  d.ref_id = k == 0 ? 0x47505300 : 0x0A630001u + static_cast<uint32_t>(k);  // "GPS"
  d.ref_time = timespec{1795525652 + k, 123456789};
  d.offset_s = k % 2 ? -0.000001163 * k : 0.25 * k;
  d.peer_delay_s = 0.000018681 * (k + 1);
  d.peer_dispersion_s = 0.000000038 * (k + 1);
  d.response_time_s = 0.000486327;
  d.jitter_asymmetry = k % 2 ? -0.25 : 0.5;
  d.flags = static_cast<uint16_t>(k == 0 ? 0x3ff : 0x3ff & ~(1u << k));
  if (k == 2) d.flags |= chronon::ctl::NtpDataReport::kFlagInterleaved;
  d.tx_tss = k == 0 ? 'H' : 'D';
  d.rx_tss = 'K';
  d.total_tx = 5u + static_cast<uint32_t>(k);
  d.total_rx = 5;
  d.total_valid = 4;
  d.total_good = 3;
  return d;
}

// selectdata for source `s` (index k): every state letter and option, each unit.
chronon::ctl::SelectDataReport select_data(const Source& s, int k) {
  static const char kStates[] = {'*', 'M', '+', 'D', 'x', '~', 'N', 's'};
  chronon::ctl::SelectDataReport d;
  d.ref_id = s.stats.ref_id;
  d.ip = s.stats.ip;
  d.state = kStates[k % 8];
  d.authenticated = k == 2;
  d.leap = static_cast<uint8_t>(k % 4);
  d.conf_options = static_cast<uint16_t>(k % 16);
  d.eff_options = static_cast<uint16_t>((k * 5) % 16);
  d.last_sample_ago_s = s.data.since_sample_s;
  d.score = 1.0 + k * 0.37;
  d.lo_limit_s = s.data.latest_meas_s - s.data.latest_meas_err_s;
  d.hi_limit_s = s.data.latest_meas_s + s.data.latest_meas_err_s;
  return d;
}

TrackingReport make_tracking() {
  TrackingReport t;
  t.ref_id = 0x0A630001;
  t.ip = v4("10.99.0.1");
  t.stratum = 9;
  t.leap_status = 0;
  t.ref_time = timespec{1795525675, 762636921};
  t.current_correction_s = -7.626e-6;
  t.last_offset_s = 9.98e-7;
  t.rms_offset_s = 9.98e-7;
  t.freq_ppm = 0.085;
  t.resid_freq_ppm = 0.0;
  t.skew_ppm = 0.954;
  t.root_delay_s = 18.681e-6;
  t.root_dispersion_s = 21.186e-6;
  t.last_update_interval_s = 16.2;
  return t;
}

std::vector<uint8_t> answer(const candm::Request& r, const std::vector<Source>& sources) {
  auto at = [&](std::optional<int32_t> i) -> const Source* {
    if (!i || *i < 0 || static_cast<size_t>(*i) >= sources.size()) return nullptr;
    return &sources[static_cast<size_t>(*i)];
  };
  switch (r.command) {
    case candm::kNull: return candm::reply_status(r, candm::kSuccess);
    case candm::kTracking: return candm::reply_tracking(r, make_tracking());
    case candm::kNSources: return candm::reply_n_sources(r, static_cast<uint32_t>(sources.size()));
    case candm::kSourceData: {
      const Source* s = at(candm::request_index(r));
      return s ? candm::reply_source_data(r, s->data)
               : candm::reply_status(r, candm::kNoSuchSource);
    }
    case candm::kSourceStats: {
      const Source* s = at(candm::request_index(r));
      return s ? candm::reply_sourcestats(r, s->stats)
               : candm::reply_status(r, candm::kNoSuchSource);
    }
    case candm::kNtpSourceName: {
      const auto a = candm::request_address(r);
      for (const Source& s : sources) {
        if (a && *a == s.data.ip) {
          return candm::reply_ntp_source_name(r, s.name);
        }
      }
      return candm::reply_status(r, candm::kNoSuchSource);
    }
    case candm::kActivity: return candm::reply_activity(r, ActivityReport{5, 1, 1, 0, 1});
    case candm::kSmoothing: {
      // A leap second being smeared out (leaponly), halfway through the first ramp.
      chronon::ctl::SmoothingReport s;
      s.active = true;
      s.leap_only = true;
      s.offset_s = -0.987654321;
      s.freq_ppm = 12.345678;
      s.wander_ppm_per_s = -0.001;
      s.last_update_ago_s = 1234.56;
      s.remaining_time_s = 86399.94;
      return candm::reply_smoothing(r, s);
    }
    case candm::kServerStats: {
      ServerStatsReport s;
      s.ntp_hits = 4000000000u;
      s.ntp_drops = 12345;
      s.cmd_hits = 20;
      s.log_drops = 7;
      s.ntp_interleaved_hits = 99;
      s.ntp_timestamps = 4096;
      s.ntp_span_seconds = 3600;
      return candm::reply_server_stats(r, s);
    }
    case candm::kClientAccessesByIndex3: return client_page(r);
    case candm::kSelectData: {
      const auto i = candm::request_index(r);
      const Source* s = at(i);
      return s ? candm::reply_select_data(r, select_data(*s, *i))
               : candm::reply_status(r, candm::kNoSuchSource);
    }
    case candm::kNtpData: {
      const auto a = candm::request_address(r);
      for (size_t k = 0; k < sources.size(); ++k) {
        const Source& s = sources[k];
        if (a && s.data.mode != SourceReport::Mode::kRefclock && *a == s.data.ip) {
          return candm::reply_ntp_data(r, ntp_data(s, static_cast<int>(k)));
        }
      }
      return candm::reply_status(r, candm::kNoSuchSource);
    }
    default: return candm::reply_status(r, candm::kInvalid);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: cmdmon_fixture SOCKET_PATH\n");
    return 2;
  }
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", argv[1]);
  ::unlink(argv[1]);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror(argv[1]);
    return 1;
  }
  const std::vector<Source> sources = make_sources();
  std::printf("ready\n");
  std::fflush(stdout);
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 60000) <= 0) break;
    uint8_t buf[2048];
    sockaddr_un from{};
    socklen_t from_len = sizeof from;
    const ssize_t n =
        ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    candm::Request r;
    if (n <= 0 || !candm::parse_request(buf, static_cast<size_t>(n), &r)) continue;
    const std::vector<uint8_t> reply = answer(r, sources);
    ::sendto(fd, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), from_len);
  }
  ::unlink(argv[1]);
  return 0;
}
