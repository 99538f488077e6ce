// The wire format of chrony's command and monitoring protocol (version 6, as chronyc 4.3
// speaks it; candm.h), for the read-only requests chronon answers: fixed-width big-endian
// fields at fixed offsets, chrony's 32-bit Float, IPAddr and Timespec encodings. Both the
// server in chronond and the chronon CLI use these functions, so they cannot disagree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "control/cmdmon/reports.h"

namespace chronon::ctl::candm {

inline constexpr uint8_t kProtoVersion = 6;
inline constexpr uint8_t kPktRequest = 1, kPktReply = 2;

// Request codes (REQ_*) chronon knows.
enum Command : uint16_t {
  kNull = 0, kOnline = 1, kOffline = 2, kBurst = 3, kNSources = 14, kSourceData = 15,
  kTracking = 33, kSourceStats = 34, kCycleLogs = 37, kMakeStep = 43, kActivity = 44, kReselect = 48,
  kModifyMakestep = 50, kSmoothing = 51, kSmoothTime = 52,
  kServerStats = 54, kNtpData = 57, kOnOffline = 63, kNtpSourceName = 65, kClientAccessesByIndex3 = 68,
  kSelectData = 69, kReloadSources = 70,
  // chronon's own requests, far above chrony's codes (chronyd answers them 502 Invalid
  // command). Change history: 0x8000 added with `chronon reload`.
  kChrononReload = 0x8000,
};
// Reply formats (RPY_*).
enum ReplyType : uint16_t {
  kRpyNull = 1, kRpyNSources = 2, kRpySourceData = 3, kRpyTracking = 5, kRpySourceStats = 6,
  kRpyActivity = 12, kRpySmoothing = 13, kRpyNtpData = 16, kRpyNtpSourceName = 19, kRpyClientAccessesByIndex3 = 21, kRpySelectData = 23,
  kRpyServerStats3 = 24,
};
// Status codes (STT_*).
enum Status : uint16_t {
  kSuccess = 0, kFailed = 1, kUnauth = 2, kInvalid = 3, kNoSuchSource = 4, kNotEnabled = 6,
  kInactive = 15, kBadPktVersion = 18, kBadPktLength = 19,
};

inline constexpr size_t kRequestHeaderLen = 20;  // offsetof(CMD_Request, data)
inline constexpr size_t kReplyHeaderLen = 28;    // offsetof(CMD_Reply, data)
inline constexpr size_t kIpAddrLen = 20;         // IPAddr: 16-byte union, family, pad
inline constexpr size_t kMaxRequestLen = 1024;  // above any chronyc request (484 bytes of padding at most)

// Length of each reply format on the wire (header + fields up to EOR, as pktlength.c).
size_t reply_length(ReplyType t);
// Reply format a request is answered with on success.
std::optional<ReplyType> reply_type_for(uint16_t command);
// The length a request for `command` must have: its fields, and the padding up to its
// reply's length (chrony's pktlength.c). 0 for commands chronon does not know.
size_t request_length(uint16_t command);

// chrony's Float: 7-bit signed exponent and 25-bit signed coefficient, value coef * 2^(exp-25).
int32_t encode_float(double x);
double decode_float(int32_t f);

struct Request {
  uint8_t version = 0;
  uint8_t pkt_type = 0;
  uint16_t command = 0;
  uint16_t attempt = 0;
  uint32_t sequence = 0;
  const uint8_t* data = nullptr;  // the command's fields (and padding)
  size_t data_len = 0;
};

// Splits a received request; false if it is too short to have a header.
bool parse_request(const uint8_t* p, size_t len, Request* out);
// The index argument of SOURCE_DATA / SOURCESTATS requests (nullopt if missing).
std::optional<int32_t> request_index(const Request& r);
// The address argument of NTP_SOURCE_NAME requests.
std::optional<ReportAddress> request_address(const Request& r);
// The arguments of CLIENT_ACCESSES_BY_INDEX3 requests.
struct ClientAccessesQuery {
  uint32_t first_index = 0, n_clients = 0, min_hits = 0;
  bool reset = false;
};
std::optional<ClientAccessesQuery> request_client_accesses(const Request& r);
// The arguments of ONLINE / OFFLINE (mask and address; both unspecified: every source) and
// BURST (the same, then good and total sample counts).
struct SourceSelector {
  ReportAddress mask, address;
};
std::optional<SourceSelector> request_selector(const Request& r);
struct BurstArgs {
  SourceSelector which;
  int32_t good = 0, total = 0;
};
std::optional<BurstArgs> request_burst(const Request& r);
std::vector<uint8_t> selector_fields(const SourceSelector& s);
// The arguments of MODIFY_MAKESTEP.
struct MakestepArgs {
  int32_t limit = 0;
  double threshold_s = 0;
};
std::optional<MakestepArgs> request_makestep(const Request& r);
std::vector<uint8_t> makestep_fields(const MakestepArgs& m);
std::vector<uint8_t> burst_fields(const BurstArgs& b);
// The option of SMOOTHTIME (REQ_SmoothTime): chrony's REQ_SMOOTHTIME_RESET / _ACTIVATE; any
// other value is passed on (chronyd answers it 502).
enum SmoothTimeOption : int32_t { kSmoothTimeReset = 0, kSmoothTimeActivate = 1 };
std::optional<int32_t> request_smoothtime(const Request& r);
std::vector<uint8_t> smoothtime_fields(int32_t option);
std::vector<uint8_t> client_accesses_fields(const ClientAccessesQuery& q);

// Replies. `status` other than success gives a null reply with that status.
std::vector<uint8_t> reply_status(const Request& r, Status status);
std::vector<uint8_t> reply_n_sources(const Request& r, uint32_t n);
std::vector<uint8_t> reply_source_data(const Request& r, const SourceReport& s);
std::vector<uint8_t> reply_tracking(const Request& r, const TrackingReport& t);
std::vector<uint8_t> reply_sourcestats(const Request& r, const SourceStatsReport& s);
std::vector<uint8_t> reply_activity(const Request& r, const ActivityReport& a);
std::vector<uint8_t> reply_smoothing(const Request& r, const SmoothingReport& s);
std::vector<uint8_t> reply_server_stats(const Request& r, const ServerStatsReport& s);
std::vector<uint8_t> reply_ntp_source_name(const Request& r, const std::string& name);
// At most ClientAccessPage::kMaxClients clients are encoded.
std::vector<uint8_t> reply_client_accesses(const Request& r, const ClientAccessPage& page);
std::vector<uint8_t> reply_ntp_data(const Request& r, const NtpDataReport& d);
std::vector<uint8_t> reply_select_data(const Request& r, const SelectDataReport& d);

// Client side: a request for `command` with its fields, padded (as chronyc pads) so that it
// is at least as long as the reply it asks for.
std::vector<uint8_t> make_request(uint16_t command, uint32_t sequence,
                                  const std::vector<uint8_t>& fields = {});
std::vector<uint8_t> index_field(int32_t index);
std::vector<uint8_t> address_field(const ReportAddress& a);

// A received reply's header, checked against the request it answers.
struct ReplyHeader {
  uint16_t command = 0, reply = 0, status = 0;
  uint32_t sequence = 0;
};
// Parses and checks a reply (version, type, length for its format). Returns an error text,
// or "" with `out` filled.
std::string parse_reply(const uint8_t* p, size_t len, ReplyHeader* out);
// Field decoders for replies of the matching format (after parse_reply succeeded).
uint32_t decode_n_sources(const uint8_t* p);
SourceReport decode_source_data(const uint8_t* p);
TrackingReport decode_tracking(const uint8_t* p);
SourceStatsReport decode_sourcestats(const uint8_t* p);
ActivityReport decode_activity(const uint8_t* p);
SmoothingReport decode_smoothing(const uint8_t* p);
ServerStatsReport decode_server_stats(const uint8_t* p);
std::string decode_ntp_source_name(const uint8_t* p);
ClientAccessPage decode_client_accesses(const uint8_t* p);
NtpDataReport decode_ntp_data(const uint8_t* p);
SelectDataReport decode_select_data(const uint8_t* p);

}  // namespace chronon::ctl::candm
