// Builds the command protocol's reports from chronond's state: the TimeKeeper (sources,
// selection, discipline), the served reference, and the dataplane's counters in the shared
// segment. Pure reads; the cmdmon server encodes what this returns.
#pragma once

#include <optional>
#include <string>

#include "control/cmdmon/reports.h"
#include "control/server_state_source.h"
#include "control/timekeeper.h"
#include "dataplane/shared/segment_layout.h"

namespace chronon::ctl {

class ReportBuilder {
 public:
  ReportBuilder(const TimeKeeper& keeper, ServerStateSource& state, const ts::Clock& clock,
                const dp::Segment& seg);
  TrackingReport tracking() const;
  // Sources are numbered for reports without those `reload sources` removed.
  size_t n_sources() const;
  std::optional<SourceReport> source(size_t i) const;
  std::optional<SourceStatsReport> sourcestats(size_t i) const;
  ActivityReport activity(int unresolved) const;
  // chronyc smoothing; nullopt without smoothtime (chronyc's "505 Facility not enabled").
  std::optional<SmoothingReport> smoothing() const;
  ServerStatsReport server_stats(uint64_t cmd_hits, uint64_t cmd_drops) const;

  // The report address of the TimeKeeper's source i (not a report index): its IP address,
  // or its refid for a reference clock.
  ReportAddress address_of(size_t i) const;
  // The TimeKeeper's index of report index `report_index`.
  std::optional<size_t> keeper_index(size_t report_index) const;
  // chronyc selectdata for source i.
  std::optional<SelectDataReport> select_data(size_t i) const;
  // chronyc ntpdata for the NTP source at `a` (nullopt: no such source, or a refclock).
  std::optional<NtpDataReport> ntp_data(const ReportAddress& a) const;
  // The name the source at `a` was configured with (`server NAME`), for chronyc -N.
  std::optional<std::string> configured_name(const ReportAddress& a) const;
  // Source i's name: its address, the host name until it resolves, a refclock's refid.
  const std::string& source_name(size_t i) const;

 private:
  const TimeKeeper& keeper_;
  ServerStateSource& state_;
  const ts::Clock& clock_;
  const dp::Segment& seg_;
};

}  // namespace chronon::ctl
