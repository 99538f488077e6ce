// chrony-compatible log files; see log_file.h.
#include "control/logs/log_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "control/logs/log_format.h"

namespace chronon::ctl {

namespace {

// writev(2) until every byte of `iov` is written; false with errno set otherwise.
bool write_all(int fd, iovec* iov, int count) {
  while (count > 0) {
    const ssize_t n = ::writev(fd, iov, count);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    auto left = static_cast<size_t>(n);
    while (count > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
  return true;
}

iovec as_iovec(std::string_view s) { return iovec{const_cast<char*>(s.data()), s.size()}; }

std::string join_path(std::string_view dir, std::string_view name) {
  std::string path(dir);
  if (!path.empty() && path.back() != '/') path += '/';
  path.append(name).append(".log");
  return path;
}

}  // namespace

LogFile::LogFile(std::string_view logdir, std::string_view name, std::string_view banner,
                 int banner_interval)
    : path_(join_path(logdir, name)), banner_(banner), banner_interval_(banner_interval) {}

LogFile::~LogFile() { close_file(); }

LogFile::LogFile(LogFile&& other) noexcept
    : path_(std::move(other.path_)),
      banner_(std::move(other.banner_)),
      banner_interval_(other.banner_interval_),
      fd_(std::exchange(other.fd_, -1)),
      rows_(other.rows_),
      failures_(other.failures_),
      lost_before_write_(other.lost_before_write_),
      error_(std::move(other.error_)) {}

LogFile& LogFile::operator=(LogFile&& other) noexcept {
  if (this != &other) {
    close_file();
    path_ = std::move(other.path_);
    banner_ = std::move(other.banner_);
    banner_interval_ = other.banner_interval_;
    fd_ = std::exchange(other.fd_, -1);
    rows_ = other.rows_;
    failures_ = other.failures_;
    lost_before_write_ = other.lost_before_write_;
    error_ = std::move(other.error_);
  }
  return *this;
}

bool LogFile::open_file() noexcept {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    fail("open", errno);
    return false;
  }
  rows_ = 0;
  return true;
}

bool LogFile::write(std::string_view row) noexcept {
  lost_before_write_ = 0;
  if (fd_ < 0 && !open_file()) return false;
  // chronyd's rule (logging.c): the banner goes before every `logbanner`-th row counted from
  // the opening of the file, the first row included.
  const bool banner_due =
      banner_interval_ > 0 && rows_ % static_cast<uint64_t>(banner_interval_) == 0;
  iovec iov[4];
  int count = 0;
  if (banner_due) {
    iov[count++] = as_iovec(banner_);
    iov[count++] = as_iovec("\n");
  }
  iov[count++] = as_iovec(row);
  iov[count++] = as_iovec("\n");
  // Where the row starts, so a row cut short by a full disk can be taken back.
  struct stat before {};
  const bool have_size = ::fstat(fd_, &before) == 0;
  if (!write_all(fd_, iov, count)) {
    const int err = errno;
    if (have_size && ::ftruncate(fd_, before.st_size) != 0) {
      // Cannot take it back: the banner written at the reopening starts on a new line.
    }
    fail("write", err);
    // Reopening starts over with a banner, so a reader resynchronises after the gap.
    close_file();
    return false;
  }
  ++rows_;
  lost_before_write_ = failures_;
  failures_ = 0;
  error_.clear();
  return true;
}

void LogFile::reopen() noexcept { close_file(); }

void LogFile::close_file() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  rows_ = 0;
}

void LogFile::fail(const char* what, int err) noexcept {
  ++failures_;
  try {
    error_ = std::string("could not ") + what + " " + path_ + ": " + std::strerror(err);
  } catch (...) {
    error_.clear();  // out of memory: the count still says it failed
  }
}

LogSet::LogSet(std::string_view logdir, const std::set<std::string>& enabled, int banner_interval) {
  if (logdir.empty()) return;
  raw_measurements_ = enabled.contains("rawmeasurements");
  if (raw_measurements_ || enabled.contains("measurements"))
    measurements_.emplace(logdir, "measurements", measurements_banner(), banner_interval);
  if (enabled.contains("statistics"))
    statistics_.emplace(logdir, "statistics", statistics_banner(), banner_interval);
  if (enabled.contains("tracking"))
    tracking_.emplace(logdir, "tracking", tracking_banner(), banner_interval);
}

namespace {

template <typename Record, typename Format>
bool write_row(std::optional<LogFile>& file, const Record& r, Format format) noexcept {
  if (!file) return true;
  try {
    return file->write(format(r));
  } catch (...) {
    return false;  // formatting ran out of memory
  }
}

}  // namespace

bool LogSet::write(const MeasurementRecord& r) noexcept {
  return write_row(measurements_, r, format_measurement);
}

bool LogSet::write(const StatisticsRecord& r) noexcept {
  return write_row(statistics_, r, format_statistics);
}

bool LogSet::write(const TrackingRecord& r) noexcept {
  return write_row(tracking_, r, format_tracking);
}

void LogSet::reopen() noexcept {
  for (auto* file : {&measurements_, &statistics_, &tracking_})
    if (*file) (*file)->reopen();
}

std::string create_log_dir(const std::string& dir) {
  if (dir.empty()) return {};
  for (size_t end = dir.find('/', 1); end != std::string::npos; end = dir.find('/', end + 1)) {
    const std::string parent = dir.substr(0, end);
    if (::mkdir(parent.c_str(), 0750) != 0 && errno != EEXIST)
      return "could not create " + parent + ": " + std::strerror(errno);
  }
  if (::mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST)
    return "could not create " + dir + ": " + std::strerror(errno);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return "could not create " + dir + ": " + std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return "could not create " + dir + ": " + std::strerror(ENOTDIR);
  return {};
}

}  // namespace chronon::ctl
