// `refclock PHC /dev/ptpN`: a NIC's PTP hardware clock (kept on time by PTP, or by a GNSS
// receiver's PPS on the NIC) as a time source. The I/O shell around RefclockPoller: reads the
// PHC against the system clock (PTP_SYS_OFFSET*), carries the reading over to our clock's
// scale, applies `tai`, and hands filtered samples to the TimeKeeper.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "control/config/config.h"
#include "control/leap_source.h"
#include "control/refclock/refclock_poller.h"
#include "control/timekeeper.h"
#include "timestamping/phc_reader.h"

namespace chronon::ctl {

// The PHC index of a refclock PHC parameter ("/dev/ptp3" -> 3). Throws ConfigError naming
// the line for anything else (chrony's ":option" suffixes are not implemented).
int phc_index_of(const RefclockConfig& cfg);

class PhcRefclock {
 public:
  // Opens the device. Throws ConfigError naming the line, the device and the reason.
  PhcRefclock(const RefclockConfig& cfg, size_t source, int precision_log2, double start_mono_s);
  double next_due_mono_s() const { return poller_.next_due_mono_s(); }
  // Takes the readings and polls that are due.
  void service(double now_mono_s, const ts::Clock& clock, const LeapSource& leap,
               TimeKeeper& keeper, std::vector<UpdateEvent>* events,
               std::vector<std::string>* logs);

 private:
  RefclockConfig cfg_;
  size_t source_;
  ts::PhcReader reader_;
  RefclockPoller poller_;
  bool read_error_logged_ = false;
};

}  // namespace chronon::ctl
