// Tests for the shared segment: create, reattach, version checks, seqlock.
#include "dataplane/shared/segment.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
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
  EXPECT_EQ(again.replaced(), "");
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

TEST(Segment, UpgradeLeavesTheOldLayoutToWhoeverStillMapsIt) {
  const std::string path = temp_path();
  {
    auto ctl = SegmentMapping::create(path);
    ctl->header.version = kSegmentVersion + 1;  // as an older or newer chronon wrote it
    ctl->workers[0].replied.store(77);
  }
  // The old dataplane, still running, maps the old file.
  const int fd = open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  void* old_map = mmap(nullptr, sizeof(Segment), PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  ASSERT_NE(old_map, MAP_FAILED);
  const auto* old_seg = static_cast<const Segment*>(old_map);

  auto fresh = SegmentMapping::create(path);
  EXPECT_FALSE(fresh.reattached());
  EXPECT_EQ(fresh.replaced(), "layout version " + std::to_string(kSegmentVersion + 1));
  EXPECT_EQ(fresh->header.version, kSegmentVersion);
  EXPECT_EQ(fresh->workers[0].replied.load(), 0u);
  fresh->workers[0].replied.store(5);
  // The old mapping is untouched: same version, same counters, no zeroes, no SIGBUS.
  EXPECT_EQ(old_seg->header.version, kSegmentVersion + 1);
  EXPECT_EQ(old_seg->header.magic, kSegmentMagic);
  EXPECT_EQ(old_seg->workers[0].replied.load(), 77u);
  munmap(old_map, sizeof(Segment));
  unlink(path.c_str());
}

TEST(Segment, AttachToMissingOrForeignFileFails) {
  EXPECT_THROW(SegmentMapping::attach("/nonexistent/chronon.shm", false), std::runtime_error);
  const std::string path = temp_path();
  std::ofstream(path) << "not a segment at all, but long enough to hold a header maybe";
  EXPECT_THROW(SegmentMapping::attach(path, false), std::runtime_error);
  EXPECT_EQ(SegmentMapping::create(path).replaced(), "not a chronon segment");
  unlink(path.c_str());
}

}  // namespace
}  // namespace chronon::dp
