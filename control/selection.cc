// select_sources; see selection.h.
#include "control/selection.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace chronon::ctl {

namespace {

struct Interval {
  double lo, hi;
};

// The region covered by the most intervals among `idx` (Marzullo's sweep). Returns the
// count and the region; on ties the first region wins, as in chrony.
std::pair<int, Interval> best_intersection(const std::vector<Interval>& iv,
                                           const std::vector<int>& idx) {
  std::vector<std::pair<double, int>> ends;  // (position, +1 start / -1 end)
  for (int i : idx) {
    ends.push_back({iv[i].lo, +1});
    ends.push_back({iv[i].hi, -1});
  }
  // Starts before ends at the same point, so touching intervals count as overlapping.
  std::sort(ends.begin(), ends.end(), [](const auto& a, const auto& b) {
    return a.first < b.first || (a.first == b.first && a.second > b.second);
  });
  int depth = 0, best = 0;
  Interval region{0, 0};
  for (size_t k = 0; k < ends.size(); ++k) {
    depth += ends[k].second;
    if (ends[k].second > 0 && depth > best) {
      best = depth;
      region.lo = ends[k].first;
      // The region lasts until the next end point.
      region.hi = k + 1 < ends.size() ? ends[k + 1].first : ends[k].first;
    }
  }
  return {best, region};
}

bool overlaps(const Interval& a, const Interval& b) { return a.lo <= b.hi && b.lo <= a.hi; }

}  // namespace

SelectionResult select_sources(const std::vector<SelectionInput>& in, const SelectionParams& p,
                               int previous_selected) {
  SelectionResult r;
  const int n = static_cast<int>(in.size());
  r.states.assign(in.size(), SourceState::kUnusable);
  std::vector<Interval> iv(in.size());
  std::vector<int> candidates, trusted;
  int bad_stats = 0;
  unsigned max_bad_stats_reach = 0;
  int orphan = -1;
  for (int i = 0; i < n; ++i) {
    const auto& s = in[i];
    if (!s.usable) continue;
    if (!s.stats_ok) {
      if (!s.noselect) {
        ++bad_stats;
        max_bad_stats_reach = std::max<unsigned>(max_bad_stats_reach, s.reach);
      }
      continue;
    }
    if (s.root_distance_s > p.maxdistance_s) continue;
    if (s.std_dev_s > p.maxjitter_s) {
      r.states[i] = SourceState::kJittery;
      continue;
    }
    iv[i] = {s.offset_s - s.root_distance_s, s.offset_s + s.root_distance_s};
    if (s.noselect) {
      r.states[i] = SourceState::kNotCombined;
      continue;
    }
    // Orphan mode (chrony's SRC_ORPHAN): a source at the orphan stratum serves its local
    // time, one above it follows an orphan; neither is a candidate. The reachable one at
    // the orphan stratum with the smallest refid is kept in reserve.
    if (p.orphan_stratum > 0 && !s.refclock && s.stratum >= p.orphan_stratum) {
      if (s.stratum == p.orphan_stratum && s.reach != 0 &&
          (orphan < 0 || s.refid < in[orphan].refid))
        orphan = i;
      continue;
    }
    candidates.push_back(i);
    if (s.trust) trusted.push_back(i);
  }
  // With nothing else selectable, the servers of a group that share the orphan stratum and
  // poll one another follow the one with the smallest refid; the one whose own refid is
  // smallest follows nobody and serves its local reference. The order is total, so the
  // group settles on one leader and stays there.
  if (candidates.empty() && orphan >= 0 && in[orphan].local_refid != 0 &&
      in[orphan].refid < in[orphan].local_refid) {
    candidates.push_back(orphan);
    if (in[orphan].trust) trusted.push_back(orphan);
    r.orphan = orphan;
  }
  if (candidates.empty()) {
    r.no_selection_reason = "no selectable sources";
    return r;
  }
  // chronyd's first selection waits, in the first 8 polls, while the reachability register
  // of a source with too few samples is that of the best selectable source one poll behind:
  // sources polled together (iburst) are compared together, so the first to answer three
  // times cannot be selected (and perhaps stepped to) before the others can outvote it.
  unsigned max_reach = 0;
  int max_reach_size = 0;
  for (int i : candidates) {
    max_reach = std::max<unsigned>(max_reach, in[i].reach);
    max_reach_size = std::max(max_reach_size, in[i].reach_size);
  }
  if (bad_stats > 0 && previous_selected < 0 && max_reach_size < 8 &&
      max_reach >> 1 == max_bad_stats_reach) {
    r.waiting_for_stats = true;
    r.no_selection_reason = "waiting for more samples";
    return r;
  }

  // The truth is the majority's intersection; with trusted sources, theirs if they agree.
  auto [count, region] = best_intersection(iv, candidates);
  bool have_truth = count * 2 > static_cast<int>(candidates.size());
  if (!trusted.empty()) {
    auto [tcount, tregion] = best_intersection(iv, trusted);
    if (!have_truth || tcount * 2 > static_cast<int>(trusted.size())) {
      bool all_trusted_in = true;
      for (int i : trusted) all_trusted_in &= overlaps(iv[i], region);
      if (!have_truth || !all_trusted_in) {
        region = tregion;
        count = tcount;
        have_truth = true;
      }
    }
  }
  std::vector<int> truechimers;
  for (int i : candidates) {
    if (have_truth && overlaps(iv[i], region)) truechimers.push_back(i);
    else r.states[i] = SourceState::kFalseticker;
  }
  if (!have_truth || static_cast<int>(truechimers.size()) < p.minsources) {
    for (int i : candidates) if (r.states[i] != SourceState::kFalseticker) r.states[i] = SourceState::kNotCombined;
    r.no_selection_reason = have_truth ? "not enough sources (minsources)" : "no majority";
    return r;
  }
  bool require_configured = false, require_met = false;
  for (int i = 0; i < n; ++i) require_configured |= in[i].require && !in[i].noselect;
  for (int i : truechimers) require_met |= in[i].require;
  for (int i : truechimers) r.states[i] = SourceState::kNotCombined;
  if (require_configured && !require_met) {
    r.no_selection_reason = "no required source is selectable";
    return r;
  }

  // Choose: prefer sources first, then the lowest stratum-weighted distance; keep the
  // current source unless another is better by more than reselectdist.
  std::vector<int> pool;
  for (int i : truechimers) if (in[i].prefer) pool.push_back(i);
  if (pool.empty()) pool = truechimers;
  auto score = [&](int i) { return in[i].stratum * p.stratumweight_s + in[i].root_distance_s; };
  int best = pool.front();
  for (int i : pool) if (score(i) < score(best)) best = i;
  if (previous_selected >= 0 && previous_selected != best &&
      std::find(pool.begin(), pool.end(), previous_selected) != pool.end() &&
      score(previous_selected) <= score(best) + p.reselectdist_s)
    best = previous_selected;
  r.selected = best;
  r.states[best] = SourceState::kSelected;

  // Combine the selected source with those whose distance is within combinelimit of it.
  const auto& sel = in[best];
  double w_sum = 0, off = 0, freq_w = 0, freq = 0;
  std::vector<int> used;
  for (int i : pool) {
    if (i != best && in[i].root_distance_s > p.combinelimit * sel.root_distance_s) continue;
    if (i != best) r.states[i] = SourceState::kCombined;
    used.push_back(i);
    const double w = 1.0 / std::max(in[i].root_distance_s, 1e-9);
    w_sum += w;
    off += w * in[i].offset_s;
    const double fw = 1.0 / std::max(in[i].skew * in[i].skew, 1e-24);
    freq_w += fw;
    freq += fw * in[i].frequency;
  }
  r.combined = static_cast<int>(used.size());
  r.offset_s = off / w_sum;
  double var = 0;
  for (int i : used) {
    const double w = 1.0 / std::max(in[i].root_distance_s, 1e-9);
    const double d = in[i].offset_s - r.offset_s;
    var += w * (in[i].offset_sd_s * in[i].offset_sd_s + d * d);
  }
  r.offset_sd_s = std::sqrt(var / w_sum);
  r.frequency = freq / freq_w;
  r.skew = 1.0 / std::sqrt(freq_w);
  r.root_delay_s = sel.root_delay_s;
  r.root_dispersion_s = sel.root_dispersion_s;
  r.stratum = sel.stratum;

  // Leap: what more than half of the truechimers announce (chrony's leap vote).
  int ins = 0, del = 0;
  for (int i : truechimers) {
    ins += in[i].leap == 1;
    del += in[i].leap == 2;
  }
  const int half = static_cast<int>(truechimers.size()) / 2;
  r.leap = ins > half ? 1 : del > half ? 2 : 0;
  return r;
}

}  // namespace chronon::ctl
