// Encoding and decoding of chrony's command protocol; see candm_wire.h. Offsets are those of
// candm.h's structures (all fields are naturally aligned there, so there is no hidden padding).
#include "control/cmdmon/candm_wire.h"

#include <arpa/inet.h>
#include <endian.h>

#include <cmath>
#include <cstring>

namespace chronon::ctl::candm {

namespace {

constexpr int kFloatCoefBits = 25;
constexpr int kFloatExpMin = -64, kFloatExpMax = 63;
constexpr int32_t kFloatCoefMax = (1 << (kFloatCoefBits - 1)) - 1;
constexpr uint32_t kNoHighSec = 0x7fffffff;  // TV_NOHIGHSEC
constexpr size_t kClientAccessLen = 60;        // RPY_ClientAccesses_Client

void put16(std::vector<uint8_t>& b, size_t off, uint16_t v) {
  v = htobe16(v);
  std::memcpy(&b[off], &v, 2);
}
void put32(std::vector<uint8_t>& b, size_t off, uint32_t v) {
  v = htobe32(v);
  std::memcpy(&b[off], &v, 4);
}
void putf(std::vector<uint8_t>& b, size_t off, double x) {
  put32(b, off, static_cast<uint32_t>(encode_float(x)));
}
uint16_t get16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return be16toh(v);
}
uint32_t get32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return be32toh(v);
}
double getf(const uint8_t* p) { return decode_float(static_cast<int32_t>(get32(p))); }

void put_address(std::vector<uint8_t>& b, size_t off, const ReportAddress& a) {
  if (a.family == ReportAddress::Family::kId) {
    put32(b, off, a.id);
  } else {
    std::memcpy(&b[off], a.bytes, 16);
  }
  put16(b, off + 16, static_cast<uint16_t>(a.family));
}
ReportAddress get_address(const uint8_t* p) {
  ReportAddress a;
  a.family = static_cast<ReportAddress::Family>(get16(p + 16));
  if (a.family == ReportAddress::Family::kId) {
    a.id = get32(p);
  } else if (a.family == ReportAddress::Family::kInet4 || a.family == ReportAddress::Family::kInet6) {
    std::memcpy(a.bytes, p, 16);
  } else {
    a.family = ReportAddress::Family::kUnspec;
  }
  return a;
}

void put_timespec(std::vector<uint8_t>& b, size_t off, const timespec& t) {
  const auto sec = static_cast<uint64_t>(t.tv_sec);
  put32(b, off, (sec >> 32) != 0 ? static_cast<uint32_t>(sec >> 32) : kNoHighSec);
  put32(b, off + 4, static_cast<uint32_t>(sec));
  put32(b, off + 8, static_cast<uint32_t>(t.tv_nsec));
}
timespec get_timespec(const uint8_t* p) {
  uint32_t high = get32(p);
  if (high == kNoHighSec) high = 0;
  timespec t{};
  t.tv_sec = static_cast<time_t>((static_cast<uint64_t>(high) << 32) | get32(p + 4));
  t.tv_nsec = static_cast<long>(get32(p + 8));
  return t;
}

std::vector<uint8_t> reply_header(const Request& r, ReplyType type, Status status) {
  std::vector<uint8_t> b(reply_length(type), 0);
  b[0] = kProtoVersion;
  b[1] = kPktReply;
  put16(b, 4, r.command);
  put16(b, 6, type);
  put16(b, 8, status);
  put32(b, 16, r.sequence);
  return b;
}

}  // namespace

size_t reply_length(ReplyType t) {
  switch (t) {
    case kRpyNull: return kReplyHeaderLen;
    case kRpyNSources: return kReplyHeaderLen + 4;
    case kRpySourceData: return kReplyHeaderLen + 48;
    case kRpyTracking: return kReplyHeaderLen + 76;
    case kRpySourceStats: return kReplyHeaderLen + 56;
    case kRpyActivity: return kReplyHeaderLen + 20;
    case kRpySmoothing: return kReplyHeaderLen + 24;
    case kRpyNtpSourceName: return kReplyHeaderLen + 256;
    case kRpyServerStats3: return kReplyHeaderLen + 44;
    case kRpyNtpData: return kReplyHeaderLen + 124;
    case kRpySelectData: return kReplyHeaderLen + 48;
    case kRpyClientAccessesByIndex3:
      return kReplyHeaderLen + 12 + kClientAccessLen * ClientAccessPage::kMaxClients;
  }
  return kReplyHeaderLen;
}

std::optional<ReplyType> reply_type_for(uint16_t command) {
  switch (command) {
    case kNull: return kRpyNull;
    case kNSources: return kRpyNSources;
    case kSourceData: return kRpySourceData;
    case kTracking: return kRpyTracking;
    case kSourceStats: return kRpySourceStats;
    case kActivity: return kRpyActivity;
    case kSmoothing: return kRpySmoothing;
    case kServerStats: return kRpyServerStats3;
    case kNtpSourceName: return kRpyNtpSourceName;
    case kClientAccessesByIndex3: return kRpyClientAccessesByIndex3;
    case kNtpData: return kRpyNtpData;
    case kSelectData: return kRpySelectData;
    case kOnline: case kOffline: case kBurst: case kMakeStep: case kOnOffline:
    case kModifyMakestep: case kCycleLogs: case kReloadSources: case kChrononReload:
    case kSmoothTime: case kReselect:
      return kRpyNull;
    default: return std::nullopt;
  }
}

size_t request_length(uint16_t command) {
  size_t fields;
  switch (command) {
    case kNull: case kNSources: case kTracking: case kActivity: case kServerStats:
    case kMakeStep: case kOnOffline: case kCycleLogs: case kReloadSources: case kChrononReload:
    case kSmoothing: case kReselect:
      fields = 0;
      break;
    case kSourceData: case kSourceStats: case kSelectData: case kSmoothTime: fields = 4; break;
    case kModifyMakestep: fields = 8; break;
    case kClientAccessesByIndex3: fields = 16; break;
    case kNtpSourceName: case kNtpData: fields = kIpAddrLen; break;
    case kOnline: case kOffline: fields = 2 * kIpAddrLen; break;
    case kBurst: fields = 2 * kIpAddrLen + 8; break;
    default: return 0;
  }
  const auto reply = reply_type_for(command);
  return std::max(kRequestHeaderLen + fields, reply ? reply_length(*reply) : 0);
}

int32_t encode_float(double x) {
  if (!(x == x)) x = 0.0;  // NaN as zero, as chrony
  const bool neg = x < 0;
  double a = std::fabs(x);
  if (a < 1e-100) return 0;
  int exp;
  int32_t coef;
  if (a > 1e100) {
    exp = kFloatExpMax;
    coef = kFloatCoefMax;
  } else {
    // a * 2^(25 - exp) in [2^23, 2^24): the coefficient fits in 24 bits plus the sign.
    exp = std::ilogb(a) + 2;
    coef = static_cast<int32_t>(std::llround(std::ldexp(a, kFloatCoefBits - exp)));
    if (coef > kFloatCoefMax) {
      coef >>= 1;
      ++exp;
    }
    if (exp > kFloatExpMax) {
      exp = kFloatExpMax;
      coef = kFloatCoefMax;
    } else if (exp < kFloatExpMin) {
      const int shift = kFloatExpMin - exp;
      coef = shift >= 31 ? 0 : coef >> shift;
      exp = kFloatExpMin;
    }
  }
  if (neg) coef = -coef;
  const uint32_t bits = (static_cast<uint32_t>(exp) << kFloatCoefBits) |
                        (static_cast<uint32_t>(coef) & ((1u << kFloatCoefBits) - 1));
  return static_cast<int32_t>(bits);
}

double decode_float(int32_t f) {
  const int32_t exp = f >> kFloatCoefBits;  // arithmetic shift: the exponent's sign
  const int32_t coef = static_cast<int32_t>(static_cast<uint32_t>(f) << (32 - kFloatCoefBits)) >>
                       (32 - kFloatCoefBits);
  return std::ldexp(static_cast<double>(coef), exp - kFloatCoefBits);
}

bool parse_request(const uint8_t* p, size_t len, Request* out) {
  if (len < kRequestHeaderLen) return false;
  out->version = p[0];
  out->pkt_type = p[1];
  out->command = get16(p + 4);
  out->attempt = get16(p + 6);
  out->sequence = get32(p + 8);
  out->data = p + kRequestHeaderLen;
  out->data_len = len - kRequestHeaderLen;
  return true;
}

std::optional<int32_t> request_index(const Request& r) {
  if (r.data_len < 4) return std::nullopt;
  return static_cast<int32_t>(get32(r.data));
}

std::optional<ReportAddress> request_address(const Request& r) {
  if (r.data_len < kIpAddrLen) return std::nullopt;
  return get_address(r.data);
}

std::optional<ClientAccessesQuery> request_client_accesses(const Request& r) {
  if (r.data_len < 16) return std::nullopt;
  ClientAccessesQuery q;
  q.first_index = get32(r.data);
  q.n_clients = get32(r.data + 4);
  q.min_hits = get32(r.data + 8);
  q.reset = get32(r.data + 12) != 0;
  return q;
}

std::optional<SourceSelector> request_selector(const Request& r) {
  if (r.data_len < 2 * kIpAddrLen) return std::nullopt;
  return SourceSelector{get_address(r.data), get_address(r.data + kIpAddrLen)};
}

std::optional<BurstArgs> request_burst(const Request& r) {
  const auto which = request_selector(r);
  if (!which || r.data_len < 2 * kIpAddrLen + 8) return std::nullopt;
  return BurstArgs{*which, static_cast<int32_t>(get32(r.data + 2 * kIpAddrLen)),
                   static_cast<int32_t>(get32(r.data + 2 * kIpAddrLen + 4))};
}

std::optional<MakestepArgs> request_makestep(const Request& r) {
  if (r.data_len < 8) return std::nullopt;
  return MakestepArgs{static_cast<int32_t>(get32(r.data)), getf(r.data + 4)};
}

std::vector<uint8_t> makestep_fields(const MakestepArgs& m) {
  std::vector<uint8_t> b(8);
  put32(b, 0, static_cast<uint32_t>(m.limit));
  putf(b, 4, m.threshold_s);
  return b;
}

std::optional<int32_t> request_smoothtime(const Request& r) {
  if (r.data_len < 4) return std::nullopt;
  return static_cast<int32_t>(get32(r.data));
}

std::vector<uint8_t> smoothtime_fields(int32_t option) {
  std::vector<uint8_t> b(4);
  put32(b, 0, static_cast<uint32_t>(option));
  return b;
}

std::vector<uint8_t> selector_fields(const SourceSelector& s) {
  std::vector<uint8_t> b(2 * kIpAddrLen);
  put_address(b, 0, s.mask);
  put_address(b, kIpAddrLen, s.address);
  return b;
}

std::vector<uint8_t> burst_fields(const BurstArgs& a) {
  std::vector<uint8_t> b = selector_fields(a.which);
  b.resize(2 * kIpAddrLen + 8);
  put32(b, 2 * kIpAddrLen, static_cast<uint32_t>(a.good));
  put32(b, 2 * kIpAddrLen + 4, static_cast<uint32_t>(a.total));
  return b;
}

std::vector<uint8_t> reply_status(const Request& r, Status status) {
  return reply_header(r, kRpyNull, status);
}

std::vector<uint8_t> reply_n_sources(const Request& r, uint32_t n) {
  auto b = reply_header(r, kRpyNSources, kSuccess);
  put32(b, kReplyHeaderLen, n);
  return b;
}

std::vector<uint8_t> reply_source_data(const Request& r, const SourceReport& s) {
  auto b = reply_header(r, kRpySourceData, kSuccess);
  const size_t o = kReplyHeaderLen;
  put_address(b, o, s.ip);
  put16(b, o + 20, static_cast<uint16_t>(static_cast<int16_t>(s.poll)));
  put16(b, o + 22, static_cast<uint16_t>(s.stratum));
  put16(b, o + 24, static_cast<uint16_t>(s.state));
  put16(b, o + 26, static_cast<uint16_t>(s.mode));
  put16(b, o + 28, s.flags);
  put16(b, o + 30, s.reach);
  put32(b, o + 32, s.since_sample_s);
  putf(b, o + 36, s.orig_latest_meas_s);
  putf(b, o + 40, s.latest_meas_s);
  putf(b, o + 44, s.latest_meas_err_s);
  return b;
}

std::vector<uint8_t> reply_tracking(const Request& r, const TrackingReport& t) {
  auto b = reply_header(r, kRpyTracking, kSuccess);
  const size_t o = kReplyHeaderLen;
  put32(b, o, t.ref_id);
  put_address(b, o + 4, t.ip);
  put16(b, o + 24, static_cast<uint16_t>(t.stratum));
  put16(b, o + 26, static_cast<uint16_t>(t.leap_status));
  put_timespec(b, o + 28, t.ref_time);
  putf(b, o + 40, t.current_correction_s);
  putf(b, o + 44, t.last_offset_s);
  putf(b, o + 48, t.rms_offset_s);
  putf(b, o + 52, t.freq_ppm);
  putf(b, o + 56, t.resid_freq_ppm);
  putf(b, o + 60, t.skew_ppm);
  putf(b, o + 64, t.root_delay_s);
  putf(b, o + 68, t.root_dispersion_s);
  putf(b, o + 72, t.last_update_interval_s);
  return b;
}

std::vector<uint8_t> reply_sourcestats(const Request& r, const SourceStatsReport& s) {
  auto b = reply_header(r, kRpySourceStats, kSuccess);
  const size_t o = kReplyHeaderLen;
  put32(b, o, s.ref_id);
  put_address(b, o + 4, s.ip);
  put32(b, o + 24, s.n_samples);
  put32(b, o + 28, s.n_runs);
  put32(b, o + 32, s.span_s);
  putf(b, o + 36, s.sd_s);
  putf(b, o + 40, s.resid_freq_ppm);
  putf(b, o + 44, s.skew_ppm);
  putf(b, o + 48, s.est_offset_s);
  putf(b, o + 52, s.est_offset_err_s);
  return b;
}

std::vector<uint8_t> reply_activity(const Request& r, const ActivityReport& a) {
  auto b = reply_header(r, kRpyActivity, kSuccess);
  const size_t o = kReplyHeaderLen;
  put32(b, o, static_cast<uint32_t>(a.online));
  put32(b, o + 4, static_cast<uint32_t>(a.offline));
  put32(b, o + 8, static_cast<uint32_t>(a.burst_online));
  put32(b, o + 12, static_cast<uint32_t>(a.burst_offline));
  put32(b, o + 16, static_cast<uint32_t>(a.unresolved));
  return b;
}

// RPY_Smoothing: flags (RPY_SMT_FLAG_ACTIVE 1, _LEAPONLY 2), then five Floats.
std::vector<uint8_t> reply_smoothing(const Request& r, const SmoothingReport& s) {
  auto b = reply_header(r, kRpySmoothing, kSuccess);
  const size_t o = kReplyHeaderLen;
  put32(b, o, (s.active ? 1u : 0u) | (s.leap_only ? 2u : 0u));
  putf(b, o + 4, s.offset_s);
  putf(b, o + 8, s.freq_ppm);
  putf(b, o + 12, s.wander_ppm_per_s);
  putf(b, o + 16, s.last_update_ago_s);
  putf(b, o + 20, s.remaining_time_s);
  return b;
}

std::vector<uint8_t> reply_server_stats(const Request& r, const ServerStatsReport& s) {
  auto b = reply_header(r, kRpyServerStats3, kSuccess);
  const uint32_t v[] = {s.ntp_hits, s.nke_hits, s.cmd_hits, s.ntp_drops, s.nke_drops,
                        s.cmd_drops, s.log_drops, s.ntp_auth_hits, s.ntp_interleaved_hits,
                        s.ntp_timestamps, s.ntp_span_seconds};
  for (size_t i = 0; i < 11; ++i) put32(b, kReplyHeaderLen + 4 * i, v[i]);
  return b;
}

std::vector<uint8_t> reply_ntp_source_name(const Request& r, const std::string& name) {
  auto b = reply_header(r, kRpyNtpSourceName, kSuccess);
  std::memcpy(&b[kReplyHeaderLen], name.data(), std::min<size_t>(name.size(), 255));
  return b;
}

std::vector<uint8_t> reply_client_accesses(const Request& r, const ClientAccessPage& page) {
  auto b = reply_header(r, kRpyClientAccessesByIndex3, kSuccess);
  const size_t n = std::min<size_t>(page.clients.size(), ClientAccessPage::kMaxClients);
  put32(b, kReplyHeaderLen, page.n_indices);
  put32(b, kReplyHeaderLen + 4, page.next_index);
  put32(b, kReplyHeaderLen + 8, static_cast<uint32_t>(n));
  for (size_t i = 0; i < n; ++i) {
    const ClientAccessReport& c = page.clients[i];
    const size_t o = kReplyHeaderLen + 12 + i * kClientAccessLen;
    put_address(b, o, c.ip);
    const uint32_t counts[] = {c.ntp_hits, c.nke_hits, c.cmd_hits,
                               c.ntp_drops, c.nke_drops, c.cmd_drops};
    for (size_t k = 0; k < 6; ++k) put32(b, o + 20 + 4 * k, counts[k]);
    b[o + 44] = static_cast<uint8_t>(c.ntp_interval);
    b[o + 45] = static_cast<uint8_t>(c.nke_interval);
    b[o + 46] = static_cast<uint8_t>(c.cmd_interval);
    b[o + 47] = static_cast<uint8_t>(c.ntp_timeout_interval);
    put32(b, o + 48, c.last_ntp_hit_ago);
    put32(b, o + 52, c.last_nke_hit_ago);
    put32(b, o + 56, c.last_cmd_hit_ago);
  }
  return b;
}

std::vector<uint8_t> reply_ntp_data(const Request& r, const NtpDataReport& d) {
  auto b = reply_header(r, kRpyNtpData, kSuccess);
  const size_t o = kReplyHeaderLen;
  put_address(b, o, d.remote);
  put_address(b, o + 20, d.local);
  put16(b, o + 40, d.remote_port);
  b[o + 42] = d.leap;
  b[o + 43] = d.version;
  b[o + 44] = d.mode;
  b[o + 45] = d.stratum;
  b[o + 46] = static_cast<uint8_t>(d.poll);
  b[o + 47] = static_cast<uint8_t>(d.precision);
  putf(b, o + 48, d.root_delay_s);
  putf(b, o + 52, d.root_dispersion_s);
  put32(b, o + 56, d.ref_id);
  put_timespec(b, o + 60, d.ref_time);
  putf(b, o + 72, d.offset_s);
  putf(b, o + 76, d.peer_delay_s);
  putf(b, o + 80, d.peer_dispersion_s);
  putf(b, o + 84, d.response_time_s);
  putf(b, o + 88, d.jitter_asymmetry);
  put16(b, o + 92, d.flags);
  b[o + 94] = static_cast<uint8_t>(d.tx_tss);
  b[o + 95] = static_cast<uint8_t>(d.rx_tss);
  put32(b, o + 96, d.total_tx);
  put32(b, o + 100, d.total_rx);
  put32(b, o + 104, d.total_valid);
  put32(b, o + 108, d.total_good);
  return b;
}

std::vector<uint8_t> reply_select_data(const Request& r, const SelectDataReport& d) {
  auto b = reply_header(r, kRpySelectData, kSuccess);
  const size_t o = kReplyHeaderLen;
  put32(b, o, d.ref_id);
  put_address(b, o + 4, d.ip);
  b[o + 24] = static_cast<uint8_t>(d.state);
  b[o + 25] = d.authenticated ? 1 : 0;
  b[o + 26] = d.leap;
  put16(b, o + 28, d.conf_options);
  put16(b, o + 30, d.eff_options);
  put32(b, o + 32, d.last_sample_ago_s);
  putf(b, o + 36, d.score);
  putf(b, o + 40, d.lo_limit_s);
  putf(b, o + 44, d.hi_limit_s);
  return b;
}

std::vector<uint8_t> make_request(uint16_t command, uint32_t sequence,
                                  const std::vector<uint8_t>& fields) {
  size_t len = kRequestHeaderLen + fields.size();
  if (const auto t = reply_type_for(command)) len = std::max(len, reply_length(*t));
  std::vector<uint8_t> b(len, 0);
  b[0] = kProtoVersion;
  b[1] = kPktRequest;
  put16(b, 4, command);
  put32(b, 8, sequence);
  if (!fields.empty()) std::memcpy(&b[kRequestHeaderLen], fields.data(), fields.size());
  return b;
}

std::vector<uint8_t> index_field(int32_t index) {
  std::vector<uint8_t> b(4);
  put32(b, 0, static_cast<uint32_t>(index));
  return b;
}

std::vector<uint8_t> client_accesses_fields(const ClientAccessesQuery& q) {
  std::vector<uint8_t> b(16);
  put32(b, 0, q.first_index);
  put32(b, 4, q.n_clients);
  put32(b, 8, q.min_hits);
  put32(b, 12, q.reset ? 1 : 0);
  return b;
}

std::vector<uint8_t> address_field(const ReportAddress& a) {
  std::vector<uint8_t> b(kIpAddrLen);
  put_address(b, 0, a);
  return b;
}

std::string parse_reply(const uint8_t* p, size_t len, ReplyHeader* out) {
  if (len < kReplyHeaderLen) return "reply too short";
  if (p[0] != kProtoVersion) return "protocol version " + std::to_string(p[0]) + " (expected 6)";
  if (p[1] != kPktReply) return "not a reply";
  out->command = get16(p + 4);
  out->reply = get16(p + 6);
  out->status = get16(p + 8);
  out->sequence = get32(p + 16);
  if (len < reply_length(static_cast<ReplyType>(out->reply))) return "reply truncated";
  return "";
}

uint32_t decode_n_sources(const uint8_t* p) { return get32(p + kReplyHeaderLen); }

SourceReport decode_source_data(const uint8_t* p) {
  const uint8_t* d = p + kReplyHeaderLen;
  SourceReport s;
  s.ip = get_address(d);
  s.poll = static_cast<int16_t>(get16(d + 20));
  s.stratum = get16(d + 22);
  s.state = static_cast<SourceReport::State>(get16(d + 24));
  s.mode = static_cast<SourceReport::Mode>(get16(d + 26));
  s.flags = get16(d + 28);
  s.reach = get16(d + 30);
  s.since_sample_s = get32(d + 32);
  s.orig_latest_meas_s = getf(d + 36);
  s.latest_meas_s = getf(d + 40);
  s.latest_meas_err_s = getf(d + 44);
  return s;
}

TrackingReport decode_tracking(const uint8_t* p) {
  const uint8_t* d = p + kReplyHeaderLen;
  TrackingReport t;
  t.ref_id = get32(d);
  t.ip = get_address(d + 4);
  t.stratum = get16(d + 24);
  t.leap_status = get16(d + 26);
  t.ref_time = get_timespec(d + 28);
  t.current_correction_s = getf(d + 40);
  t.last_offset_s = getf(d + 44);
  t.rms_offset_s = getf(d + 48);
  t.freq_ppm = getf(d + 52);
  t.resid_freq_ppm = getf(d + 56);
  t.skew_ppm = getf(d + 60);
  t.root_delay_s = getf(d + 64);
  t.root_dispersion_s = getf(d + 68);
  t.last_update_interval_s = getf(d + 72);
  return t;
}

SourceStatsReport decode_sourcestats(const uint8_t* p) {
  const uint8_t* d = p + kReplyHeaderLen;
  SourceStatsReport s;
  s.ref_id = get32(d);
  s.ip = get_address(d + 4);
  s.n_samples = get32(d + 24);
  s.n_runs = get32(d + 28);
  s.span_s = get32(d + 32);
  s.sd_s = getf(d + 36);
  s.resid_freq_ppm = getf(d + 40);
  s.skew_ppm = getf(d + 44);
  s.est_offset_s = getf(d + 48);
  s.est_offset_err_s = getf(d + 52);
  return s;
}

ActivityReport decode_activity(const uint8_t* p) {
  const uint8_t* d = p + kReplyHeaderLen;
  ActivityReport a;
  a.online = static_cast<int32_t>(get32(d));
  a.offline = static_cast<int32_t>(get32(d + 4));
  a.burst_online = static_cast<int32_t>(get32(d + 8));
  a.burst_offline = static_cast<int32_t>(get32(d + 12));
  a.unresolved = static_cast<int32_t>(get32(d + 16));
  return a;
}

SmoothingReport decode_smoothing(const uint8_t* p) {
  const uint8_t* d = p + kReplyHeaderLen;
  SmoothingReport s;
  const uint32_t flags = get32(d);
  s.active = (flags & 1u) != 0;
  s.leap_only = (flags & 2u) != 0;
  s.offset_s = getf(d + 4);
  s.freq_ppm = getf(d + 8);
  s.wander_ppm_per_s = getf(d + 12);
  s.last_update_ago_s = getf(d + 16);
  s.remaining_time_s = getf(d + 20);
  return s;
}

ServerStatsReport decode_server_stats(const uint8_t* p) {
  const uint8_t* d = p + kReplyHeaderLen;
  ServerStatsReport s;
  uint32_t* f[] = {&s.ntp_hits, &s.nke_hits, &s.cmd_hits, &s.ntp_drops, &s.nke_drops,
                   &s.cmd_drops, &s.log_drops, &s.ntp_auth_hits, &s.ntp_interleaved_hits,
                   &s.ntp_timestamps, &s.ntp_span_seconds};
  for (size_t i = 0; i < 11; ++i) *f[i] = get32(d + 4 * i);
  return s;
}

std::string decode_ntp_source_name(const uint8_t* p) {
  const char* d = reinterpret_cast<const char*>(p + kReplyHeaderLen);
  return std::string(d, strnlen(d, 256));
}

NtpDataReport decode_ntp_data(const uint8_t* p) {
  const uint8_t* d = p + kReplyHeaderLen;
  NtpDataReport r;
  r.remote = get_address(d);
  r.local = get_address(d + 20);
  r.remote_port = get16(d + 40);
  r.leap = d[42];
  r.version = d[43];
  r.mode = d[44];
  r.stratum = d[45];
  r.poll = static_cast<int8_t>(d[46]);
  r.precision = static_cast<int8_t>(d[47]);
  r.root_delay_s = getf(d + 48);
  r.root_dispersion_s = getf(d + 52);
  r.ref_id = get32(d + 56);
  r.ref_time = get_timespec(d + 60);
  r.offset_s = getf(d + 72);
  r.peer_delay_s = getf(d + 76);
  r.peer_dispersion_s = getf(d + 80);
  r.response_time_s = getf(d + 84);
  r.jitter_asymmetry = getf(d + 88);
  r.flags = get16(d + 92);
  r.tx_tss = static_cast<char>(d[94]);
  r.rx_tss = static_cast<char>(d[95]);
  r.total_tx = get32(d + 96);
  r.total_rx = get32(d + 100);
  r.total_valid = get32(d + 104);
  r.total_good = get32(d + 108);
  return r;
}

SelectDataReport decode_select_data(const uint8_t* p) {
  const uint8_t* d = p + kReplyHeaderLen;
  SelectDataReport r;
  r.ref_id = get32(d);
  r.ip = get_address(d + 4);
  r.state = static_cast<char>(d[24]);
  r.authenticated = d[25] != 0;
  r.leap = d[26];
  r.conf_options = get16(d + 28);
  r.eff_options = get16(d + 30);
  r.last_sample_ago_s = get32(d + 32);
  r.score = getf(d + 36);
  r.lo_limit_s = getf(d + 40);
  r.hi_limit_s = getf(d + 44);
  return r;
}

ClientAccessPage decode_client_accesses(const uint8_t* p) {
  const uint8_t* d = p + kReplyHeaderLen;
  ClientAccessPage page;
  page.n_indices = get32(d);
  page.next_index = get32(d + 4);
  const uint32_t n = std::min(get32(d + 8), ClientAccessPage::kMaxClients);
  for (uint32_t i = 0; i < n; ++i) {
    const uint8_t* c = d + 12 + i * kClientAccessLen;
    ClientAccessReport r;
    r.ip = get_address(c);
    uint32_t* counts[] = {&r.ntp_hits, &r.nke_hits, &r.cmd_hits,
                          &r.ntp_drops, &r.nke_drops, &r.cmd_drops};
    for (size_t k = 0; k < 6; ++k) *counts[k] = get32(c + 20 + 4 * k);
    r.ntp_interval = static_cast<int8_t>(c[44]);
    r.nke_interval = static_cast<int8_t>(c[45]);
    r.cmd_interval = static_cast<int8_t>(c[46]);
    r.ntp_timeout_interval = static_cast<int8_t>(c[47]);
    r.last_ntp_hit_ago = get32(c + 48);
    r.last_nke_hit_ago = get32(c + 52);
    r.last_cmd_hit_ago = get32(c + 56);
    page.clients.push_back(r);
  }
  return page;
}

}  // namespace chronon::ctl::candm
