// Gathers one metrics scrape's values from chronond's state: the command protocol's reports
// (ReportBuilder) and the dataplane's counters, so the endpoint shows what chronyc shows.
#pragma once

#include <cstdint>

#include "control/cmdmon/report_builder.h"
#include "control/metrics/metrics_text.h"

namespace chronon::ctl {

// `cmd_received`/`cmd_dropped`: the command socket's counters (CmdmonServer hits/drops).
MetricsSnapshot collect_metrics(const ReportBuilder& reports, const dp::Segment& seg,
                                uint64_t cmd_received, uint64_t cmd_dropped);

}  // namespace chronon::ctl
