// Giving up root after start-up: switching to the configured user with only the capabilities
// the process still needs (capability_plan.h), and handing capabilities to a child across
// execve through the ambient set.
#pragma once

#include <string>

#include "sandbox/capability_set.h"
#include "sandbox/user_credentials.h"

namespace chronon::sandbox {

// chronond: becomes `user` (its groups, then gid, then uid, for every thread), keeping `own`
// effective and permitted, and `for_children` permitted and inheritable only (never effective:
// they exist to be raised into a child's ambient set). The bounding set becomes
// own | for_children; no_new_privs is set. Any other thread loses every capability (the uid
// change clears them; only the calling thread keeps its own). Throws std::runtime_error
// "cannot drop privileges: STEP: REASON".
void switch_user(const UserCredentials& user, CapSet own, CapSet for_children);

// chronon-dataplane once serving: keeps `keep` effective and permitted, nothing inheritable or
// ambient; trims the bounding set to `keep` when it holds cap_setpcap (which it then drops
// too); sets no_new_privs. Affects the calling thread (and threads it starts later). Throws.
void restrict_capabilities(CapSet keep);

// In a child between fork and execve: raises `caps` into the ambient set (each must be
// permitted and inheritable). Only async-signal-safe calls. Returns 0 or an errno value.
int raise_ambient(CapSet caps) noexcept;

// The calling thread's effective capabilities, read back from the kernel.
CapSet effective_capabilities();

// "user nobody (uid 65534, gid 65534)" for the log.
std::string describe(const UserCredentials& user);

}  // namespace chronon::sandbox
