// Decides the server state that replies carry, from the configuration and the clock, as
// chronyd's REF_GetReferenceParams() does: a synchronised reference (later, from sources),
// else the local reference (`local stratum N`), else unsynchronised.
#pragma once

#include "dataplane/shared/server_state.h"
#include "timestamping/clock.h"

namespace chronon::ctl {

struct LocalReference {
  bool enabled = false;
  int stratum = 10;
};

class ServerStateSource {
 public:
  ServerStateSource(const ts::Clock& clock, LocalReference local, int poll_floor_log2);
  // The state to publish now.
  dp::ServerState current();

 private:
  const ts::Clock& clock_;
  LocalReference local_;
  int8_t precision_;
  int8_t min_poll_;
  timespec local_ref_time_{};
};

}  // namespace chronon::ctl
