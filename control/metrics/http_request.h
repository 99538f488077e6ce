// The head of an HTTP/1.0 or 1.1 request (RFC 9112 §2-§5), parsed from the bytes received so
// far, for the metrics endpoint. Only what a GET needs: method, target, version, headers.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chronon::ctl {

// Anything longer is refused with 431 (a scraper's request is a few hundred bytes).
inline constexpr size_t kMaxHttpRequestBytes = 8192;

struct HttpRequest {
  enum class Status {
    kIncomplete,  // no blank line yet: read more
    kComplete,
    kMalformed,         // 400
    kTooLarge,          // 431: no end of the head within kMaxHttpRequestBytes
    kVersionNotSupported,  // 505: HTTP/2 and later in an HTTP/1 request line
  };
  Status status = Status::kIncomplete;
  std::string method, target, version;  // "GET", "/metrics?x=1", "HTTP/1.1"
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case

  // The first header named `name` (lower-case), or empty.
  std::string_view header(std::string_view name) const;
  // The target's path, without the query ("/metrics").
  std::string_view path() const;
};

// Parses the bytes received so far (at most kMaxHttpRequestBytes of them are looked at).
HttpRequest parse_http_request(std::string_view bytes);

}  // namespace chronon::ctl
