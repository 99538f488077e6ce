// chronyc's `clients` for chronond. Each dataplane worker keeps its own client table in the
// dataplane process; this copies the tables out with process_vm_readv (so the hot path
// pays nothing for reporting), merges the records of one address seen by several workers,
// and serves the list in chronyc's pages of 8, from a snapshot taken when a listing starts.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <unordered_map>
#include <vector>

#include "control/cmdmon/reports.h"
#include "dataplane/core/client_table.h"
#include "dataplane/shared/segment_layout.h"

namespace chronon::ctl {

// One worker's table as read: records whose address was the same in two consecutive reads
// (a slot being rewritten while we read is skipped, never reported half old, half new).
// Returns "" or why the table could not be read.
std::string read_client_table(int pid, uint64_t addr, uint64_t records,
                              std::vector<dp::ClientRecord>* out);

// Merges records by address and turns them into report lines: hits and drops summed, the
// latest hit kept with its limiter's intervals. `now` is chrony's client time (NTP seconds
// in 1/16 s units, as the dataplane stamps requests).
std::vector<ClientAccessReport> merge_client_records(const std::vector<dp::ClientRecord>& records,
                                                     uint32_t now);

class ClientLogReader {
 public:
  explicit ClientLogReader(const dp::Segment& seg) : seg_(seg) {}

  // A page of the list. A request for index 0 (or one after the snapshot is a minute old)
  // takes a new snapshot. With `reset`, the reported clients' hits and drops count from zero
  // afterwards. `now`: the system's real time. Returns "" or why the tables could not be read.
  std::string page(uint32_t first, uint32_t max, uint32_t min_hits, bool reset,
                   const timespec& now, ClientAccessPage* out);

 private:
  std::string take_snapshot(const timespec& now);

  struct Baseline {
    uint32_t hits = 0, drops = 0;
  };
  const dp::Segment& seg_;
  std::vector<ClientAccessReport> snapshot_;
  time_t snapshot_time_ = 0;
  // Counts at the last reset, by address (the report shows what came since).
  std::unordered_map<std::string, Baseline> baselines_;
};

}  // namespace chronon::ctl
