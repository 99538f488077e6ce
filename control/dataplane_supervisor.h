// Starts the dataplane process, adopts one left running by an earlier chronond, and restarts
// it when it dies (DESIGN.md: two processes; the dataplane outlives a crashed control).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/shared/segment_layout.h"

namespace chronon::ctl {

class DataplaneSupervisor {
 public:
  // `argv` is the full command line (argv[0] = binary path). `config_hash` identifies it: an
  // adopted dataplane started with a different hash is replaced.
  DataplaneSupervisor(std::vector<std::string> argv, uint64_t config_hash, dp::Segment* seg);
  ~DataplaneSupervisor();

  // Adopts a running dataplane with the same config hash, or stops one started with other
  // settings (which may need root: chronond calls this before giving up its privileges).
  // Returns a line for the log when one was stopped, else empty.
  std::string adopt_or_retire();
  // adopt_or_retire() if not done yet, then starts a dataplane unless one was adopted.
  // Returns a line for the log describing what happened.
  std::string start();
  // Capabilities every dataplane started from now on gets across execve (its ambient set,
  // raised in the forked child; a mask of capability numbers). chronond -u sets its
  // backend's start-up set, which chronond holds as permitted and inheritable only.
  void set_ambient_capabilities(uint64_t mask) { ambient_caps_ = mask; }
  // A file descriptor that becomes readable when the dataplane exits (a pidfd), or -1.
  int exit_fd() const { return pidfd_; }
  // Call when exit_fd() is readable: reaps, then restarts (unless more than `max_restarts`
  // in the last minute). Returns a line for the log.
  std::string on_exit();
  // Clean shutdown: SIGTERM, wait up to 2 s, then SIGKILL.
  void stop();
  pid_t pid() const { return pid_; }
  bool adopted() const { return adopted_; }

  // The read end of the started dataplane's stderr (non-blocking), or -1 for an adopted one.
  // chronond logs what arrives there, so the dataplane's messages reach syslog too.
  int stderr_fd() const { return stderr_fd_; }
  // Complete lines read from stderr_fd() so far (call when it is readable, or to drain).
  std::vector<std::string> read_stderr();

 private:
  std::string spawn();
  std::vector<std::string> argv_;
  uint64_t config_hash_;
  dp::Segment* seg_;
  pid_t pid_ = -1;
  int pidfd_ = -1;
  bool adopted_ = false;
  bool prepared_ = false;
  uint64_t ambient_caps_ = 0;
  int stderr_fd_ = -1;
  std::string stderr_partial_;
  std::vector<int64_t> restarts_mono_ns_;
};

}  // namespace chronon::ctl
