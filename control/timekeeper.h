// The control process's timekeeping, sans-IO: the sources, selection after each new sample,
// the discipline of the clock and the reference that replies carry. The poll loop (or a
// simulator) feeds it packets and times; it never touches a socket or reads a clock itself
// except through the Clock/ClockControl it was given.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control/config/config.h"
#include "control/discipline.h"
#include "control/leap_second.h"
#include "control/smoothing.h"
#include "control/selection.h"
#include "control/server_state_source.h"
#include "control/source/ntp_source.h"

namespace chronon::ctl {

// What one accepted sample changed, for logs and reports.
struct UpdateEvent {
  // A response that passed tests 1-3 and 5-7 (what chrony's measurements log shows).
  bool measured = false;
  size_t source = 0;
  ReplyResult reply{};
  bool selection_changed = false;
  std::string message;          // a line for the daemon log, empty if nothing to say
  bool clock_updated = false;
  DisciplineOutcome outcome{};
};

class TimeKeeper {
 public:
  TimeKeeper(const Config& cfg, const ts::Clock& clock, ts::ClockControl& control,
             ServerStateSource& state, double initial_freq_ppm, double initial_skew_ppm);

  NtpSource& add_source(const SourceConfig& c, std::string name, uint32_t refid);
  size_t source_count() const { return sources_.size(); }
  NtpSource& source(size_t i) { return *sources_[i]; }
  const NtpSource& source(size_t i) const { return *sources_[i]; }

  // Processes a reply for source `i` received at our clock's `rx_time`.
  UpdateEvent on_reply(size_t i, const uint8_t* p, size_t len, timespec rx_time,
                       double now_mono_s);
  // A reference clock's poll with its filtered sample (or none) for source `i`.
  UpdateEvent on_refclock_poll(size_t i, const NtpSample* s);
  // Periodic work (slew end, the leap second, reachability loss); returns a log line or "".
  std::string tick();
  // When tick() next has something to do (a slew's end, the leap), in monotonic seconds: the
  // caller's wait must not outlast it, or the clock keeps slewing past its target.
  std::optional<double> next_due_mono_s() const;

  const LeapSecond& leap_second() const { return leap_; }
  // smoothtime: nullptr when off.
  const Smoothing* smoothing() const { return smoothing_ ? &*smoothing_ : nullptr; }
  // chronyc smoothtime reset / activate, at our clock's now (Smoothing::reset / activate).
  // False without smoothtime; activate also when it was active already.
  bool smoothtime_reset();
  bool smoothtime_activate();
  // chronyc reselect (chrony's SRC_ReselectSource): selection again, forgetting which source
  // was selected, so reselectdist's preference for it does not hold. The clock is not
  // updated; the event says what changed ("Selected source ..." again when it is the same).
  UpdateEvent force_reselect() { return reselect(sources_.size(), true); }
  // What the dataplane adds to the clock to serve the smoothed time (disabled without
  // smoothtime), evaluated at `now` of our clock.
  dp::SmoothingModel smoothing_model(timespec now) const;
  // smoothing_model(now), and `state` marked as chronyd marks replies while the smoothing
  // offset alone (SMT_GetOffset; not the slew in progress) is over the precision.
  dp::SmoothingModel apply_smoothing(timespec now, dp::ServerState* state) const;
  // Served time minus our clock at `now` (0 without smoothtime).
  double served_offset_s(timespec now) const { return smoothing_model(now).offset_at(ts::to_nanos(now).count()); }

  // Reference IDs a source synchronised to us would carry (our addresses'): chrony's test D.
  void set_own_refids(std::vector<uint32_t> r) { own_refids_ = std::move(r); }
  // Our server state now, which packets to peers carry.
  dp::ServerState our_state() { return state_.current(); }

  // A source whose name resolved after start-up gets its address (reports) and refid.
  void set_source_address(size_t i, std::string name, uint32_t refid);
  // The refid of our address towards source `i` (orphan mode compares it with the source's).
  void set_source_local_refid(size_t i, uint32_t refid) { sources_[i]->set_local_refid(refid); }

  const Discipline& discipline() const { return discipline_; }
  // chronyc makestep; see Discipline::make_step.
  std::optional<double> make_step();
  void set_makestep(double threshold_s, int limit) { discipline_.set_makestep(threshold_s, limit); }
  const SelectionResult& last_selection() const { return selection_; }
  int selected() const { return selection_.selected; }
  bool synchronised() const { return state_.reference().has_value(); }
  // What selection sees of each source now (also for chronyc selectdata).
  std::vector<SelectionInput> selection_inputs() const;
  const Config& config() const { return cfg_; }

 private:
  UpdateEvent reselect(size_t updated, bool forget_selected = false);
  std::string leap_tick();
  void update_leap_status();
  const Config& cfg_;
  const ts::Clock& clock_;
  ts::ClockControl& control_;
  ServerStateSource& state_;
  Discipline discipline_;
  LeapSecond leap_;
  std::optional<Smoothing> smoothing_;
  SelectionParams sel_params_;
  std::vector<std::unique_ptr<NtpSource>> sources_;
  SelectionResult selection_;
  int precision_log2_;
  std::vector<uint32_t> own_refids_;
};

}  // namespace chronon::ctl
