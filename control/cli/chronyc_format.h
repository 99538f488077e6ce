// The text chronyc 4.3 prints for tracking, sources, sourcestats, activity, serverstats,
// smoothing and the others below (tables, `-v` legends and `-c` CSV), byte for byte, so scripts written for chronyc can read
// the chronon CLI. Pure functions of the reports; names are addresses (no DNS, as chronyc -n).
#pragma once

#include <string>
#include <vector>

#include "control/cmdmon/reports.h"

namespace chronon::ctl {

// `name`, when not empty, replaces the reference's address (chronyc -N).
std::string format_tracking(const TrackingReport& t, bool csv, const std::string& name = "");

// `all` (chronyc's -a) also lists sources whose address is not resolved yet (family kId).
// `names` (chronyc's -N), when not empty, holds each report's configured name, used in place
// of its address (reference clocks keep their refid).
std::string format_sources(const std::vector<SourceReport>& sources, bool verbose, bool csv,
                           bool all = false, const std::vector<std::string>& names = {});
std::string format_sourcestats(const std::vector<SourceStatsReport>& stats, bool verbose,
                               bool csv, bool all = false,
                               const std::vector<std::string>& names = {});

// The table starts with "200 OK", as chronyc's does; CSV has only the numbers.
std::string format_activity(const ActivityReport& a, bool csv = false);
std::string format_serverstats(const ServerStatsReport& s, bool csv);
// chronyc smoothing (its "Active : Yes " keeps the space before the empty leap-only note).
std::string format_smoothing(const SmoothingReport& s, bool csv);
// chronyc selectdata (`all`: unresolved sources too; `names` as for sources).
std::string format_selectdata(const std::vector<SelectDataReport>& rows, bool verbose, bool csv,
                              bool all = false, const std::vector<std::string>& names = {});
// chronyc ntpdata for one source (`leading_newline`: chronyc's blank line before each report
// when it lists every source, in the table only).
std::string format_ntpdata(const NtpDataReport& d, bool csv, bool leading_newline);
// One line of chronyc waitsync: "try: 1, refid: 0A000001, correction: ..., skew: ...".
std::string format_waitsync_try(int attempt, uint32_t ref_id, double correction_s,
                                double skew_ppm, bool csv);
// chronyc clients; `nke` (-k) shows the NTS-KE columns instead of the command ones.
std::string format_clients(const std::vector<ClientAccessReport>& clients, bool nke, bool csv);

// chronyc's source symbols: mode '^' '=' '#', state '*' '+' '-' '?' 'x' '~'.
char source_mode_char(SourceReport::Mode m);
char source_state_char(SourceReport::State s);

}  // namespace chronon::ctl
