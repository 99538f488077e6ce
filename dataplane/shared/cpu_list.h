// CPU lists as the kernel and taskset(1) write them ("0-3,6,8-9"): `dataplane afxdp ... cpus
// LIST` pins the worker of RX queue i to the i-th CPU of the list. Parsed by chronond (the
// configuration) and by chronon-dataplane (its --cpus option) alike.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chronon::dp {

// The highest CPU number a list may name (the kernel's CPU_SETSIZE - 1).
inline constexpr int kMaxCpu = 1023;

// The CPUs in the order written, ranges expanded. On failure returns nothing and sets
// `error` to e.g. "'3-1' is not a CPU range (3 is above 1)"; a CPU may not appear twice.
std::optional<std::vector<int>> parse_cpu_list(std::string_view text, std::string* error);

// "0,2,5": the form chronond passes to the dataplane.
std::string format_cpu_list(const std::vector<int>& cpus);

// A CPU of `cpus` this process may not run on (sched_getaffinity), if any.
std::optional<int> unavailable_cpu(const std::vector<int>& cpus);

}  // namespace chronon::dp
