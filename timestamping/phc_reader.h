// Reads a PTP hardware clock (/dev/ptpN) against the system clock with the kernel's
// PTP_SYS_OFFSET_EXTENDED ioctl (falling back to PTP_SYS_OFFSET), keeping the narrowest of a
// few readings, as chronyd's hwtimestamp support does.
#pragma once

#include <optional>
#include <string>

#include "timestamping/phc_map.h"

namespace chronon::ts {

class PhcReader {
 public:
  // Opens /dev/ptp<index> read-only. Throws std::runtime_error naming the device and errno.
  explicit PhcReader(int phc_index);
  ~PhcReader();
  PhcReader(const PhcReader&) = delete;
  PhcReader& operator=(const PhcReader&) = delete;

  // One sample, or nullopt if the ioctls fail (the error is kept in last_error()).
  std::optional<PhcSample> sample();
  const std::string& last_error() const { return error_; }

 private:
  int fd_ = -1;
  std::string path_, error_;
};

}  // namespace chronon::ts
