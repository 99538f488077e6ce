// The commands that change what chronond does with its sources and clock (chronyc online,
// offline, onoffline, burst, makestep, reselect, smoothtime), apart from the protocol that carries them: which
// sources an address/mask pair selects, and what happens to them.
#pragma once

#include <optional>
#include <string>

#include "control/cmdmon/candm_wire.h"
#include "control/cmdmon/report_builder.h"
#include "control/timekeeper.h"

namespace chronon::ctl {

class SourceCommands {
 public:
  SourceCommands(TimeKeeper& keeper, const ReportBuilder& reports, const ts::Clock& clock)
      : keeper_(keeper), reports_(reports), clock_(clock) {}

  // Sets the NTP sources that `which` selects offline or online; how many it selected
  // (0: chronyc's "503 No such source"). Reference clocks are never selected.
  int set_offline(const candm::SourceSelector& which, bool offline);
  // Starts a burst of up to `total` requests (ending after `good` samples) on each
  // selected client-mode source (not peers); how many.
  int burst(const candm::SourceSelector& which, int good, int total);
  // The rest of the current slew as a step (Discipline::make_step).
  std::optional<double> make_step() { return keeper_.make_step(); }
  // makestep THRESHOLD LIMIT (Discipline::set_makestep).
  void set_makestep(double threshold_s, int limit) { keeper_.set_makestep(threshold_s, limit); }
  // reselect: what changed, for the log ("" if nothing).
  std::string reselect() { return keeper_.force_reselect().message; }
  // smoothtime: whether smoothtime is configured; reset / activate (true: it was locked).
  bool smoothing_enabled() const { return keeper_.smoothing() != nullptr; }
  void smoothtime_reset() { keeper_.smoothtime_reset(); }
  bool smoothtime_activate() { return keeper_.smoothtime_activate(); }

  // Whether source i is one that `which` selects: every NTP source when the address is
  // unspecified; else those whose address equals `address` under `mask`.
  bool selects(const candm::SourceSelector& which, size_t i) const;

 private:
  double mono_s() const;
  TimeKeeper& keeper_;
  const ReportBuilder& reports_;
  const ts::Clock& clock_;
};

}  // namespace chronon::ctl
