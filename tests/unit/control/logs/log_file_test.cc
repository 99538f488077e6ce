// LogFile and LogSet against a real temporary directory: chronyd's banner rule, failures that
// return false with a message instead of throwing, and reopening for logrotate.
#include "control/logs/log_file.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "control/logs/log_format.h"

namespace chronon::ctl {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kBanner = "=====\nTitle\n=====";

// While alive, files of this process cannot grow past `bytes`: writes beyond it fail as a
// full disk would (EFBIG, not ENOSPC; SIGXFSZ ignored). The old limit and handler come back
// at the end of the scope.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(uintmax_t bytes) : old_handler_(::signal(SIGXFSZ, SIG_IGN)) {
    EXPECT_EQ(::getrlimit(RLIMIT_FSIZE, &old_), 0);
    rlimit small = old_;
    small.rlim_cur = bytes;
    EXPECT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &old_);
    ::signal(SIGXFSZ, old_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit old_{};
  sighandler_t old_handler_;
};

class LogFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "chronon-logs-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(dir_, ec);
  }

  static std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static size_t count(const std::string& text, std::string_view what) {
    size_t n = 0;
    for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1))
      ++n;
    return n;
  }

  fs::path dir_;
};

TEST_F(LogFileTest, OpensLazilyAtTheFirstWrite) {
  LogFile log(dir_.string(), "tracking", kBanner);
  EXPECT_EQ(log.path(), (dir_ / "tracking.log").string());
  EXPECT_FALSE(fs::exists(dir_ / "tracking.log"));
  EXPECT_TRUE(log.write("row 0"));
  EXPECT_TRUE(log.is_open());
  EXPECT_EQ(read(dir_ / "tracking.log"), "=====\nTitle\n=====\nrow 0\n");
}

TEST_F(LogFileTest, BannerBeforeFirstRowThenEveryIntervalRows) {
  LogFile log(dir_.string(), "statistics", kBanner, 3);
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(log.write("row " + std::to_string(i)));
  EXPECT_EQ(read(dir_ / "statistics.log"),
            "=====\nTitle\n=====\nrow 0\nrow 1\nrow 2\n"
            "=====\nTitle\n=====\nrow 3\nrow 4\nrow 5\n"
            "=====\nTitle\n=====\nrow 6\n");
}

TEST_F(LogFileTest, DefaultIntervalRepeatsBannerBeforeRow32) {
  LogFile log(dir_.string(), "measurements", kBanner);
  for (int i = 0; i < 33; ++i) ASSERT_TRUE(log.write("row " + std::to_string(i)));
  const std::string text = read(dir_ / "measurements.log");
  EXPECT_EQ(count(text, "Title\n"), 2u);
  EXPECT_NE(text.find("row 31\n=====\nTitle\n=====\nrow 32\n"), std::string::npos);
}

TEST_F(LogFileTest, IntervalZeroNeverWritesBanner) {
  LogFile log(dir_.string(), "tracking", kBanner, 0);
  ASSERT_TRUE(log.write("a"));
  ASSERT_TRUE(log.write("b"));
  EXPECT_EQ(read(dir_ / "tracking.log"), "a\nb\n");
}

TEST_F(LogFileTest, AppendsToAnExistingFileStartingWithBanner) {
  std::ofstream(dir_ / "tracking.log") << "old row\n";
  LogFile log(dir_.string(), "tracking", kBanner);
  ASSERT_TRUE(log.write("new row"));
  EXPECT_EQ(read(dir_ / "tracking.log"), "old row\n=====\nTitle\n=====\nnew row\n");
}

TEST_F(LogFileTest, MissingDirectoryReturnsFalseWithPathAndReasonThenRetries) {
  const fs::path logdir = dir_ / "not-yet";
  LogFile log(logdir.string(), "tracking", kBanner);
  EXPECT_FALSE(log.write("lost"));
  EXPECT_EQ(log.last_error(),
            "could not open " + (logdir / "tracking.log").string() + ": No such file or directory");
  EXPECT_EQ(log.consecutive_failures(), 1u);
  EXPECT_FALSE(log.write("lost too"));
  EXPECT_EQ(log.consecutive_failures(), 2u);

  fs::create_directory(logdir);
  EXPECT_TRUE(log.write("kept"));
  EXPECT_EQ(log.last_error(), "");
  EXPECT_EQ(log.consecutive_failures(), 0u);
  EXPECT_EQ(read(logdir / "tracking.log"), "=====\nTitle\n=====\nkept\n");
}

TEST_F(LogFileTest, LogdirThatIsAFileReturnsFalseWithPath) {
  std::ofstream(dir_ / "plain") << "x";
  LogFile log((dir_ / "plain").string(), "statistics", kBanner);
  EXPECT_FALSE(log.write("row"));
  EXPECT_NE(log.last_error().find((dir_ / "plain" / "statistics.log").string()), std::string::npos);
  EXPECT_NE(log.last_error().find("Not a directory"), std::string::npos);
}

TEST_F(LogFileTest, ReadOnlyDirectoryReturnsFalseWithPathAndReason) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes into read-only directories";
  fs::permissions(dir_, fs::perms::owner_read | fs::perms::owner_exec);
  LogFile log(dir_.string(), "measurements", kBanner);
  EXPECT_FALSE(log.write("row"));
  EXPECT_EQ(log.last_error(),
            "could not open " + (dir_ / "measurements.log").string() + ": Permission denied");
}

TEST_F(LogFileTest, SymlinkAtTheLogPathIsNotFollowed) {
  std::ofstream(dir_ / "target") << "";
  fs::create_symlink(dir_ / "target", dir_ / "tracking.log");
  LogFile log(dir_.string(), "tracking", kBanner);
  EXPECT_FALSE(log.write("row"));
  EXPECT_NE(log.last_error().find("tracking.log"), std::string::npos);
  EXPECT_EQ(read(dir_ / "target"), "");
}

TEST_F(LogFileTest, FailedWriteReturnsFalseAndNextWriteReopensWithBanner) {
  LogFile log(dir_.string(), "tracking", kBanner);
  ASSERT_TRUE(log.write("before"));
  const auto size = fs::file_size(dir_ / "tracking.log");

  // A file size limit makes the next write fail as a full disk would.
  bool written;
  {
    const FileSizeLimit limit(size);
    written = log.write("lost");
  }

  EXPECT_FALSE(written);
  EXPECT_EQ(log.last_error(),
            "could not write " + (dir_ / "tracking.log").string() + ": File too large");
  EXPECT_FALSE(log.is_open());
  EXPECT_TRUE(log.write("after"));
  EXPECT_EQ(read(dir_ / "tracking.log"),
            "=====\nTitle\n=====\nbefore\n=====\nTitle\n=====\nafter\n");
}

TEST_F(LogFileTest, RowCutShortIsTakenBackAndTheLostRowsAreCounted) {
  LogFile log(dir_.string(), "tracking", kBanner, 0);
  ASSERT_TRUE(log.write("before"));
  const auto size = fs::file_size(dir_ / "tracking.log");

  // Room for three more bytes: the next rows are written in part, then refused.
  bool first, second;
  uint64_t after_first;
  {
    const FileSizeLimit limit(size + 3);
    first = log.write("lost one");
    after_first = log.consecutive_failures();
    second = log.write("lost two");
  }

  EXPECT_FALSE(first);
  EXPECT_FALSE(second);
  EXPECT_EQ(after_first, 1u);
  EXPECT_EQ(log.consecutive_failures(), 2u);
  EXPECT_EQ(log.rows_lost_before_write(), 0u);
  EXPECT_EQ(fs::file_size(dir_ / "tracking.log"), size);  // no half row left behind
  EXPECT_TRUE(log.write("after"));
  EXPECT_EQ(log.rows_lost_before_write(), 2u);
  EXPECT_EQ(log.consecutive_failures(), 0u);
  EXPECT_TRUE(log.write("next"));
  EXPECT_EQ(log.rows_lost_before_write(), 0u);
  EXPECT_EQ(read(dir_ / "tracking.log"), "before\nafter\nnext\n");
}

TEST_F(LogFileTest, ReopenAfterRenameContinuesInNewFileLosingNothing) {
  LogFile log(dir_.string(), "measurements", kBanner, 32);
  ASSERT_TRUE(log.write("row 0"));
  ASSERT_TRUE(log.write("row 1"));
  fs::rename(dir_ / "measurements.log", dir_ / "measurements.log.1");  // logrotate
  ASSERT_TRUE(log.write("row 2"));  // before cyclelogs: still the renamed file, as chronyd
  log.reopen();
  EXPECT_FALSE(log.is_open());
  ASSERT_TRUE(log.write("row 3"));
  ASSERT_TRUE(log.write("row 4"));

  EXPECT_EQ(read(dir_ / "measurements.log.1"), "=====\nTitle\n=====\nrow 0\nrow 1\nrow 2\n");
  EXPECT_EQ(read(dir_ / "measurements.log"), "=====\nTitle\n=====\nrow 3\nrow 4\n");
}

TEST_F(LogFileTest, ReopenRestartsTheBannerCount) {
  LogFile log(dir_.string(), "tracking", kBanner, 2);
  ASSERT_TRUE(log.write("row 0"));
  log.reopen();
  ASSERT_TRUE(log.write("row 1"));
  ASSERT_TRUE(log.write("row 2"));
  EXPECT_EQ(read(dir_ / "tracking.log"),
            "=====\nTitle\n=====\nrow 0\n=====\nTitle\n=====\nrow 1\nrow 2\n");
}

TEST_F(LogFileTest, LogSetOpensOnlyTheEnabledChronyLogs) {
  LogSet logs(dir_.string(), {"tracking", "rawmeasurements", "rtc"});
  ASSERT_NE(logs.measurements(), nullptr);
  EXPECT_EQ(logs.statistics(), nullptr);
  ASSERT_NE(logs.tracking(), nullptr);
  EXPECT_TRUE(logs.raw_measurements());

  TrackingRecord t;
  t.time = timespec{1795525653, 0};
  t.address = "0.0.0.0";
  t.skew_ppm = 1.0e6;
  t.remaining_correction_s = -0.0;
  t.root_delay_s = t.root_dispersion_s = 1.0;
  t.max_error_s = 1.5;
  EXPECT_TRUE(logs.write(t));
  EXPECT_TRUE(logs.write(StatisticsRecord{}));  // disabled: nothing to do, nothing failed
  EXPECT_EQ(read(dir_ / "tracking.log"),
            std::string(tracking_banner()) + "\n" + format_tracking(t) + "\n");
  EXPECT_FALSE(fs::exists(dir_ / "statistics.log"));
  EXPECT_FALSE(fs::exists(dir_ / "measurements.log"));
}

TEST_F(LogFileTest, LogSetReproducesChronyTrackingFileStart) {
  LogSet logs(dir_.string(), {"tracking"});
  TrackingRecord t;
  t.time = timespec{1795525653, 0};
  t.address = "0.0.0.0";
  t.skew_ppm = 1.0e6;
  t.remaining_correction_s = -0.0;
  t.root_delay_s = t.root_dispersion_s = 1.0;
  t.max_error_s = 1.5;
  ASSERT_TRUE(logs.write(t));
  // The first four lines of tracking.log from chronyd 4.3.
  EXPECT_EQ(read(dir_ / "tracking.log"),
            std::string(131, '=') +
                "\n   Date (UTC) Time     IP Address   St   Freq ppm   Skew ppm     Offset L Co  "
                "Offset sd Rem. corr. Root delay Root disp. Max. error\n" +
                std::string(131, '=') +
                "\n2026-11-24 13:07:33 0.0.0.0          0      0.000 1000000.000  0.000e+00 ?  0 "
                " 0.000e+00 -0.000e+00  1.000e+00  1.000e+00  1.500e+00\n");
}

TEST_F(LogFileTest, LogSetWithoutLogdirEnablesNothing) {
  LogSet logs("", {"measurements", "statistics", "tracking"});
  EXPECT_EQ(logs.measurements(), nullptr);
  EXPECT_EQ(logs.statistics(), nullptr);
  EXPECT_EQ(logs.tracking(), nullptr);
  EXPECT_FALSE(logs.raw_measurements());
}

TEST_F(LogFileTest, LogSetReopenMovesEveryLogToANewFile) {
  LogSet logs(dir_.string(), {"measurements", "statistics"});
  ASSERT_TRUE(logs.write(MeasurementRecord{}));
  ASSERT_TRUE(logs.write(StatisticsRecord{}));
  fs::rename(dir_ / "measurements.log", dir_ / "measurements.log.1");
  fs::rename(dir_ / "statistics.log", dir_ / "statistics.log.1");
  logs.reopen();
  ASSERT_TRUE(logs.write(MeasurementRecord{}));
  ASSERT_TRUE(logs.write(StatisticsRecord{}));
  EXPECT_EQ(count(read(dir_ / "measurements.log"), "\n"), 4u);
  EXPECT_EQ(count(read(dir_ / "statistics.log"), "\n"), 4u);
}

TEST_F(LogFileTest, CreateLogDirMakesParentsAndReportsAFileInTheWay) {
  EXPECT_EQ(create_log_dir((dir_ / "var/log/chronon").string()), "");
  EXPECT_TRUE(fs::is_directory(dir_ / "var/log/chronon"));
  EXPECT_EQ(create_log_dir((dir_ / "var/log/chronon").string()), "");  // already there
  std::ofstream(dir_ / "file") << "x";
  EXPECT_EQ(create_log_dir((dir_ / "file").string()),
            "could not create " + (dir_ / "file").string() + ": Not a directory");
}

}  // namespace
}  // namespace chronon::ctl
