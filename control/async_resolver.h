// Non-blocking name resolution for source names (glibc's getaddrinfo_a), so a host name that
// takes the resolver's full timeout (no DNS at boot, an isolated namespace) never holds up
// chronond's loop. Numeric addresses never come here: they resolve at once, without threads.
#pragma once

#include <netdb.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control/upstream_socket.h"

namespace chronon::ctl {

class AsyncResolver {
 public:
  AsyncResolver(std::string name, int port);
  ~AsyncResolver();
  AsyncResolver(const AsyncResolver&) = delete;
  AsyncResolver& operator=(const AsyncResolver&) = delete;

  // nullopt while the lookup runs; then the addresses, or an empty list with `error` set.
  std::optional<std::vector<ResolvedAddress>> poll(std::string* error);

 private:
  std::string name_, service_;
  addrinfo hints_{};
  gaicb request_{};
  bool started_ = false;
};

}  // namespace chronon::ctl
