// The seccomp filters: what each process's lists hold, and that a loaded filter really stops
// a call outside them (in forked children; the test process stays unfiltered).
#include "sandbox/syscall_filter.h"

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <functional>

namespace chronon::sandbox {
namespace {

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// The child's fate: its exit status (0..255) or 1000 + the signal that ended it.
int in_child(const std::function<void()>& body) {
  const pid_t pid = fork();
  if (pid == 0) {
    body();
    _exit(0);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFSIGNALED(st) ? 1000 + WTERMSIG(st) : WEXITSTATUS(st);
}

TEST(SyscallFilter, LevelParsing) {
  EXPECT_EQ(parse_filter_level("1"), 1);
  EXPECT_EQ(parse_filter_level("-2"), -2);
  EXPECT_EQ(parse_filter_level("0"), 0);
  EXPECT_FALSE(parse_filter_level("3"));
  EXPECT_FALSE(parse_filter_level("1x"));
  EXPECT_FALSE(parse_filter_level(""));
}

TEST(SyscallFilter, DpdkRefusesTheAllowListOnly) {
  EXPECT_EQ(filter_refusal(1, DataplaneKind::kDpdk),
            "-F 1 (an allow-list of system calls) cannot be used with 'dataplane dpdk': the EAL's "
            "system calls depend on its drivers and release; use -F 2 (a deny-list) or -F 0");
  EXPECT_NE(filter_refusal(-1, DataplaneKind::kDpdk).find("-F -1 (an allow-list"),
            std::string::npos);
  EXPECT_EQ(filter_refusal(0, DataplaneKind::kDpdk), "");
  EXPECT_EQ(filter_refusal(2, DataplaneKind::kDpdk), "");
  EXPECT_EQ(filter_refusal(-2, DataplaneKind::kDpdk), "");
  EXPECT_EQ(filter_refusal(-1, DataplaneKind::kAfxdp), "");
}

TEST(SyscallFilter, ControlAllowsWhatItsDataplaneNeedsToStart) {
  // The control filter is inherited across fork and execve.
  const auto ctl = allowed_syscalls({FilteredProcess::kControl, DataplaneKind::kAfxdp});
  for (const char* s : {"execve", "prctl", "capset", "seccomp", "bpf", "adjtimex", "clock_adjtime",
                        "process_vm_readv", "pidfd_open", "close_range"}) {
    EXPECT_TRUE(has(ctl, s)) << s;
  }
  for (const auto& s : allowed_syscalls({FilteredProcess::kDataplane, DataplaneKind::kAfxdp})) {
    EXPECT_TRUE(has(ctl, s)) << s;
  }
  EXPECT_FALSE(has(allowed_syscalls({FilteredProcess::kControl, DataplaneKind::kSocket}), "bpf"));
  // A control without a dataplane process never starts one.
  EXPECT_FALSE(
      has(allowed_syscalls({FilteredProcess::kControl, DataplaneKind::kInline}), "execve"));
}

TEST(SyscallFilter, DataplaneNeverExecutesOrAdjustsTheClock) {
  const FilterScope dp{FilteredProcess::kDataplane, DataplaneKind::kSocket};
  for (const char* s : {"execve", "adjtimex", "clock_adjtime", "ptrace", "bpf", "kill"}) {
    EXPECT_FALSE(has(allowed_syscalls(dp), s)) << s;
  }
  for (const char* s : {"execve", "fork", "ptrace", "mount", "setuid"}) {
    EXPECT_TRUE(has(denied_syscalls(dp), s)) << s;
  }
  EXPECT_FALSE(has(denied_syscalls({FilteredProcess::kControl, DataplaneKind::kSocket}), "execve"));
}

TEST(SyscallFilter, AllowListKillsOnAnythingElse) {
  const FilterScope dp{FilteredProcess::kDataplane, DataplaneKind::kSocket};
  // Allowed calls go through.
  EXPECT_EQ(in_child([&] {
              apply_syscall_filter(1, dp);
              if (syscall(SYS_getpid) <= 0) _exit(7);
            }),
            0);
  // Level 1 kills the process on a call outside the list (the kernel reports SIGSYS)...
  EXPECT_EQ(in_child([&] {
              apply_syscall_filter(1, dp);
              syscall(SYS_adjtimex, nullptr);
            }),
            1000 + SIGSYS);
  // ... and a negative level raises SIGSYS, whose default action also ends it.
  EXPECT_EQ(in_child([&] {
              apply_syscall_filter(-1, dp);
              syscall(SYS_ptrace, 0, 0, 0, 0);
            }),
            1000 + SIGSYS);
}

TEST(SyscallFilter, DataplaneMayStartThreadsButNotProcesses) {
  for (int level : {1, 2}) {
    EXPECT_EQ(in_child([&] {
                apply_syscall_filter(level, {FilteredProcess::kDataplane, DataplaneKind::kSocket});
                syscall(SYS_fork);
              }),
              1000 + SIGSYS)
        << level;
  }
}

TEST(SyscallFilter, DenyListLetsOrdinaryCallsThrough) {
  EXPECT_EQ(in_child([] {
              apply_syscall_filter(2, {FilteredProcess::kControl, DataplaneKind::kSocket});
              if (syscall(SYS_uname, nullptr) != -1) _exit(8);  // EFAULT, not killed
              syscall(SYS_mount, "none", "/", "none", 0, nullptr);
            }),
            1000 + SIGSYS);
}

TEST(SyscallFilter, DpdkDenyListAnswersPortIoWithEpermAndStillKillsTheRest) {
  // The EAL probes iopl(2) at start; elsewhere port I/O is on the kill list.
  EXPECT_TRUE(has(denied_syscalls({FilteredProcess::kControl, DataplaneKind::kSocket}), "iopl"));
  for (auto p : {FilteredProcess::kControl, FilteredProcess::kDataplane}) {
    EXPECT_FALSE(has(denied_syscalls({p, DataplaneKind::kDpdk}), "iopl"));
    EXPECT_FALSE(has(denied_syscalls({p, DataplaneKind::kDpdk}), "ioperm"));
    EXPECT_TRUE(has(denied_syscalls({p, DataplaneKind::kDpdk}), "ptrace"));
  }
  EXPECT_EQ(in_child([] {
              apply_syscall_filter(2, {FilteredProcess::kDataplane, DataplaneKind::kDpdk});
              errno = 0;
              if (syscall(SYS_iopl, 3) != -1 || errno != EPERM) _exit(9);
              syscall(SYS_mount, "none", "/", "none", 0, nullptr);
            }),
            1000 + SIGSYS);
}

}  // namespace
}  // namespace chronon::sandbox
