// Creating (control) and attaching to (dataplane, CLI) the shared segment file.
#pragma once

#include <string>

#include "dataplane/shared/segment_layout.h"

namespace chronon::dp {

// Owns one mapping of the segment; unmaps on destruction. Never removes the file: a
// restarted process reattaches to it.
class SegmentMapping {
 public:
  // Creates or re-initialises the file at `path` (mode 0640) as control. If the file holds a
  // segment of this version, its counters and pids are kept (reattach); a different version
  // or size is replaced by a new file (replaced() says what was there), so that a process
  // still mapping the old one keeps its layout. Throws std::runtime_error with the path and
  // errno text.
  static SegmentMapping create(const std::string& path);
  // Maps an existing segment. Throws std::runtime_error if missing, of a different version
  // ("segment PATH has version X, this program expects Y") or too small.
  static SegmentMapping attach(const std::string& path, bool writable);

  SegmentMapping(SegmentMapping&& o) noexcept;
  SegmentMapping& operator=(SegmentMapping&& o) noexcept;
  SegmentMapping(const SegmentMapping&) = delete;
  SegmentMapping& operator=(const SegmentMapping&) = delete;
  ~SegmentMapping();

  Segment* get() const { return seg_; }
  Segment* operator->() const { return seg_; }
  bool reattached() const { return reattached_; }
  // What create() found and replaced ("layout version 3", "not a chronon segment"); empty
  // when it reattached or the file was new.
  const std::string& replaced() const { return replaced_; }

 private:
  SegmentMapping(Segment* s, bool reattached, std::string replaced = {})
      : seg_(s), reattached_(reattached), replaced_(std::move(replaced)) {}
  Segment* seg_ = nullptr;
  bool reattached_ = false;
  std::string replaced_;
};

// Records that the calling process now serves through `backend` with `workers` workers:
// backend name and worker count first, the pid last (chronond waits for the pid).
void mark_dataplane_ready(Segment* seg, const char* backend, int workers);

}  // namespace chronon::dp
