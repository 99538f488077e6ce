// The `chronon dataplane` report: backend, workers and their counters, read from the shared
// segment (per-worker lines and totals; drops by reason).
#pragma once

#include <string>

#include "dataplane/shared/segment_layout.h"

namespace chronon::ctl {

// Human-readable report, or CSV (`-c`) with one line per worker plus a "total" line:
// worker,received,replied,send_errors,interleaved,kod,client_evictions,
// <one column per drop reason in NtpDrop order>.
std::string dataplane_report(const dp::Segment& seg, bool csv);

}  // namespace chronon::ctl
