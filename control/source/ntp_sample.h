// One measurement of a source's clock against ours, from one valid NTP exchange (RFC 5905 §8),
// in chrony's sign convention: offset_s is our clock minus the source's (positive: we are ahead).
#pragma once

#include <cstdint>
#include <ctime>

#include "timestamping/ntp_time.h"

namespace chronon::ctl {

struct NtpSample {
  timespec local_time{};       // our clock at the middle of the exchange
  double offset_s = 0;         // our clock minus the source's
  double delay_s = 0;          // round trip minus the server's processing time
  double dispersion_s = 0;     // both precisions plus frequency tolerance over the delay
  double root_delay_s = 0;     // the server's root delay plus delay_s
  double root_dispersion_s = 0;  // the server's root dispersion plus dispersion_s
  int stratum = 0;             // the server's stratum
  uint8_t leap = 0;            // the server's leap indicator
  uint32_t refid = 0;          // the server's reference ID
  ts::NtpTimestamp reference_time{};
  int8_t poll = 0;             // the server's poll field
};

}  // namespace chronon::ctl
