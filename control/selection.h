// Source selection and combining (chrony's sources.c, RFC 5905 §11.2): sources with enough
// samples (a first selection waits for those polled alongside to have them too), correctness
// intervals [offset - root distance, offset + root distance], the largest majority intersection
// (falsetickers rejected), trust/require/prefer, stratum-weighted choice with reselectdist
// hysteresis, then combining of the sources close to the selected one; with `local ... orphan`,
// chrony's orphan rule. Pure: no I/O, no time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "control/source/ntp_source.h"

namespace chronon::ctl {

struct SelectionInput {
  bool usable = false;        // reachable, has samples, server synchronised (leap != 3)
  // Usable, but too few samples for a regression yet (chrony's SRC_BAD_STATS): never
  // selected, and while nothing is selected it may hold the selection back (see below).
  bool stats_ok = true;
  // The reachability register as chronyd keeps it (NtpSource::settled_reach) and how many
  // polls it holds, up to 8.
  uint8_t reach = 0;
  int reach_size = 8;
  bool noselect = false, prefer = false, trust = false, require = false;
  int stratum = 0;            // the source's own stratum
  double offset_s = 0;        // our clock minus the source's, predicted for now
  double offset_sd_s = 0;
  double root_distance_s = 0; // root_delay/2 + root_dispersion + std_dev + aging
  double std_dev_s = 0;
  double frequency = 0;       // s per s, as SourceEstimate
  double skew = 0;
  double root_delay_s = 0, root_dispersion_s = 0;
  uint8_t leap = 0;
  // For orphan mode: the source's reference ID (from its address, not the one it serves),
  // ours as the source sees us (the refid of our address on the path to it; 0 while
  // unknown), and whether it is a reference clock (never an orphan).
  uint32_t refid = 0;
  uint32_t local_refid = 0;
  bool refclock = false;
};

struct SelectionParams {
  double stratumweight_s = 0.001;
  double combinelimit = 3.0;
  double maxdistance_s = 3.0;
  double maxjitter_s = 1.0;
  double reselectdist_s = 1e-4;
  int minsources = 1;
  // `local stratum N orphan`: N; 0 when orphan mode is off. An NTP source at stratum N or
  // more is an orphan (serving local time, or following one) and is not selected, except
  // the reachable stratum-N one with the smallest refid when nothing else is selectable and
  // its refid is smaller than ours (chrony 4.3's sources.c).
  int orphan_stratum = 0;
};

struct SelectionResult {
  std::vector<SourceState> states;  // one per input, in input order
  int selected = -1;                // index of the selected source, -1: none
  std::string no_selection_reason;  // when selected < 0, as chronyd logs it
  // Nothing selected because a source polled alongside the best ones is one sample short
  // of a regression (chronyd's SRC_WAITS_STATS): the usable sources wait for it.
  bool waiting_for_stats = false;
  // The index of the orphan source that was selected for want of any other (orphan mode),
  // -1: none.
  int orphan = -1;
  int combined = 0;                 // sources combined, the selected one included
  // The combined estimate (valid when selected >= 0).
  double offset_s = 0, offset_sd_s = 0, frequency = 0, skew = 0;
  double root_delay_s = 0, root_dispersion_s = 0;
  int stratum = 0;                  // the selected source's stratum
  uint8_t leap = 0;                 // majority of the truechimers' leap indicators
};

SelectionResult select_sources(const std::vector<SelectionInput>& in, const SelectionParams& p,
                               int previous_selected);

}  // namespace chronon::ctl
