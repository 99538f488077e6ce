// The log files of `logdir` + `log measurements statistics tracking`, written as chronyd 4.3
// writes them: <logdir>/<name>.log, appended, banner at open and every `logbanner` rows,
// reopened for logrotate (cyclelogs, SIGHUP). Writing never throws; failures are reported.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "control/logs/log_records.h"

namespace chronon::ctl {

// chrony's default `logbanner`: the banner is written before row 0, 32, 64, ... of each
// opened file; 0 never writes it.
inline constexpr int kDefaultBannerInterval = 32;

// One log file. Opened lazily by the first write() (so an unused log leaves no file), with
// O_APPEND | O_NOFOLLOW and mode 0644 as chronyd does. Every row is one writev(2) straight to
// the file: nothing is buffered, so nothing is lost by reopen() or a crash.
class LogFile {
 public:
  // `banner` is the block from measurements_banner() etc.; `name` is e.g. "tracking".
  LogFile(std::string_view logdir, std::string_view name, std::string_view banner,
          int banner_interval = kDefaultBannerInterval);
  ~LogFile();
  LogFile(const LogFile&) = delete;
  LogFile& operator=(const LogFile&) = delete;
  LogFile(LogFile&& other) noexcept;
  LogFile& operator=(LogFile&& other) noexcept;

  // Appends `row` and a newline, preceded by the banner when due. On failure (directory
  // missing or unwritable, disk full) returns false, truncates what part of the row was
  // written, closes the file and keeps the reason in last_error(); the next write() opens the
  // file again, starting with the banner.
  bool write(std::string_view row) noexcept;

  // Closes the file; the next write() opens <logdir>/<name>.log afresh (after logrotate has
  // renamed it) and starts it with the banner. Like chronyd's cyclelogs.
  void reopen() noexcept;

  const std::string& path() const { return path_; }
  bool is_open() const { return fd_ >= 0; }
  // "could not open PATH: REASON" / "could not write PATH: REASON"; empty after a success.
  const std::string& last_error() const { return error_; }
  // Failed writes since the last successful one: log last_error() when this is 1, so a full
  // disk is reported once and not once per row.
  uint64_t consecutive_failures() const { return failures_; }
  // Rows that could not be written before the last write(), which succeeded; 0 when that
  // write failed or the one before it succeeded. Lets the caller say the log is back and how
  // many rows are missing from it.
  uint64_t rows_lost_before_write() const { return lost_before_write_; }

 private:
  bool open_file() noexcept;
  void fail(const char* what, int err) noexcept;
  void close_file() noexcept;

  std::string path_;
  std::string banner_;
  int banner_interval_;
  int fd_ = -1;
  uint64_t rows_ = 0;  // rows written since the file was opened
  uint64_t failures_ = 0;
  uint64_t lost_before_write_ = 0;
  std::string error_;
};

// The logs one configuration enables, from the names of the `log` directive: "measurements"
// (or "rawmeasurements"), "statistics", "tracking"; others (rtc, refclocks, ...) are not
// chronon's and are ignored here. With an empty logdir no log is enabled (chronyd warns
// "logdir not specified" and disables them).
class LogSet {
 public:
  LogSet(std::string_view logdir, const std::set<std::string>& enabled,
         int banner_interval = kDefaultBannerInterval);

  // Each returns true when the row was written or that log is disabled.
  bool write(const MeasurementRecord& r) noexcept;
  bool write(const StatisticsRecord& r) noexcept;
  bool write(const TrackingRecord& r) noexcept;

  // All files are reopened at their next write (cyclelogs / SIGHUP after logrotate).
  void reopen() noexcept;

  // `log rawmeasurements`: log every response, not only those passing tests 1-3 and 5-7.
  bool raw_measurements() const { return raw_measurements_; }

  // nullptr when that log is not enabled.
  LogFile* measurements() { return measurements_ ? &*measurements_ : nullptr; }
  LogFile* statistics() { return statistics_ ? &*statistics_ : nullptr; }
  LogFile* tracking() { return tracking_ ? &*tracking_ : nullptr; }

 private:
  std::optional<LogFile> measurements_, statistics_, tracking_;
  bool raw_measurements_ = false;
};

// Creates `dir` and its parents (mode 0750, as chronyd creates logdir at start-up, before it
// drops privileges). Returns an empty string, or "could not create DIR: REASON".
std::string create_log_dir(const std::string& dir);

}  // namespace chronon::ctl
