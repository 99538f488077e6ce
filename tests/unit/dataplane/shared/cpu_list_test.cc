// CPU lists for `dataplane afxdp ... cpus LIST`: taskset's syntax, and an error that says what
// is wrong for every malformed list.
#include "dataplane/shared/cpu_list.h"

#include <gtest/gtest.h>
#include <sched.h>

namespace chronon::dp {
namespace {

std::string error_of(std::string_view text) {
  std::string e;
  EXPECT_FALSE(parse_cpu_list(text, &e)) << text;
  return e;
}

TEST(CpuList, NumbersAndRangesInTheOrderWritten) {
  std::string e;
  EXPECT_EQ(parse_cpu_list("0", &e), std::vector<int>{0});
  EXPECT_EQ(parse_cpu_list("3,1", &e), (std::vector<int>{3, 1}));
  EXPECT_EQ(parse_cpu_list("0-3,6,8-9", &e), (std::vector<int>{0, 1, 2, 3, 6, 8, 9}));
  EXPECT_EQ(parse_cpu_list("5-5", &e), std::vector<int>{5});
  EXPECT_EQ(parse_cpu_list("1023", &e), std::vector<int>{1023});
  EXPECT_EQ(format_cpu_list({0, 2, 5}), "0,2,5");
}

TEST(CpuList, MalformedListsSayWhy) {
  EXPECT_EQ(error_of(""), "empty CPU list");
  EXPECT_EQ(error_of("a"), "'a' is not a CPU number or range (such as 0, 2-3)");
  EXPECT_EQ(error_of("1,"), "'' is not a CPU number or range (such as 0, 2-3)");
  EXPECT_EQ(error_of("1,,2"), "'' is not a CPU number or range (such as 0, 2-3)");
  EXPECT_EQ(error_of("2-"), "'2-' is not a CPU number or range (such as 0, 2-3)");
  EXPECT_EQ(error_of("-1"), "'-1' is not a CPU number or range (such as 0, 2-3)");
  EXPECT_EQ(error_of("1.5"), "'1.5' is not a CPU number or range (such as 0, 2-3)");
  EXPECT_EQ(error_of("3-1"), "'3-1' is not a CPU range (3 is above 1)");
  EXPECT_EQ(error_of("1024"), "CPU 1024 is above 1023");
  EXPECT_EQ(error_of("0-2,1"), "CPU 1 is listed twice");
}

TEST(CpuList, UnavailableCpuIsOneOutsideTheAffinityMask) {
  cpu_set_t set;
  ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
  int allowed = -1;
  for (int c = 0; c < CPU_SETSIZE && allowed < 0; ++c)
    if (CPU_ISSET(c, &set)) allowed = c;
  ASSERT_GE(allowed, 0);
  EXPECT_EQ(unavailable_cpu({allowed}), std::nullopt);
  EXPECT_EQ(unavailable_cpu({allowed, 1023}), 1023);
}

}  // namespace
}  // namespace chronon::dp
