// printf into a std::string of whatever length the text needs: the fixed-width columns of
// chrony's log files and of chronyc's reports (long IPv6 addresses widen them, never cut).
#pragma once

#include <string>

namespace chronon::ctl {

[[gnu::format(printf, 1, 2)]] std::string printf_string(const char* format, ...);

}  // namespace chronon::ctl
