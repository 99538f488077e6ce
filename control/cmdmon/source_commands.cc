// SourceCommands; see source_commands.h.
#include "control/cmdmon/source_commands.h"

namespace chronon::ctl {

double SourceCommands::mono_s() const {
  const timespec m = clock_.monotonic();
  return static_cast<double>(m.tv_sec) + static_cast<double>(m.tv_nsec) * 1e-9;
}

bool SourceCommands::selects(const candm::SourceSelector& which, size_t i) const {
  if (keeper_.source(i).is_refclock() || keeper_.source(i).retired()) return false;
  using F = ReportAddress::Family;
  // No address (with or without a mask): every NTP source, as chronyd.
  if (which.address.family == F::kUnspec) return true;
  const ReportAddress a = reports_.address_of(i);
  if (a.family != which.address.family || a.family == F::kId) return false;
  const size_t n = a.family == F::kInet4 ? 4 : 16;
  for (size_t k = 0; k < n; ++k) {
    // A mask of another family (or none) compares the whole address, as chrony does.
    const uint8_t m = which.mask.family == a.family ? which.mask.bytes[k] : 0xff;
    if ((a.bytes[k] & m) != (which.address.bytes[k] & m)) return false;
  }
  return true;
}

int SourceCommands::set_offline(const candm::SourceSelector& which, bool offline) {
  int n = 0;
  for (size_t i = 0; i < keeper_.source_count(); ++i) {
    if (!selects(which, i)) continue;
    keeper_.source(i).set_offline(offline, mono_s());
    ++n;
  }
  return n;
}

int SourceCommands::burst(const candm::SourceSelector& which, int good, int total) {
  int n = 0;
  for (size_t i = 0; i < keeper_.source_count(); ++i) {
    if (!selects(which, i)) continue;
    if (keeper_.source(i).start_burst(good, total, mono_s())) ++n;
  }
  return n;
}

}  // namespace chronon::ctl
