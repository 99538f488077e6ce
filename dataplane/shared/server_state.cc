// Constructors of well-known server states.
#include "dataplane/shared/server_state.h"

namespace chronon::dp {

ServerState unsynchronised_state(int8_t precision) {
  ServerState s;
  s.leap = kLeapUnsynchronised;
  s.stratum = 0;
  s.precision = precision;
  s.refid = kRefidUnsync;
  s.root_delay = ts::to_short(std::chrono::seconds(1));
  s.root_dispersion = ts::to_short(std::chrono::seconds(1));
  s.reference_time = ts::NtpTimestamp{};
  return s;
}

}  // namespace chronon::dp
