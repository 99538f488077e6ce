// AsyncResolver; see async_resolver.h.
#include "control/async_resolver.h"

#include <arpa/inet.h>

#include <cstring>

namespace chronon::ctl {

AsyncResolver::AsyncResolver(std::string name, int port)
    : name_(std::move(name)), service_(std::to_string(port)) {
  hints_.ai_family = AF_UNSPEC;
  hints_.ai_socktype = SOCK_DGRAM;
  hints_.ai_flags = AI_NUMERICSERV;
  request_.ar_name = name_.c_str();
  request_.ar_service = service_.c_str();
  request_.ar_request = &hints_;
  gaicb* list[1] = {&request_};
  started_ = getaddrinfo_a(GAI_NOWAIT, list, 1, nullptr) == 0;
}

AsyncResolver::~AsyncResolver() {
  if (!started_) return;
  // A lookup still running cannot be left writing into freed memory: cancel it, else wait.
  if (gai_cancel(&request_) == EAI_NOTCANCELED) {
    const gaicb* list[1] = {&request_};
    while (gai_error(&request_) == EAI_INPROGRESS) gai_suspend(list, 1, nullptr);
  }
  if (request_.ar_result) freeaddrinfo(request_.ar_result);
}

std::optional<std::vector<ResolvedAddress>> AsyncResolver::poll(std::string* error) {
  if (!started_) {
    *error = "cannot resolve '" + name_ + "': the resolver could not start";
    return std::vector<ResolvedAddress>{};
  }
  const int rc = gai_error(&request_);
  if (rc == EAI_INPROGRESS) return std::nullopt;
  std::vector<ResolvedAddress> out;
  if (rc != 0) {
    *error = "cannot resolve '" + name_ + "': " + gai_strerror(rc);
    return out;
  }
  out = addresses_of(request_.ar_result);
  if (out.empty()) *error = "'" + name_ + "' has no IPv4 or IPv6 address";
  return out;
}

}  // namespace chronon::ctl
