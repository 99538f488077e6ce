// User look-up; see user_credentials.h.
#include "sandbox/user_credentials.h"

#include <grp.h>
#include <pwd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace chronon::sandbox {

UserCredentials lookup_user(const std::string& name) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  const int e = getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found);
  if (e != 0) {
    throw std::runtime_error("cannot look up user '" + name + "': " + std::strerror(e));
  }
  if (found == nullptr) throw std::runtime_error("user '" + name + "' not found");
  UserCredentials c{name, pw.pw_uid, pw.pw_gid, {}};
  int n = 32;
  for (;;) {
    c.groups.resize(static_cast<size_t>(n));
    const int had = n;
    if (getgrouplist(name.c_str(), pw.pw_gid, c.groups.data(), &n) >= 0) break;
    if (n <= had) n = had * 2;  // some implementations do not say how many are needed
  }
  c.groups.resize(static_cast<size_t>(n));
  return c;
}

}  // namespace chronon::sandbox
