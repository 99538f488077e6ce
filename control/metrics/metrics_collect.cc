// collect_metrics; see metrics_collect.h.
#include "control/metrics/metrics_collect.h"

namespace chronon::ctl {

MetricsSnapshot collect_metrics(const ReportBuilder& reports, const dp::Segment& seg,
                                uint64_t cmd_received, uint64_t cmd_dropped) {
  MetricsSnapshot s;
  s.tracking = reports.tracking();
  for (size_t i = 0; i < reports.n_sources(); ++i) {
    const auto r = reports.source(i);
    const auto st = reports.sourcestats(i);
    if (!r || !st) continue;
    s.sources.push_back({reports.source_name(i), *r, *st});
  }
  s.cmd_received = cmd_received;
  s.cmd_dropped = cmd_dropped;
  s.dataplane = read_dataplane_counters(seg);
  return s;
}

}  // namespace chronon::ctl
