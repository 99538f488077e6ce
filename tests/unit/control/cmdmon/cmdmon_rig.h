// What the command-server tests share: a TimeKeeper serving `local stratum 8` on a virtual
// clock, an empty shared segment, and the reports built from them.
#pragma once

#include <memory>
#include <utility>

#include "control/cmdmon/report_builder.h"
#include "timestamping/virtual_clock.h"

namespace chronon::ctl {

struct CmdmonRig {
  CmdmonRig() = default;
  // With `c` in force (e.g. smoothtime configured).
  explicit CmdmonRig(Config c) : cfg(std::move(c)) {}
  ts::SimulatedClock base{timespec{1800000000, 0}};
  ts::VirtualClock clock{base};
  Config cfg;
  ServerStateSource state{clock, LocalReference{true, 8, 1.0}, 0};
  TimeKeeper keeper{cfg, clock, clock, state, 0.0, 1000.0};
  std::unique_ptr<dp::Segment> seg = std::make_unique<dp::Segment>();
  ReportBuilder reports{keeper, state, clock, *seg};

  // Adds an NTP source configured (and reported) as `address`.
  NtpSource& add(const char* address, uint32_t refid = 0) {
    SourceConfig s;
    s.address = address;
    return keeper.add_source(s, address, refid);
  }
};

}  // namespace chronon::ctl
