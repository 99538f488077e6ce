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
  if (xleave_ && prev_.valid) {
    // Interleaved request: origin = the server's receive timestamp of our previous request,
    // receive = our receive time of its reply; the server answers with the transmit time of
    // that reply and echoes our receive field as origin.
    const uint64_t org = ts::to_wire(prev_.t2), rec = ts::to_wire(prev_.t4_sent);
    std::memcpy(buf + 24, &org, 8);
    std::memcpy(buf + 32, &rec, 8);
  }
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
  // (a spoofed packet could otherwise cancel the real reply). An interleaved reply echoes
  // the receive field of our request instead of its transmit field.
  const bool interleaved = xleave_ && prev_.valid && !prev_.t4_sent.is_zero() &&
                           f.origin == prev_.t4_sent;
  if (f.origin != cookie_ && !interleaved) return r.verdict = ReplyVerdict::kBogus, r;
  r.tests_passed |= kTestBit2;
  outstanding_ = false;
  // Test 1. An interleaved reply's transmit time is that of the server's previous reply, so
  // it may equal the transmit field we saw last; its origin (our receive time, new at every
  // exchange) already makes a replay fail test 2.
  if (!interleaved && f.transmit == last_server_tx_) return r.verdict = ReplyVerdict::kDuplicate, r;
  r.tests_passed |= kTestBit1;
  last_server_tx_ = f.transmit;
  if (is_kiss(f)) return kiss_of_death(f, r);
  if (!interleaved) {
    remember(tx_time_, f.receive, rx_time);
    return complete_sample(f, tx_time_, rx_time, precision_log2, limits, r);
  }
  // The reply completes the previous exchange: its T1, T2 and T4 with this reply's T3.
  PacketFields prev = f;
  prev.receive = prev_.t2;
  const Previous done = prev_;
  remember(tx_time_, f.receive, rx_time);
  r.interleaved = true;
  return complete_sample(prev, done.t1, done.t4, precision_log2, limits, r);
}

void ClientExchange::remember(timespec t1, ts::NtpTimestamp t2, timespec t4) {
  prev_.valid = true;
  prev_.t1 = t1;
  prev_.t2 = t2;
  prev_.t4 = t4;
  prev_.t4_sent = ts::to_ntp(t4);
}

}  // namespace chronon::ctl
