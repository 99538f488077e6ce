// Tests for the shared segment: create, reattach, version checks, seqlock.
#include "dataplane/shared/segment.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace chronon::dp {
namespace {

std::string temp_path() {
  char tmpl[] = "/tmp/chronon-seg-XXXXXX";
  const int fd = mkstemp(tmpl);
  close(fd);
  unlink(tmpl);
  return tmpl;
}

TEST(Segment, CreateThenAttachSeesPublishedState) {
  const std::string path = temp_path();
  auto ctl = SegmentMapping::create(path);
  EXPECT_FALSE(ctl.reattached());
  PublishedState ps{};
  ps.server.stratum = 9;
  ctl->state.write(ps);
  auto dp = SegmentMapping::attach(path, false);
  PublishedState got{};
  ASSERT_TRUE(dp->state.read(&got));
  EXPECT_EQ(got.server.stratum, 9);
  unlink(path.c_str());
}

TEST(Segment, RecreateKeepsCountersForReattach) {
  const std::string path = temp_path();
  {
    auto ctl = SegmentMapping::create(path);
    ctl->workers[0].replied.store(42);
  }
  auto again = SegmentMapping::create(path);
  EXPECT_TRUE(again.reattached());
  EXPECT_EQ(again->workers[0].replied.load(), 42u);
  unlink(path.c_str());
}

TEST(Segment, DifferentVersionIsAClearError) {
  const std::string path = temp_path();
  {
    auto ctl = SegmentMapping::create(path);
    ctl->header.version = kSegmentVersion + 1;
  }
  try {
    SegmentMapping::attach(path, false);
    FAIL() << "attach accepted a segment of another version";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("layout version"), std::string::npos) << e.what();
  }
  // Control re-creates it rather than misreading it.
  auto fresh = SegmentMapping::create(path);
  EXPECT_FALSE(fresh.reattached());
  EXPECT_EQ(fresh->header.version, kSegmentVersion);
  unlink(path.c_str());
}

TEST(Segment, AttachToMissingOrForeignFileFails) {
  EXPECT_THROW(SegmentMapping::attach("/nonexistent/chronon.shm", false), std::runtime_error);
  const std::string path = temp_path();
  std::ofstream(path) << "not a segment at all, but long enough to hold a header maybe";
  EXPECT_THROW(SegmentMapping::attach(path, false), std::runtime_error);
  unlink(path.c_str());
}

}  // namespace
}  // namespace chronon::dp
