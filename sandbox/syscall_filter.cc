// The seccomp filters of chronond and chronon-dataplane; see syscall_filter.h. The lists were
// taken from strace of each process through start-up, NTP service, every command, cyclelogs,
// SIGHUP, a killed and restarted dataplane and shutdown, plus what glibc may call on other
// paths (abort, sleeping, name lookups' NSS modules), on Debian 12 (glibc 2.36).
#include "sandbox/syscall_filter.h"

#include <sched.h>
#include <seccomp.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace chronon::sandbox {

namespace {

using Names = std::vector<const char*>;

// What any chronon process does once running: memory, threads, signals, time, plain I/O.
const Names kRuntime = {
    "brk", "mmap", "munmap", "mprotect", "mremap", "madvise",
    "futex", "set_robust_list", "rseq", "exit", "exit_group", "gettid", "getpid", "getppid",
    "sched_yield", "sched_getaffinity", "nanosleep", "clock_nanosleep", "restart_syscall",
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "tgkill",
    "clock_gettime", "clock_getres", "gettimeofday", "time",
    "read", "write", "readv", "writev", "pread64", "close", "poll", "ppoll", "lseek",
    "fstat", "newfstatat", "statx", "openat", "getdents64", "fcntl", "getrandom", "uname",
    "readlink", "readlinkat",  // glibc's realpath, name-service modules (libnss_systemd)
    "getuid", "geteuid", "getgid", "getegid",
};

// UDP and netlink sockets as both processes use them (and glibc's name lookups).
const Names kSockets = {
    "socket", "bind", "connect", "getsockname", "getpeername", "sendto", "recvfrom",
    "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "setsockopt", "getsockopt", "shutdown",
};

// chronond's own: the clock, the command socket and metrics, files, the supervisor, clients.
const Names kControl = {
    "adjtimex", "clock_adjtime", "ioctl",               // clock, PHC reference clocks
    "accept4", "listen",                                // metrics endpoint
    "unlink", "rename", "fsync", "fdatasync", "mkdir",  // logs, driftfile, sockets at exit
    "ftruncate",                                        // a log row cut short by a full disk
    "access", "faccessat2", "readlink", "dup", "pipe2", "prlimit64", "sysinfo",
    "pidfd_open", "wait4", "waitid", "kill",            // supervising the dataplane
    "process_vm_readv",                                 // `clients`
    "clone",                                            // forking it (and resolver threads)
    "clone3",
};

// The forked child up to execve, and the dataplane's start-up after it (its dynamic loader,
// libc and libstdc++ initialisation, dropping its capabilities, loading its own filter).
const Names kSpawn = {
    "setsid", "close_range", "dup2", "dup3", "prctl", "execve",
    "arch_prctl", "set_tid_address", "access", "faccessat2", "prlimit64",
    "get_mempolicy", "set_mempolicy", "capget", "capset", "seccomp",
};

// The socket backend while serving (in the dataplane, or inline in chronond); ioctl for the
// PHC readings of `hwtimestamp` (PTP_SYS_OFFSET) and interface look-ups.
const Names kSocketServing = {"clone", "clone3", "ioctl"};

// The afxdp backend: libbpf, the XDP program's maps, AF_XDP rings, netlink address refresh.
const Names kAfxdpStart = {"bpf", "ioctl", "uname", "mmap", "getsockname", "sendto"};
const Names kAfxdpServing = {"bpf", "clone", "clone3", "ioctl", "sched_setaffinity"};

// Level 2: what no chronon process does after start-up.
const Names kNever = {
    "ptrace", "process_vm_writev", "mount", "umount2", "pivot_root", "chroot", "reboot",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "swapon", "swapoff", "acct", "unshare", "setns", "keyctl", "add_key", "request_key",
    "userfaultfd", "open_by_handle_at", "name_to_handle_at", "iopl", "ioperm", "quotactl",
    "perf_event_open", "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid",
    "setgroups", "setfsuid", "setfsgid", "settimeofday", "clock_settime", "sethostname",
    "setdomainname", "fanotify_init", "lookup_dcookie", "vhangup", "syslog",
};
// ... and additionally in the dataplane.
const Names kNeverInDataplane = {"execve", "execveat", "fork", "vfork", "adjtimex",
                                 "clock_adjtime", "process_vm_readv", "kill"};

void add(std::vector<std::string>* out, const Names& names) {
  for (const char* n : names) out->emplace_back(n);
}

// Port I/O privileges: in kNever, but answered with EPERM under dpdk.
const Names kPortIo = {"iopl", "ioperm"};
bool is_port_io(const char* name) {
  return std::any_of(kPortIo.begin(), kPortIo.end(),
                     [name](const char* p) { return std::strcmp(p, name) == 0; });
}

void unique(std::vector<std::string>* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

bool separate_dataplane(DataplaneKind k) {
  return k == DataplaneKind::kSocket || k == DataplaneKind::kAfxdp || k == DataplaneKind::kDpdk;
}

[[noreturn]] void fail(const std::string& what, int err) {
  throw std::runtime_error("cannot load the seccomp filter: " + what + ": " + std::strerror(err));
}

// Threads only: clone(2) with CLONE_THREAD; clone3 answers ENOSYS, so glibc falls back to
// clone(2), whose flags a filter can read (clone3's are behind a pointer).
void allow_threads_only(scmp_filter_ctx ctx) {
  int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                            SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
  if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  if (rc < 0) fail("clone rule", -rc);
}

}  // namespace

std::optional<int> parse_filter_level(const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || v < -2 || v > 2) return std::nullopt;
  return static_cast<int>(v);
}

std::string filter_refusal(int level, DataplaneKind dataplane) {
  if ((level == 1 || level == -1) && dataplane == DataplaneKind::kDpdk) {
    return "-F " + std::to_string(level) +
           " (an allow-list of system calls) cannot be used with 'dataplane dpdk': the EAL's "
           "system calls depend on its drivers and release; use -F 2 (a deny-list) or -F 0";
  }
  return {};
}

std::vector<std::string> allowed_syscalls(const FilterScope& s) {
  std::vector<std::string> out;
  add(&out, kRuntime);
  add(&out, kSockets);
  const bool afxdp = s.dataplane == DataplaneKind::kAfxdp;
  if (s.process == FilteredProcess::kControl) {
    add(&out, kControl);
    // Inherited by the dataplane, whose calls must pass both filters.
    if (separate_dataplane(s.dataplane)) {
      add(&out, kSpawn);
      add(&out, kSocketServing);
      if (afxdp) {
        add(&out, kAfxdpStart);
        add(&out, kAfxdpServing);
      }
    }
    if (s.dataplane == DataplaneKind::kInline) add(&out, kSocketServing);
  } else {
    add(&out, afxdp ? kAfxdpServing : kSocketServing);
  }
  unique(&out);
  return out;
}

std::vector<std::string> denied_syscalls(const FilterScope& s) {
  std::vector<std::string> out;
  for (const char* n : kNever) {
    // The EAL tries port I/O at start (rte_eal_iopl_init; only virtio legacy devices use
    // it): under dpdk these answer EPERM instead (apply_syscall_filter).
    if (s.dataplane == DataplaneKind::kDpdk && is_port_io(n)) continue;
    out.emplace_back(n);
  }
  if (s.process == FilteredProcess::kDataplane) add(&out, kNeverInDataplane);
  unique(&out);
  return out;
}

void apply_syscall_filter(int level, const FilterScope& s) {
  if (level == 0) return;
  const uint32_t blocked = level > 0 ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_TRAP;
  const bool allow_list = level == 1 || level == -1;
  scmp_filter_ctx ctx = seccomp_init(allow_list ? blocked : SCMP_ACT_ALLOW);
  if (ctx == nullptr) fail("seccomp_init", ENOMEM);
  struct Release {
    scmp_filter_ctx c;
    ~Release() { seccomp_release(c); }
  } release{ctx};
  // Every thread, not just the caller's (name lookups may be running).
  if (int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1); rc < 0) fail("TSYNC", -rc);
  const bool dataplane = s.process == FilteredProcess::kDataplane;
  const auto names = allow_list ? allowed_syscalls(s) : denied_syscalls(s);
  for (const auto& name : names) {
    if (dataplane && (name == "clone" || name == "clone3")) continue;  // threads only, below
    const int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) continue;  // not a system call on this architecture
    const int rc = seccomp_rule_add(ctx, allow_list ? SCMP_ACT_ALLOW : blocked, nr, 0);
    if (rc < 0) fail("rule for " + name, -rc);
  }
  if (!allow_list && s.dataplane == DataplaneKind::kDpdk) {
    for (const char* n : kPortIo) {
      const int nr = seccomp_syscall_resolve_name(n);
      if (nr == __NR_SCMP_ERROR) continue;
      if (int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0); rc < 0) fail(n, -rc);
    }
  }
  if (dataplane) {
    if (allow_list) {
      allow_threads_only(ctx);
    } else {
      int rc = seccomp_rule_add(ctx, blocked, SCMP_SYS(clone), 1,
                                SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
      if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
      if (rc < 0) fail("clone rule", -rc);
    }
  }
  if (int rc = seccomp_load(ctx); rc < 0) fail("seccomp_load", -rc);
}

}  // namespace chronon::sandbox
