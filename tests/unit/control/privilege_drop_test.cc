// What chronond hands to its user before switching: the directories it is about to create,
// and the needs it derives from the configuration.
#include "control/privilege_drop.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace chronon::ctl {
namespace {

TEST(PrivilegeDrop, MissingParentDirsAreTheOnesAboutToBeCreated) {
  char tmpl[] = "/tmp/chronon-privdrop-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string base = tmpl;
  EXPECT_EQ(missing_parent_dirs(base + "/file"), std::vector<std::string>{});
  EXPECT_EQ(missing_parent_dirs(base + "/a/b/file"),
            (std::vector<std::string>{base + "/a", base + "/a/b"}));
  ASSERT_EQ(mkdir((base + "/a").c_str(), 0755), 0);
  EXPECT_EQ(missing_parent_dirs(base + "/a/b/file"), std::vector<std::string>{base + "/a/b"});
  // A directory path (logdir + "/") includes the directory itself.
  EXPECT_EQ(missing_parent_dirs(base + "/a/logs/"), std::vector<std::string>{base + "/a/logs"});
  rmdir((base + "/a").c_str());
  rmdir(base.c_str());
}

TEST(PrivilegeDrop, NeedsFollowTheConfiguration) {
  Config cfg = parse_config_text("dataplane afxdp eth0\nport 1123\nhwtimestamp eth0\n", "t.conf");
  auto n = privilege_needs(cfg, true);
  EXPECT_EQ(n.dataplane, sandbox::DataplaneKind::kAfxdp);
  EXPECT_FALSE(n.clock_control);
  EXPECT_EQ(n.ntp_port, 1123);
  EXPECT_TRUE(n.hwtimestamp);
  n = privilege_needs(parse_config_text("dataplane inline\n", "t.conf"), false);
  EXPECT_EQ(n.dataplane, sandbox::DataplaneKind::kInline);
  EXPECT_TRUE(n.clock_control);
  EXPECT_EQ(n.ntp_port, 123);
}

}  // namespace
}  // namespace chronon::ctl
