// Looking up the user chronond switches to.
#include "sandbox/user_credentials.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

namespace chronon::sandbox {
namespace {

TEST(UserCredentials, RootIsUidZeroInItsGroup) {
  const auto c = lookup_user("root");
  EXPECT_EQ(c.uid, 0u);
  EXPECT_EQ(c.gid, 0u);
  EXPECT_NE(std::find(c.groups.begin(), c.groups.end(), 0u), c.groups.end());
}

TEST(UserCredentials, UnknownUserIsNamedInTheError) {
  try {
    lookup_user("no-such-chronon-user");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "user 'no-such-chronon-user' not found");
  }
}

}  // namespace
}  // namespace chronon::sandbox
