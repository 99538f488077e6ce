// The client side of one NTP exchange, sans-IO (RFC 5905 §8, chrony's ntp_core.c): builds a
// request with a random transmit timestamp, checks the reply with chrony's numbered tests and
// turns the four timestamps into an NtpSample. No sockets, no clock: times come in as arguments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <vector>

#include "control/source/ntp_sample.h"
#include "timestamping/ntp_time.h"

namespace chronon::ctl {

inline constexpr size_t kNtpRequestLen = 48;

// Why a reply was not used. Numbers follow chrony's measurements log (tests 1-7, A-D).
enum class ReplyVerdict : uint8_t {
  kOk,
  kNotExpected,    // no request outstanding (late or spoofed reply)
  kMalformed,      // shorter than the header, wrong version or mode
  kDuplicate,      // test 1: the same transmit timestamp as the last reply
  kBogus,          // test 2: origin timestamp is not the one we sent
  kInvalid,        // test 3: zero receive/transmit timestamps, or server time going backwards
  kUnsynchronised, // test 6: leap 3 or stratum 16 (a server with no source)
  kBadHeader,      // test 7: root distance over maxdistance, reference time after transmit
  kKissOfDeath,    // RFC 5905 §7.4: leap 3, stratum 0, a kiss code as reference ID
  kBadDelay,       // test A: delay over maxdelay (or maxdelayratio / maxdelaydevratio)
  kSyncLoop,       // test D: the source is synchronised to us (its refid is our address)
};
const char* reply_verdict_name(ReplyVerdict v);

// The kiss codes a client must act on (RFC 5905 §7.4).
enum class KissCode : uint8_t { kNone, kRate, kDeny, kRstr, kOther };

struct ReplyLimits {
  double max_delay_s = 3.0;         // maxdelay
  double max_distance_s = 3.0;      // maxdistance: root_delay/2 + root_dispersion
  double max_delay_ratio = 0.0;     // maxdelayratio (0: off): delay / minimum delay seen
  double min_delay_seen_s = 0.0;    // the source's minimum delay so far (0: none yet)
  std::vector<uint32_t> own_refids; // what a source synchronised to us gives as refid
};

struct ReplyResult {
  ReplyVerdict verdict = ReplyVerdict::kNotExpected;
  bool interleaved = false;  // the reply finished the previous exchange (interleaved mode)
  KissCode kiss = KissCode::kNone;
  NtpSample sample{};
  // chrony's measurements-log test columns: tests 1-3 ("123"), 5-7 ("567"), A-D ("ABCD").
  uint16_t tests_passed = 0;  // bit i set: test i passed (0..2 = 1..3, 3..5 = 5..7, 6..9 = A..D)
};

class ClientExchange {
 public:
  // `xleave`: ask for interleaved replies (draft-ietf-ntp-interleaved-modes §2), in which the
  // server sends the exact transmit time of its previous reply; basic replies still work.
  explicit ClientExchange(bool xleave = false) : xleave_(xleave) {}

  // Writes a client request (mode 3, version 4, our poll) into `buf` and remembers it.
  // `cookie` (random bits) goes out as the transmit timestamp, as chrony does, so an off-path
  // attacker cannot guess it and our clock is not disclosed; `tx_time` is our clock's
  // reading as the request leaves. Returns kNtpRequestLen.
  size_t make_request(uint8_t* buf, int8_t poll, uint64_t cookie, timespec tx_time,
                      int version = 4);
  // A better transmit time for the outstanding request (e.g. the kernel's TX timestamp).
  void set_tx_time(timespec tx_time);
  // Checks a reply received at our clock's `rx_time`. `precision_log2` is our clock's.
  ReplyResult process_reply(const uint8_t* p, size_t len, timespec rx_time, int precision_log2,
                            const ReplyLimits& limits);
  // Forgets the outstanding request and the previous exchange (their times are no longer
  // valid, e.g. after a step).
  void cancel() {
    outstanding_ = false;
    prev_.valid = false;
  }
  bool outstanding() const { return outstanding_; }

 private:
  // The previous complete exchange, which an interleaved reply finishes with its accurate
  // transmit time.
  struct Previous {
    bool valid = false;
    timespec t1{}, t4{};          // our transmit and receive times
    ts::NtpTimestamp t2{};        // the server's receive timestamp (our next origin)
    ts::NtpTimestamp t4_sent{};   // t4 as we send it in our next receive field
  };
  void remember(timespec t1, ts::NtpTimestamp t2, timespec t4);
  bool xleave_;
  Previous prev_;
  bool outstanding_ = false;
  ts::NtpTimestamp cookie_{};
  timespec tx_time_{};
  ts::NtpTimestamp last_server_tx_{};
};

}  // namespace chronon::ctl
