// libFuzzer target: arbitrary bytes as a driftfile (chrony's "FREQ_PPM SKEW_PPM"). The reader
// must return two finite numbers with a non-negative skew or a "PATH: problem" error, never
// both and never crash; what it accepts must survive a write and a second read.
#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

#include "control/driftfile.h"

namespace {

// A file only this process sees, named through /proc so the reader opens it by path.
struct MemFile {
  int fd = memfd_create("chronon-drift-fuzz", 0);
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  ~MemFile() { close(fd); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static MemFile in;
  if (in.fd < 0 || ftruncate(in.fd, 0) != 0 || pwrite(in.fd, data, size, 0) != ssize_t(size)) {
    return 0;
  }
  const chronon::ctl::DriftRead r = chronon::ctl::read_driftfile(in.path);
  if (!r.drift) {
    if (r.error.rfind(in.path + ": ", 0) != 0) __builtin_trap();
    return 0;
  }
  if (!r.error.empty()) __builtin_trap();
  const double freq = r.drift->freq_ppm, skew = r.drift->skew_ppm;
  if (!std::isfinite(freq) || !std::isfinite(skew) || skew < 0) __builtin_trap();

  // Round trip through chrony's format (6 decimals), in a directory of our own.
  static const std::string dir = [] {
    char tmpl[] = "/tmp/chronon-drift-fuzz-XXXXXX";
    return std::string(mkdtemp(tmpl) ? tmpl : "/tmp");
  }();
  const std::string out = dir + "/drift";
  if (chronon::ctl::write_driftfile(out, freq, skew)) __builtin_trap();
  const chronon::ctl::DriftRead back = chronon::ctl::read_driftfile(out);
  if (!back.drift) __builtin_trap();
  const auto near = [](double a, double b) {
    return std::fabs(a - b) <= 1e-6 + 1e-12 * std::fabs(a);
  };
  if (!near(back.drift->freq_ppm, freq) || !near(back.drift->skew_ppm, skew)) __builtin_trap();
  return 0;
}
