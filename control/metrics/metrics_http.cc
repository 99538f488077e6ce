// The metrics endpoint's answers; see metrics_http.h.
#include "control/metrics/metrics_http.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace chronon::ctl {

namespace {

constexpr std::string_view kPath = "/metrics";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string o(s);
  for (char& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return o;
}

// The quality value of one media range ("type/sub; a=b; q=0.5", RFC 9110 §12.5.1).
double quality(std::string_view range) {
  double q = 1.0;
  size_t pos = range.find(';');
  while (pos != std::string_view::npos) {
    const size_t next = range.find(';', pos + 1);
    const std::string param = lower(trim(range.substr(pos + 1, next == std::string_view::npos ? next : next - pos - 1)));
    if (param.size() > 2 && param[0] == 'q' && param[1] == '=') q = std::strtod(param.c_str() + 2, nullptr);
    pos = next;
  }
  return q;
}

std::string response(int status, std::string_view reason, std::string_view content_type,
                     const std::string& body, bool with_body, std::string_view extra = {}) {
  std::string r = fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}Connection: close\r\n\r\n",
      status, reason, content_type, body.size(), extra);
  if (with_body) r += body;
  return r;
}

std::string error(int status, std::string_view reason, std::string_view why,
                  std::string_view extra = {}) {
  return response(status, reason, "text/plain; charset=utf-8",
                  fmt::format("{} {}: {}\n", status, reason, why), true, extra);
}

}  // namespace

MetricsFormat negotiate_metrics_format(std::string_view accept) {
  double om = 0.0, other = 0.0;
  size_t start = 0;
  while (start <= accept.size()) {
    const size_t comma = std::min(accept.find(',', start), accept.size());
    const std::string_view range = trim(accept.substr(start, comma - start));
    start = comma + 1;
    if (range.empty()) continue;
    const std::string type = lower(trim(range.substr(0, range.find(';'))));
    const double q = quality(range);
    if (type == "application/openmetrics-text") om = std::max(om, q);
    else other = std::max(other, q);
  }
  return om > 0.0 && om >= other ? MetricsFormat::kOpenMetrics : MetricsFormat::kPrometheus;
}

std::string answer_metrics_request(const HttpRequest& r, const MetricsRenderer& render) {
  using Status = HttpRequest::Status;
  switch (r.status) {
    case Status::kComplete: break;
    case Status::kTooLarge:
      return error(431, "Request Header Fields Too Large",
                   fmt::format("the request head is longer than {} bytes", kMaxHttpRequestBytes));
    case Status::kVersionNotSupported:
      return error(505, "HTTP Version Not Supported", "HTTP/1.0 and HTTP/1.1 only");
    case Status::kIncomplete:
    case Status::kMalformed:
      return error(400, "Bad Request", "not an HTTP/1.x request");
  }
  const bool head = r.method == "HEAD";
  if (r.method != "GET" && !head) {
    return error(405, "Method Not Allowed", "only GET and HEAD", "Allow: GET, HEAD\r\n");
  }
  if (r.path() != kPath) return error(404, "Not Found", "the metrics are at /metrics");
  const MetricsFormat f = negotiate_metrics_format(r.header("accept"));
  return response(200, "OK", metrics_content_type(f), render(f), !head);
}

}  // namespace chronon::ctl
