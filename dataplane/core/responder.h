// Builds the mode 4 reply to a validated client request, in place over the request
// (RFC 5905 §9.2, chronyd's transmit_packet() as the reference for field values).
// Pure: the caller supplies times and random bits; the transmit timestamp is written
// separately, as late as possible before the batch is sent.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dataplane/core/ntp_packet.h"
#include "dataplane/shared/server_state.h"
#include "timestamping/ntp_time.h"

namespace chronon::dp {

// Writes every header field but the transmit timestamp over the request at `p` (which must
// hold at least kNtpHeaderLen bytes). Returns the reply length: always the bare 48-byte
// header, so a reply is never longer than its request. `random` fills the bits of the
// receive timestamp below the precision, as chronyd does, so they leak nothing.
size_t build_reply(uint8_t* p, const NtpRequest& req, const ServerState& state,
                   ts::NtpTimestamp rx, uint64_t random);

// Interleaved mode (draft-ietf-ntp-interleaved-modes §2): as build_reply(), but the origin
// is the request's receive timestamp and the transmit timestamp is the accurate transmit
// time of the previous reply to this client, written now (finish nothing later).
size_t build_interleaved_reply(uint8_t* p, const NtpRequest& req, const ServerState& state,
                               ts::NtpTimestamp rx, ts::NtpTimestamp previous_tx,
                               uint64_t random);

// Turns a reply that build_reply() wrote into a Kiss-o'-Death (RFC 5905 §7.4): leap 3,
// stratum 0, the kiss code as refid. Same length as the reply.
void make_kiss_of_death(uint8_t* p, uint32_t code);
inline constexpr uint32_t kKissRate = 0x52415445;  // "RATE"

// Writes the transmit timestamp (with random bits below the precision). Makes sure it differs
// from the receive and origin timestamps (RFC 5905 §9.2 / chronyd: the client uses that to
// detect interleaved replies and bogus duplicates). Low bit conventions as chronyd: receive
// timestamps are odd, transmit timestamps even.
void set_transmit(uint8_t* p, ts::NtpTimestamp tx, int8_t precision, uint64_t random);

// Mask of the fraction bits below a precision of 2^precision_log2 seconds.
uint32_t fuzz_mask(int8_t precision_log2);

// A small fast PRNG (xorshift64*) a worker owns, for timestamp fuzz.
struct FastRandom {
  uint64_t s;
  uint64_t next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 0x2545F4914F6CDD1DULL;
  }
};

}  // namespace chronon::dp
