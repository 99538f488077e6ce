// chronond's -F: a seccomp filter per process, as chronyd's -F (chronyd(8), chrony 4.3):
// level 1 allows only the system calls the process makes once started, level 2 blocks only a
// short list of calls it never makes (mounting, modules, ptrace, ...); a negative level sends
// SIGSYS instead of killing the process (for debugging); 0 is off. Loaded after start-up.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sandbox/capability_plan.h"

namespace chronon::sandbox {

enum class FilteredProcess { kControl, kDataplane };

struct FilterScope {
  FilteredProcess process = FilteredProcess::kControl;
  // control: the dataplane it starts (its filter is inherited by the dataplane across fork
  // and execve, so it allows that dataplane's start-up too) or serves inline; dataplane: its
  // backend.
  DataplaneKind dataplane = DataplaneKind::kSocket;
};

// -F's argument: an integer from -2 to 2.
std::optional<int> parse_filter_level(const std::string& text);

// Why `level` cannot be used with this dataplane, or empty. The dpdk backend refuses the
// allow-list levels (1, -1): the EAL's start-up (hugepages, vfio, interrupt and telemetry
// threads, drivers loaded as plugins) makes calls that differ with every driver and DPDK
// release. The deny-list levels (2, -2) name only calls no chronon process makes.
std::string filter_refusal(int level, DataplaneKind dataplane);

// Level 1's allow-list and level 2's deny-list for a process, as system call names.
std::vector<std::string> allowed_syscalls(const FilterScope& scope);
std::vector<std::string> denied_syscalls(const FilterScope& scope);

// Loads the filter for every thread of the calling process (and all it starts). Level 0 does
// nothing. Throws std::runtime_error "cannot load the seccomp filter: ...".
void apply_syscall_filter(int level, const FilterScope& scope);

}  // namespace chronon::sandbox
