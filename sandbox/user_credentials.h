// The account a chronon process switches to (`chronond -u USER`, chrony.conf's `user`): its
// uid, primary gid and every group it belongs to, looked up once, before anything is dropped.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace chronon::sandbox {

struct UserCredentials {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups (getgrouplist), the primary one included
};

// Throws std::runtime_error("user 'NAME' not found") or naming the failed lookup.
UserCredentials lookup_user(const std::string& name);

}  // namespace chronon::sandbox
