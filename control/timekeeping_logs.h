// chrony's measurements, statistics and tracking logs for chronond: turns what the
// TimeKeeper did (a measured response, a new regression, a clock update) into log rows, in
// chrony's sign conventions, and reports a write problem once until it clears.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "control/logs/log_file.h"
#include "control/timekeeper.h"

namespace chronon::ctl {

class TimekeepingLogs {
 public:
  TimekeepingLogs(const std::string& logdir, const std::set<std::string>& enabled);
  // Rows for one event; problems (first failure of a file) are appended to `problems`.
  void on_event(const TimeKeeper& keeper, const UpdateEvent& ev, timespec now,
                std::vector<std::string>* problems);
  void reopen() { logs_.reopen(); }

 private:
  void check(LogFile* f, bool ok, std::vector<std::string>* problems);
  LogSet logs_;
};

}  // namespace chronon::ctl
