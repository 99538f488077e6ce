// TimekeepingLogs; see timekeeping_logs.h.
#include "control/timekeeping_logs.h"

#include <cmath>

namespace chronon::ctl {

namespace {
LeapIndicator leap_of(uint8_t l) { return static_cast<LeapIndicator>(l & 3); }
}  // namespace

TimekeepingLogs::TimekeepingLogs(const std::string& logdir, const std::set<std::string>& enabled)
    : logs_(logdir, enabled) {}

void TimekeepingLogs::check(LogFile* f, bool ok, std::vector<std::string>* problems) {
  if (!f) return;
  if (!ok && f->consecutive_failures() == 1) problems->push_back(f->last_error());
  if (ok && f->rows_lost_before_write() > 0) {
    problems->push_back(f->path() + " written again; " +
                        std::to_string(f->rows_lost_before_write()) +
                        (f->rows_lost_before_write() == 1 ? " row" : " rows") +
                        " could not be written before");
  }
}

void TimekeepingLogs::on_event(const TimeKeeper& keeper, const UpdateEvent& ev, timespec now,
                               std::vector<std::string>* problems) {
  if (!ev.measured) return;
  const NtpSource& src = keeper.source(ev.source);
  const NtpSample& s = ev.reply.sample;
  const uint16_t t = ev.reply.tests_passed;
  MeasurementRecord m;
  m.time = s.local_time;
  m.address = src.name();
  m.leap = leap_of(s.leap);
  m.stratum = s.stratum;
  m.test1_not_duplicate = t & (1 << 0);
  m.test2_not_bogus = t & (1 << 1);
  m.test3_valid_timestamps = t & (1 << 2);
  m.test5_authenticated = t & (1 << 3);
  m.test6_server_synchronised = t & (1 << 4);
  m.test7_root_distance_ok = t & (1 << 5);
  m.test_a_delay_ok = t & (1 << 6);
  m.test_b_delay_ratio_ok = t & (1 << 7);
  m.test_c_delay_dev_ratio_ok = t & (1 << 8);
  m.test_d_no_sync_loop = t & (1 << 9);
  m.local_poll_log2 = src.poll_log2();
  m.remote_poll_log2 = s.poll;
  m.poll_score = src.poll_score();
  m.offset_s = -s.offset_s;  // chrony logs the source's clock minus ours
  m.peer_delay_s = s.delay_s;
  m.peer_dispersion_s = s.dispersion_s;
  m.root_delay_s = s.root_delay_s - s.delay_s;  // as the server sent it
  m.root_dispersion_s = s.root_dispersion_s - s.dispersion_s;
  m.refid = s.refid;
  m.mode = 4;
  m.interleaved = ev.reply.interleaved;
  m.tx_source = TimestampSource::kDaemon;
  m.rx_source = TimestampSource::kKernel;
  check(logs_.measurements(), logs_.write(m), problems);

  if (ev.reply.verdict != ReplyVerdict::kOk) return;
  const SourceEstimate& e = src.stats().estimate();
  StatisticsRecord st;
  st.time = e.ref_time;
  st.address = src.name();
  st.std_dev_s = e.std_dev_s;
  st.est_offset_s = e.offset_s;
  st.offset_sd_s = e.offset_sd_s;
  st.diff_freq_s_per_s = e.frequency;
  st.est_skew_s_per_s = e.skew;
  st.n_samples = src.stats().size();
  st.best_start = 0;
  st.n_runs = e.runs;
  check(logs_.statistics(), logs_.write(st), problems);

  if (!ev.clock_updated) return;
  const SelectionResult& sel = keeper.last_selection();
  const Discipline& d = keeper.discipline();
  TrackingRecord tr;
  tr.time = now;
  tr.address = sel.selected >= 0 ? keeper.source(sel.selected).name() : "0.0.0.0";
  tr.stratum = sel.stratum + 1;
  // chrony's frequency is the clock's own error (positive: fast), the opposite of the
  // correction applied.
  tr.freq_ppm = -d.frequency_ppm();
  tr.skew_ppm = d.skew_ppm();
  tr.offset_s = sel.offset_s;
  tr.leap = leap_of(sel.leap);
  tr.combined_sources = sel.combined;
  tr.offset_sd_s = sel.offset_sd_s;
  tr.remaining_correction_s = d.remaining_correction_s();
  tr.root_delay_s = sel.root_delay_s;
  tr.root_dispersion_s = sel.root_dispersion_s + sel.offset_sd_s;
  tr.max_error_s = sel.root_delay_s / 2 + tr.root_dispersion_s + std::abs(sel.offset_s);
  check(logs_.tracking(), logs_.write(tr), problems);
}

}  // namespace chronon::ctl
