// Names of capability sets; see capability_set.h.
#include "sandbox/capability_set.h"

#include <array>

namespace chronon::sandbox {

namespace {

// The kernel's numbering (linux/capability.h), written out so that names do not depend on
// the libcap version the build found.
constexpr std::array<const char*, 41> kNames = {
    "cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner", "cap_fsetid",
    "cap_kill", "cap_setgid", "cap_setuid", "cap_setpcap", "cap_linux_immutable",
    "cap_net_bind_service", "cap_net_broadcast", "cap_net_admin", "cap_net_raw",
    "cap_ipc_lock", "cap_ipc_owner", "cap_sys_module", "cap_sys_rawio", "cap_sys_chroot",
    "cap_sys_ptrace", "cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice",
    "cap_sys_resource", "cap_sys_time", "cap_sys_tty_config", "cap_mknod", "cap_lease",
    "cap_audit_write", "cap_audit_control", "cap_setfcap", "cap_mac_override",
    "cap_mac_admin", "cap_syslog", "cap_wake_alarm", "cap_block_suspend", "cap_audit_read",
    "cap_perfmon", "cap_bpf", "cap_checkpoint_restore"};

}  // namespace

std::string capability_name(int cap) {
  if (cap >= 0 && cap < static_cast<int>(kNames.size())) return kNames[static_cast<size_t>(cap)];
  return "cap_" + std::to_string(cap);
}

std::string CapSet::names() const {
  std::string out;
  for (int c = 0; c < 64; ++c) {
    if (!has(c)) continue;
    if (!out.empty()) out += ',';
    out += capability_name(c);
  }
  return out.empty() ? "none" : out;
}

}  // namespace chronon::sandbox
