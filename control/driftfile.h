// chrony's `driftfile`: one line "FREQ_PPM SKEW_PPM" keeping the clock's frequency across
// restarts, read at start-up and replaced atomically as reference.c does (temp file + rename).
#pragma once

#include <optional>
#include <string>

namespace chronon::ctl {

struct Drift {
  double freq_ppm = 0;  // absolute frequency of the local clock (positive: runs fast)
  double skew_ppm = 0;  // estimated error bound of freq_ppm
};

// No file is the normal first start: neither `drift` nor `error` is set. A file that cannot
// be read or does not hold two finite numbers (skew >= 0) sets `error` ("PATH: problem").
struct DriftRead {
  std::optional<Drift> drift;
  std::string error;
};

DriftRead read_driftfile(const std::string& path);

// Writes "%20.6f %20.6f\n" (chrony's format) to PATH.tmp, syncs it and renames it over PATH,
// so a crash leaves either the old or the new file. Returns "PATH: problem" on failure (the
// old file is then untouched and the temporary one removed); never throws.
[[nodiscard]] std::optional<std::string> write_driftfile(const std::string& path, double freq_ppm,
                                                         double skew_ppm);

}  // namespace chronon::ctl
