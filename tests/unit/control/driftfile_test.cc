// Tests for the drift file: chrony's format both ways, a missing file as "no value", a clear
// "PATH: problem" for garbage, and atomic replacement that leaves the old file on failure.
#include "control/driftfile.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace chronon::ctl {
namespace {

using ::testing::HasSubstr;

class DriftFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/driftfile_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/drift";
  }
  void TearDown() override {
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all);
    std::filesystem::remove_all(dir_);
  }
  void put(const std::string& text) { std::ofstream(path_, std::ios::binary) << text; }
  std::string contents() const {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::string read_error(const std::string& text) {
    put(text);
    const DriftRead r = read_driftfile(path_);
    return r.drift ? "(no error)" : r.error;
  }
  bool tmp_exists() const { return std::filesystem::exists(path_ + ".tmp"); }

  std::string dir_, path_;
};

TEST_F(DriftFile, MissingFileIsNoValueAndNoError) {
  const DriftRead r = read_driftfile(path_);
  EXPECT_FALSE(r.drift);
  EXPECT_EQ(r.error, "");
}

TEST_F(DriftFile, WritesChronysFormatAndReadsItBack) {
  ASSERT_EQ(write_driftfile(path_, -12.345678, 0.123), std::nullopt);
  EXPECT_EQ(contents(), "          -12.345678             0.123000\n");
  EXPECT_FALSE(tmp_exists());
  const DriftRead r = read_driftfile(path_);
  ASSERT_TRUE(r.drift) << r.error;
  EXPECT_DOUBLE_EQ(r.drift->freq_ppm, -12.345678);
  EXPECT_DOUBLE_EQ(r.drift->skew_ppm, 0.123);
}

TEST_F(DriftFile, ReadsWhatChronysFscanfAccepts) {
  for (const char* text : {"  3.5 0.25\n", "3.5 0.25", "+3.5\n0.25\n", "3.5e0\t2.5e-1\r\n"}) {
    put(text);
    const DriftRead r = read_driftfile(path_);
    ASSERT_TRUE(r.drift) << text << ": " << r.error;
    EXPECT_DOUBLE_EQ(r.drift->freq_ppm, 3.5);
    EXPECT_DOUBLE_EQ(r.drift->skew_ppm, 0.25);
  }
}

TEST_F(DriftFile, GarbageNamesPathAndProblem) {
  EXPECT_EQ(read_error(""), path_ + ": empty, expected 'FREQ_PPM SKEW_PPM'");
  EXPECT_EQ(read_error(" \n\n"), path_ + ": empty, expected 'FREQ_PPM SKEW_PPM'");
  EXPECT_EQ(read_error("1.5\n"), path_ + ": expected 'FREQ_PPM SKEW_PPM', got '1.5'");
  EXPECT_EQ(read_error("1 2 3\n"), path_ + ": expected 'FREQ_PPM SKEW_PPM', got '1 2 3'");
  EXPECT_EQ(read_error("fast 0.1\n"), path_ + ": frequency 'fast' is not a finite number");
  EXPECT_EQ(read_error("1.5ppm 0.1\n"), path_ + ": frequency '1.5ppm' is not a finite number");
  EXPECT_EQ(read_error("nan 0.1\n"), path_ + ": frequency 'nan' is not a finite number");
  EXPECT_EQ(read_error("1e999 0.1\n"), path_ + ": frequency '1e999' is not a finite number");
  EXPECT_EQ(read_error("1.5 inf\n"), path_ + ": skew 'inf' is not a finite number");
  EXPECT_EQ(read_error("1.5 +-1\n"), path_ + ": skew '+-1' is not a finite number");
  EXPECT_EQ(read_error("1.5 -0.1\n"), path_ + ": skew '-0.1' is negative");
  EXPECT_EQ(read_error(std::string("1.5\0 0.1", 8)),
            path_ + ": frequency '1.5\\x00' is not a finite number");
  EXPECT_EQ(read_error(std::string(5000, '1')),
            path_ + ": larger than 4096 bytes, not a drift file");
  EXPECT_EQ(read_driftfile(dir_).error, dir_ + ": cannot read: Is a directory");
}

TEST_F(DriftFile, ReplacesTheOldFileAndAStaleTemporaryOne) {
  put("1.0 1.0\n");
  std::ofstream(path_ + ".tmp") << "left by a crash";
  ASSERT_EQ(write_driftfile(path_, 2.0, 0.5), std::nullopt);
  EXPECT_EQ(contents(), "            2.000000             0.500000\n");
  EXPECT_FALSE(tmp_exists());
}

TEST_F(DriftFile, MissingDirectoryIsAnError) {
  const std::string path = dir_ + "/no/such/drift";
  EXPECT_EQ(write_driftfile(path, 1.0, 0.1),
            path + ": cannot create " + path + ".tmp: No such file or directory");
}

TEST_F(DriftFile, UnwritableDirectoryIsAnError) {
  if (geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  put("1.0 1.0\n");
  std::filesystem::permissions(
      dir_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  EXPECT_EQ(write_driftfile(path_, 2.0, 0.5),
            path_ + ": cannot create " + path_ + ".tmp: Permission denied");
  EXPECT_EQ(contents(), "1.0 1.0\n");
}

TEST_F(DriftFile, FailedRenameRemovesTheTemporaryFile) {
  std::filesystem::create_directory(path_);  // the drift path is a directory
  const std::optional<std::string> err = write_driftfile(path_, 2.0, 0.5);
  ASSERT_TRUE(err);
  EXPECT_THAT(*err, HasSubstr(path_ + ": cannot rename " + path_ + ".tmp to " + path_ + ": "));
  EXPECT_FALSE(tmp_exists());
}

// A full disk as the kernel reports an over-limit write (EFBIG instead of ENOSPC): the old
// file must survive and the partial temporary file must go.
TEST_F(DriftFile, FailedWriteKeepsTheOldFile) {
  put("1.0 1.0\n");
  rlimit old{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit none = old;
  none.rlim_cur = 0;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &none), 0);
  const std::optional<std::string> err = write_driftfile(path_, 2.0, 0.5);
  setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_EQ(err, path_ + ": cannot write " + path_ + ".tmp: File too large");
  EXPECT_EQ(contents(), "1.0 1.0\n");
  EXPECT_FALSE(tmp_exists());
}

TEST_F(DriftFile, RefusesToWriteNonFiniteValues) {
  EXPECT_THAT(write_driftfile(path_, std::nan(""), 0.5).value_or(""), HasSubstr("refusing"));
  EXPECT_THAT(write_driftfile(path_, 1.0, -1.0).value_or(""), HasSubstr("refusing"));
  EXPECT_FALSE(std::filesystem::exists(path_));
}

}  // namespace
}  // namespace chronon::ctl
