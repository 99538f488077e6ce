// Symmetric mode (RFC 5905 §8-9, modes 1 and 2), sans-IO: both peers send at their own poll,
// each packet carrying our server state, our real transmit time, and the peer's last transmit
// time and our receive time of it (so the peer measures us as we measure it). A packet
// whose origin is one of our recent transmit timestamps completes an exchange and gives a
// sample: both sides poll on their own, so the peer may echo our last packet but one.
#pragma once

#include <cstddef>
#include <array>
#include <cstdint>
#include <ctime>

#include "control/source/client_exchange.h"
#include "dataplane/shared/server_state.h"

namespace chronon::ctl {

class SymmetricExchange {
 public:
  // Writes a symmetric active packet (mode 1) carrying `ours` into `buf`; `tx_time` is our
  // clock's reading as it leaves, and goes out as the transmit timestamp. Returns 48.
  size_t make_packet(uint8_t* buf, int8_t poll, int version, const dp::ServerState& ours,
                     timespec tx_time);
  // Checks a packet from the peer received at our clock's `rx_time`.
  ReplyResult process_packet(const uint8_t* p, size_t len, timespec rx_time, int precision_log2,
                             const ReplyLimits& limits);
  // Our last transmit time is no longer comparable (the clock was stepped): the next
  // packet from the peer gives no sample.
  void cancel() { sent_ = {}; }

  static constexpr size_t kRemembered = 4;

 private:
  struct Sent {
    ts::NtpTimestamp tx{};  // our transmit timestamp, as sent
    timespec time{};
  };
  std::array<Sent, kRemembered> sent_{};  // our recent packets, newest at next_ - 1
  size_t next_ = 0;
  ts::NtpTimestamp peer_tx_{};   // the peer's last transmit timestamp: our next origin
  timespec peer_rx_time_{};      // when we received it: our next receive timestamp
};

}  // namespace chronon::ctl
