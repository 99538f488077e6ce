// Privilege switching with libcap and prctl; see privileges.h.
#include "sandbox/privileges.h"

#include <grp.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace chronon::sandbox {

namespace {

[[noreturn]] void fail(const std::string& step, int err) {
  throw std::runtime_error("cannot drop privileges: " + step + ": " + std::strerror(err));
}

// Sets the calling thread's effective, permitted and inheritable sets.
void set_thread_caps(CapSet effective, CapSet permitted, CapSet inheritable) {
  cap_t c = cap_init();
  if (c == nullptr) fail("cap_init", errno);
  for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) {
    const cap_value_t v = cap;
    if (effective.has(cap)) cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_SET);
    if (permitted.has(cap)) cap_set_flag(c, CAP_PERMITTED, 1, &v, CAP_SET);
    if (inheritable.has(cap)) cap_set_flag(c, CAP_INHERITABLE, 1, &v, CAP_SET);
  }
  const int rc = cap_set_proc(c);
  const int e = errno;
  cap_free(c);
  if (rc != 0) fail("capset (" + permitted.names() + ")", e);
}

// Drops every capability outside `keep` from the bounding set (needs cap_setpcap).
void trim_bounding_set(CapSet keep) {
  for (int cap = 0; cap < 64; ++cap) {
    if (keep.has(cap)) continue;
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) break;  // beyond the kernel's last
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
      fail("PR_CAPBSET_DROP " + capability_name(cap), errno);
  }
}

void no_new_privs() {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail("PR_SET_NO_NEW_PRIVS", errno);
}

}  // namespace

void switch_user(const UserCredentials& user, CapSet own, CapSet for_children) {
  const CapSet all = own | for_children;
  // While still root with every capability effective: the bounding set first (cap_setpcap).
  trim_bounding_set(all);
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) fail("PR_SET_KEEPCAPS", errno);
  // glibc applies these three to every thread of the process (its setxid broadcast).
  if (setgroups(user.groups.size(), user.groups.data()) != 0) fail("setgroups", errno);
  if (setresgid(user.gid, user.gid, user.gid) != 0) fail("setgid", errno);
  if (setresuid(user.uid, user.uid, user.uid) != 0) fail("setuid", errno);
  // The uid change emptied the effective set and (thanks to KEEPCAPS) kept the permitted one.
  set_thread_caps(own, all, for_children);
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) fail("PR_SET_KEEPCAPS", errno);
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
    fail("PR_CAP_AMBIENT_CLEAR_ALL", errno);
  no_new_privs();
  // Paranoia, as chronyd: root must be out of reach now.
  if (user.uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
    throw std::runtime_error("cannot drop privileges: root could be regained after setuid");
  }
}

void restrict_capabilities(CapSet keep) {
  if (effective_capabilities().has(CAP_SETPCAP)) trim_bounding_set(keep);
  set_thread_caps(keep, keep, {});
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
    fail("PR_CAP_AMBIENT_CLEAR_ALL", errno);
  no_new_privs();
}

int raise_ambient(CapSet caps) noexcept {
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) return errno;
  for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) {
    if (caps.has(cap) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0) return errno;
  }
  return 0;
}

CapSet effective_capabilities() {
  cap_t c = cap_get_proc();
  if (c == nullptr) return {};
  uint64_t m = 0;
  for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) {
    cap_flag_value_t v = CAP_CLEAR;
    if (cap_get_flag(c, cap, CAP_EFFECTIVE, &v) == 0 && v == CAP_SET) m |= uint64_t{1} << cap;
  }
  cap_free(c);
  return CapSet::from_mask(m);
}

std::string describe(const UserCredentials& user) {
  return "user " + user.name + " (uid " + std::to_string(user.uid) + ", gid " +
         std::to_string(user.gid) + ")";
}

}  // namespace chronon::sandbox
