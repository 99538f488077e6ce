// The metrics endpoint's text: chronond's reports rendered as OpenMetrics 1.0 or as the
// Prometheus text format 0.0.4. Pure (plain structs in, text out) so it is tested line by line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "control/cmdmon/dataplane_counters.h"
#include "control/cmdmon/reports.h"

namespace chronon::ctl {

// What one scrape shows; metrics_collect.h fills it from chronond's state.
struct MetricsSnapshot {
  TrackingReport tracking;
  struct Source {
    std::string name;  // as configured/resolved: "10.0.0.1", "ntp.example.net", "PHC0"
    SourceReport report;
    SourceStatsReport stats;
  };
  std::vector<Source> sources;
  uint64_t cmd_received = 0, cmd_dropped = 0;  // command socket (chronyc serverstats)
  DataplaneCounters dataplane;
};

enum class MetricsFormat {
  kOpenMetrics,  // application/openmetrics-text; version=1.0.0 (ends with "# EOF")
  kPrometheus,   // text/plain; version=0.0.4, for clients that do not ask for OpenMetrics
};

// The Content-Type header value for `f`.
const char* metrics_content_type(MetricsFormat f);

// The whole exposition. Names and meanings are listed in docs/metrics.md.
std::string render_metrics(const MetricsSnapshot& s, MetricsFormat f);

}  // namespace chronon::ctl
