// ClientExchange; see client_exchange.h.
#include "control/source/client_exchange.h"

#include <cstring>

#include "control/source/sample_math.h"
#include "dataplane/core/ntp_packet.h"

namespace chronon::ctl {

const char* reply_verdict_name(ReplyVerdict v) {
  switch (v) {
    case ReplyVerdict::kOk: return "ok";
    case ReplyVerdict::kNotExpected: return "not expected";
    case ReplyVerdict::kMalformed: return "malformed";
    case ReplyVerdict::kDuplicate: return "duplicate (test 1)";
    case ReplyVerdict::kBogus: return "bogus origin (test 2)";
    case ReplyVerdict::kInvalid: return "invalid timestamps (test 3)";
    case ReplyVerdict::kUnsynchronised: return "unsynchronised server (test 6)";
    case ReplyVerdict::kBadHeader: return "bad header (test 7)";
    case ReplyVerdict::kKissOfDeath: return "kiss-o'-death";
    case ReplyVerdict::kBadDelay: return "delay over limit (test A)";
    case ReplyVerdict::kSyncLoop: return "synchronised to us (test D)";
  }
  return "?";
}

size_t ClientExchange::make_request(uint8_t* buf, int8_t poll, uint64_t cookie,
                                    timespec tx_time, int version) {
  std::memset(buf, 0, kNtpRequestLen);
  buf[0] = dp::make_lvm(0, static_cast<uint8_t>(version), dp::NtpMode::kClient);
  buf[2] = static_cast<uint8_t>(poll);
  cookie_ = ts::NtpTimestamp{cookie};
  const uint64_t wire = ts::to_wire(cookie_);
  std::memcpy(buf + 40, &wire, 8);
  tx_time_ = tx_time;
  outstanding_ = true;
  return kNtpRequestLen;
}

void ClientExchange::set_tx_time(timespec tx_time) { tx_time_ = tx_time; }

ReplyResult ClientExchange::process_reply(const uint8_t* p, size_t len, timespec rx_time,
                                          int precision_log2, const ReplyLimits& limits) {
  ReplyResult r;
  if (len < dp::kNtpHeaderLen) return r.verdict = ReplyVerdict::kMalformed, r;
  const uint8_t version = dp::lvm_version(p[0]);
  if (version < 1 || version > 4 || dp::lvm_mode(p[0]) != dp::NtpMode::kServer)
    return r.verdict = ReplyVerdict::kMalformed, r;
  if (!outstanding_) return r;  // kNotExpected
  const PacketFields f = read_packet_fields(p);
  // Test 2 first: a reply that does not answer our request must not disturb the exchange
  // (a spoofed packet could otherwise cancel the real reply).
  if (f.origin != cookie_) return r.verdict = ReplyVerdict::kBogus, r;
  r.tests_passed |= kTestBit2;
  outstanding_ = false;
  if (f.transmit == last_server_tx_) return r.verdict = ReplyVerdict::kDuplicate, r;
  r.tests_passed |= kTestBit1;
  last_server_tx_ = f.transmit;
  if (f.stratum == 0) {
    r.kiss = kiss_code(f.refid);
    return r.verdict = ReplyVerdict::kKissOfDeath, r;
  }
  return complete_sample(f, tx_time_, rx_time, precision_log2, limits, r);
}

}  // namespace chronon::ctl
