// chrony 4.3's text for the measurements, statistics and tracking logs: one row per record and
// the banner, byte for byte, so tools that parse chrony's log files parse chronon's.
// Pure functions; every returned text lacks the final newline (LogFile adds it).
#pragma once

#include <string>
#include <string_view>

#include "control/logs/log_records.h"

namespace chronon::ctl {

std::string format_measurement(const MeasurementRecord& r);
std::string format_statistics(const StatisticsRecord& r);
std::string format_tracking(const TrackingRecord& r);

// The banner chrony writes above the rows: a line of '=' as long as the column titles, the
// titles, and the '=' line again ("===...\n   Date (UTC) Time ...\n===...").
std::string_view measurements_banner();
std::string_view statistics_banner();
std::string_view tracking_banner();

// "YYYY-MM-DD HH:MM:SS" in UTC from the whole seconds of `t`, the first two columns of every
// row ("INVALID    INVALID " if the time cannot be represented, as chrony writes then).
std::string format_log_time(const timespec& t);

}  // namespace chronon::ctl
