// PHC sampling through the PTP ioctls; see phc_reader.h.
#include "timestamping/phc_reader.h"

#include <fcntl.h>
#include <linux/ptp_clock.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace chronon::ts {

namespace {

constexpr int kReadings = 5;

int64_t ns_of(const ptp_clock_time& t) {
  return static_cast<int64_t>(t.sec) * 1000000000LL + static_cast<int64_t>(t.nsec);
}

// Picks the reading with the narrowest system-time window around the PHC reading.
template <typename Triple>
PhcSample narrowest(int n, Triple triple) {
  PhcSample best{0, 0, INT64_MAX};
  for (int i = 0; i < n; ++i) {
    const auto [before, phc, after] = triple(i);
    const int64_t window = after - before;
    if (window >= 0 && window < best.window_ns) best = PhcSample{phc, before + window / 2, window};
  }
  return best;
}

}  // namespace

PhcReader::PhcReader(int phc_index) : path_("/dev/ptp" + std::to_string(phc_index)) {
  fd_ = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error("cannot open " + path_ + ": " + std::strerror(errno));
}

PhcReader::~PhcReader() {
  if (fd_ >= 0) close(fd_);
}

std::optional<PhcSample> PhcReader::sample() {
  ptp_sys_offset_extended ext{};
  ext.n_samples = kReadings;
  if (ioctl(fd_, PTP_SYS_OFFSET_EXTENDED, &ext) == 0) {
    const PhcSample s = narrowest(kReadings, [&](int i) {
      return std::array<int64_t, 3>{ns_of(ext.ts[i][0]), ns_of(ext.ts[i][1]), ns_of(ext.ts[i][2])};
    });
    if (s.window_ns != INT64_MAX) return s;
  }
  // Older drivers: system, PHC, system, PHC, ..., system.
  ptp_sys_offset off{};
  off.n_samples = kReadings;
  if (ioctl(fd_, PTP_SYS_OFFSET, &off) == 0) {
    const PhcSample s = narrowest(kReadings, [&](int i) {
      return std::array<int64_t, 3>{ns_of(off.ts[2 * i]), ns_of(off.ts[2 * i + 1]),
                                    ns_of(off.ts[2 * i + 2])};
    });
    if (s.window_ns != INT64_MAX) return s;
  }
  error_ = "PTP_SYS_OFFSET on " + path_ + ": " + std::strerror(errno);
  return std::nullopt;
}

}  // namespace chronon::ts
