// The load generator's frames: an NTP client request from one simulated client, written whole
// (Ethernet, IPv4, UDP, NTP) into a UMEM frame; and a received frame read back as a reply to
// one of them, with what it says about the server and the request it answers.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bench/loadgen/client_set.h"

namespace chronon::bench {

struct RequestTemplate {
  uint8_t src_mac[6], dst_mac[6];
  uint32_t server_v4;  // host order
  uint16_t server_port;
};

// Writes client `index`'s request sent at `send_ntp_raw` and returns the frame's length (0 if
// `cap` is too small). `previous_server_rx` non-zero asks for interleaved mode as chronyd's
// clients do (origin = the server's receive timestamp of the previous reply, receive !=
// transmit); zero sends a basic request.
size_t write_request(uint8_t* buf, size_t cap, const RequestTemplate& t, const ClientSet& clients,
                     uint32_t index, uint64_t send_ntp_raw, uint64_t previous_server_rx);

// The template loadgen_program.h hands to loadgen.bpf.c: a request with source address,
// source port and NTP timestamps zero (the program fills them in per frame).
size_t write_request_template(uint8_t* buf, size_t cap, const RequestTemplate& t);

enum class ReplyKind : uint8_t {
  kNotOurs,      // not UDP from the server's port to one of our clients (or a bad frame)
  kInvalid,      // to one of our clients, but not a reply to a request we sent
  kBasic,        // a server reply (mode 4) answering our transmit timestamp
  kInterleaved,  // a server reply answering our receive timestamp (interleaved mode)
  kKissOfDeath,  // stratum 0 with a kiss code (RFC 5905 §7.4), e.g. RATE
};

struct Reply {
  ReplyKind kind = ReplyKind::kNotOurs;
  uint32_t client = 0;
  uint64_t send_ntp_raw = 0;  // when the request was sent (from the echoed stamp)
  uint64_t server_rx = 0, server_tx = 0;
  int8_t precision = 0;
  uint32_t refid = 0;
};

Reply read_reply(const uint8_t* frame, size_t len, const RequestTemplate& t,
                 const ClientSet& clients);

}  // namespace chronon::bench
