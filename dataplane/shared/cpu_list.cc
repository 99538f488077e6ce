// CPU list parsing; see cpu_list.h.
#include "dataplane/shared/cpu_list.h"

#include <sched.h>

#include <charconv>
#include <set>

namespace chronon::dp {

namespace {

std::optional<int> cpu_number(std::string_view s) {
  int v = -1;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::vector<int>> parse_cpu_list(std::string_view text, std::string* error) {
  std::vector<int> out;
  std::set<int> seen;
  auto fail = [&](const std::string& why) -> std::optional<std::vector<int>> {
    *error = why;
    return std::nullopt;
  };
  if (text.empty()) return fail("empty CPU list");
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string_view item =
        text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    const std::string quoted = "'" + std::string(item) + "'";
    const size_t dash = item.find('-');
    const auto first = cpu_number(item.substr(0, dash));
    const auto last = dash == std::string_view::npos ? first : cpu_number(item.substr(dash + 1));
    if (!first || !last) {
      return fail(quoted + " is not a CPU number or range (such as 0, 2-3)");
    }
    if (*first > *last) {
      return fail(quoted + " is not a CPU range (" + std::to_string(*first) + " is above " +
                  std::to_string(*last) + ")");
    }
    if (*last > kMaxCpu) return fail("CPU " + std::to_string(*last) + " is above " + std::to_string(kMaxCpu));
    for (int c = *first; c <= *last; ++c) {
      if (!seen.insert(c).second) return fail("CPU " + std::to_string(c) + " is listed twice");
      out.push_back(c);
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string format_cpu_list(const std::vector<int>& cpus) {
  std::string s;
  for (int c : cpus) s += (s.empty() ? "" : ",") + std::to_string(c);
  return s;
}

std::optional<int> unavailable_cpu(const std::vector<int>& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return std::nullopt;  // cannot tell
  for (int c : cpus) {
    if (c >= CPU_SETSIZE || !CPU_ISSET(c, &set)) return c;
  }
  return std::nullopt;
}

}  // namespace chronon::dp
