// Dataplane process supervision; see dataplane_supervisor.h.
#include "control/dataplane_supervisor.h"

#include <poll.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "sandbox/privileges.h"

namespace chronon::ctl {

namespace {

int pidfd_open(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

int64_t mono_ns() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<int64_t>(t.tv_sec) * 1000000000LL + t.tv_nsec;
}

enum class Binary { kSame, kReplaced, kOtherDataplane, kUnrelated };

// What `pid` runs, by /proc/PID/exe: the binary at `path`; an older build of it replaced on
// disk since (an upgrade: the link ends in " (deleted)"); a chronon-dataplane from another
// path (another build or install); or something else (the pid was reused).
Binary runs_binary(pid_t pid, const std::string& path) {
  char link[4096];
  const std::string proc = "/proc/" + std::to_string(pid) + "/exe";
  const ssize_t n = readlink(proc.c_str(), link, sizeof link - 1);
  if (n <= 0) return Binary::kUnrelated;
  std::string target(link, static_cast<size_t>(n));
  const std::string deleted = " (deleted)";
  const bool was_deleted = target.size() > deleted.size() &&
                           target.compare(target.size() - deleted.size(), deleted.size(), deleted) == 0;
  if (was_deleted) target.resize(target.size() - deleted.size());
  char want[4096];
  if (realpath(path.c_str(), want) != nullptr && target == want) {
    return was_deleted ? Binary::kReplaced : Binary::kSame;
  }
  const std::string name = target.substr(target.rfind('/') + 1);
  return name == "chronon-dataplane" ? Binary::kOtherDataplane : Binary::kUnrelated;
}

constexpr int kMaxRestartsPerMinute = 10;

}  // namespace

DataplaneSupervisor::DataplaneSupervisor(std::vector<std::string> argv, uint64_t config_hash,
                                         dp::Segment* seg)
    : argv_(std::move(argv)), config_hash_(config_hash), seg_(seg) {}

DataplaneSupervisor::~DataplaneSupervisor() {
  if (pidfd_ >= 0) close(pidfd_);
  if (stderr_fd_ >= 0) close(stderr_fd_);
}

std::vector<std::string> DataplaneSupervisor::read_stderr() {
  std::vector<std::string> lines;
  if (stderr_fd_ < 0) return lines;
  char buf[4096];
  ssize_t n;
  while ((n = read(stderr_fd_, buf, sizeof buf)) > 0) {
    stderr_partial_.append(buf, static_cast<size_t>(n));
  }
  size_t start = 0, nl;
  while ((nl = stderr_partial_.find('\n', start)) != std::string::npos) {
    lines.push_back(stderr_partial_.substr(start, nl - start));
    start = nl + 1;
  }
  stderr_partial_.erase(0, start);
  // A line without end is cut at 4 KiB rather than held without bound.
  if (stderr_partial_.size() > 4096) {
    lines.push_back(stderr_partial_);
    stderr_partial_.clear();
  }
  // At end of file (the dataplane closed its stderr or exited): the last unterminated line
  // still counts, and the descriptor goes, so poll() does not report the hang-up forever.
  if (n == 0) {
    if (!stderr_partial_.empty()) lines.push_back(stderr_partial_);
    stderr_partial_.clear();
    close(stderr_fd_);
    stderr_fd_ = -1;
  }
  return lines;
}

std::string DataplaneSupervisor::start() {
  std::string line = prepared_ ? "" : adopt_or_retire();
  if (adopted_) return "reattached to running dataplane pid " + std::to_string(pid_);
  return (line.empty() ? "" : line + "; ") + spawn();
}

std::string DataplaneSupervisor::adopt_or_retire() {
  prepared_ = true;
  const pid_t old = seg_->header.dataplane_pid.load();
  const Binary binary =
      old > 0 && kill(old, 0) == 0 ? runs_binary(old, argv_[0]) : Binary::kUnrelated;
  if (binary != Binary::kUnrelated) {
    if (binary == Binary::kSame && seg_->header.dataplane_config_hash.load() == config_hash_) {
      pidfd_ = pidfd_open(old);
      if (pidfd_ >= 0) {
        pid_ = old;
        adopted_ = true;
        return "";
      }
    }
    // Started with other settings, or another build of the binary: replace it.
    // Wait for it to be gone (its sockets closed) before the new one binds the port. An
    // adopted process is not our child: a pidfd tells when it has exited, zombie or not.
    const int fd = pidfd_open(old);
    auto wait_gone = [&](int ms) {
      pollfd p{fd, POLLIN, 0};
      return fd < 0 ? kill(old, 0) != 0 : poll(&p, 1, ms) > 0;
    };
    kill(old, SIGTERM);
    if (!wait_gone(2000)) {
      kill(old, SIGKILL);
      wait_gone(2000);
    }
    if (fd >= 0) close(fd);
    return "stopped dataplane pid " + std::to_string(old) + " (other settings or build)";
  }
  return "";
}

std::string DataplaneSupervisor::spawn() {
  // The hash goes into the segment so that a restarted chronond can tell whether the running
  // dataplane was started with the same settings (and adopt it) or not (and replace it).
  std::vector<std::string> args = argv_;
  args.push_back("--config-hash");
  args.push_back(std::to_string(config_hash_));
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  int err_pipe[2];
  if (pipe2(err_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("pipe for dataplane: ") + std::strerror(errno));
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("cannot fork dataplane: ") + std::strerror(errno));
  if (pid == 0) {
    dup2(err_pipe[1], 2);  // dup2 clears close-on-exec on the copy
    // Nothing else of chronond's (or of whoever started chronond) reaches the dataplane.
    syscall(SYS_close_range, 3u, ~0u, 0u);
    // The dataplane must survive control's death: its own session, no inherited signal mask.
    setsid();
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    // chronond -u: the backend's capabilities, which chronond holds but does not use.
    if (ambient_caps_ != 0) {
      if (const int e = sandbox::raise_ambient(sandbox::CapSet::from_mask(ambient_caps_))) {
        std::fprintf(stderr, "chronond: cannot hand capabilities (mask 0x%llx) to the "
                     "dataplane: PR_CAP_AMBIENT_RAISE: %s\n",
                     static_cast<unsigned long long>(ambient_caps_), std::strerror(e));
        _exit(127);
      }
    }
    execv(cargv[0], cargv.data());
    std::fprintf(stderr, "chronond: cannot execute %s: %s\n", cargv[0], std::strerror(errno));
    _exit(127);
  }
  close(err_pipe[1]);
  if (stderr_fd_ >= 0) {
    read_stderr();
    close(stderr_fd_);
  }
  stderr_fd_ = err_pipe[0];
  fcntl(stderr_fd_, F_SETFL, O_NONBLOCK);
  stderr_partial_.clear();
  pid_ = pid;
  adopted_ = false;
  if (pidfd_ >= 0) close(pidfd_);
  pidfd_ = pidfd_open(pid);
  if (pidfd_ < 0) {
    const int e = errno;
    kill(pid, SIGKILL);  // an untracked dataplane would outlive every restart
    waitpid(pid, nullptr, 0);
    throw std::runtime_error(std::string("pidfd_open for dataplane failed: ") + std::strerror(e));
  }
  return "started dataplane pid " + std::to_string(pid) + ": " + argv_[0];
}

std::string DataplaneSupervisor::on_exit() {
  std::string what = "dataplane pid " + std::to_string(pid_);
  if (!adopted_) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      if (WIFEXITED(status)) what += " exited with status " + std::to_string(WEXITSTATUS(status));
      else if (WIFSIGNALED(status)) what += " killed by signal " + std::to_string(WTERMSIG(status));
    }
  } else {
    what += " (adopted) exited";
  }
  close(pidfd_);
  pidfd_ = -1;
  // Its client tables died with it: `clients` must not read the address space of whatever
  // process gets its pid next.
  for (auto& w : seg_->workers) {
    w.active.store(0, std::memory_order_relaxed);
    w.client_table_addr.store(0, std::memory_order_relaxed);
    w.client_table_records.store(0, std::memory_order_relaxed);
  }
  const int64_t now = mono_ns();
  std::erase_if(restarts_mono_ns_, [now](int64_t t) { return now - t > 60'000'000'000LL; });
  if (static_cast<int>(restarts_mono_ns_.size()) >= kMaxRestartsPerMinute) {
    throw std::runtime_error(what + "; restarted " + std::to_string(kMaxRestartsPerMinute) +
                             " times in the last minute, giving up");
  }
  restarts_mono_ns_.push_back(now);
  seg_->header.dataplane_restarts.fetch_add(1);
  return what + "; restarting: " + spawn();
}

void DataplaneSupervisor::stop() {
  if (pid_ <= 0 || pidfd_ < 0) return;
  kill(pid_, SIGTERM);
  pollfd p{pidfd_, POLLIN, 0};
  if (poll(&p, 1, 2000) <= 0) kill(pid_, SIGKILL);
  if (!adopted_) waitpid(pid_, nullptr, 0);
  close(pidfd_);
  pidfd_ = -1;
  pid_ = -1;
}

}  // namespace chronon::ctl
