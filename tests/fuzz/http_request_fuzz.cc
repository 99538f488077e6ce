// libFuzzer target: arbitrary bytes as an HTTP request to the metrics endpoint. The parser
// and the answer must hold their invariants: a status line, a Content-Length equal to the
// body, and the exposition only for a complete GET or HEAD of /metrics.
#include <cstdint>
#include <string>
#include <string_view>

#include "control/metrics/metrics_http.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using chronon::ctl::HttpRequest;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const HttpRequest r = chronon::ctl::parse_http_request(bytes);
  if (r.status == HttpRequest::Status::kIncomplete) {
    if (size >= chronon::ctl::kMaxHttpRequestBytes) __builtin_trap();
    return 0;
  }
  bool rendered = false;
  const std::string a = chronon::ctl::answer_metrics_request(r, [&](chronon::ctl::MetricsFormat) {
    rendered = true;
    return std::string("x 1\n");
  });
  if (a.rfind("HTTP/1.1 ", 0) != 0) __builtin_trap();
  const size_t end = a.find("\r\n\r\n");
  if (end == std::string::npos) __builtin_trap();
  const bool ok = r.status == HttpRequest::Status::kComplete &&
                  (r.method == "GET" || r.method == "HEAD") && r.path() == "/metrics";
  if (rendered != ok) __builtin_trap();
  const std::string body = a.substr(end + 4);
  if (r.method != "HEAD" &&
      a.find("Content-Length: " + std::to_string(body.size()) + "\r\n") == std::string::npos)
    __builtin_trap();
  return 0;
}
