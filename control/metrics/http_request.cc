// HTTP request head parsing; see http_request.h.
#include "control/metrics/http_request.h"

#include <algorithm>
#include <cctype>

namespace chronon::ctl {

namespace {

using Status = HttpRequest::Status;

// RFC 9110 §5.6.2 token characters.
bool is_tchar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar); }

// Visible ASCII, no space (a request-target, RFC 9112 §3.2).
bool is_target(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// Field values: visible characters, space and tab (RFC 9110 §5.5), and obs-text bytes.
bool is_field_value(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// One line without its LF, and without the CR before it (a bare LF ends a line too,
// RFC 9112 §2.2).
std::string_view chomp(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// RFC 9112 §3: method SP request-target SP HTTP-version.
Status parse_request_line(std::string_view line, HttpRequest* r) {
  const size_t a = line.find(' ');
  const size_t b = a == std::string_view::npos ? a : line.find(' ', a + 1);
  if (b == std::string_view::npos || line.find(' ', b + 1) != std::string_view::npos)
    return Status::kMalformed;
  const std::string_view method = line.substr(0, a), target = line.substr(a + 1, b - a - 1),
                         version = line.substr(b + 1);
  if (!is_token(method) || !is_target(target)) return Status::kMalformed;
  // HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3).
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || !std::isdigit(static_cast<unsigned char>(version[5])) ||
      version[6] != '.' || !std::isdigit(static_cast<unsigned char>(version[7])))
    return Status::kMalformed;
  r->method = method;
  r->target = target;
  r->version = version;
  return version[5] == '1' ? Status::kComplete : Status::kVersionNotSupported;
}

}  // namespace

std::string_view HttpRequest::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return {};
}

std::string_view HttpRequest::path() const {
  const std::string_view t = target;
  return t.substr(0, t.find('?'));
}

HttpRequest parse_http_request(std::string_view bytes) {
  HttpRequest r;
  const std::string_view window = bytes.substr(0, kMaxHttpRequestBytes);
  // A bad request line is answered at once, without waiting for the rest of the head.
  const size_t first_lf = window.find('\n');
  if (first_lf == std::string_view::npos) {
    // Bytes no request line has (a TLS handshake, binary junk) need not wait for a line end.
    const bool text = std::all_of(window.begin(), window.end(), [](char c) {
      return c == '\r' || (c >= 0x20 && c < 0x7f);
    });
    r.status = !text ? Status::kMalformed
               : bytes.size() >= kMaxHttpRequestBytes ? Status::kTooLarge
                                                      : Status::kIncomplete;
    return r;
  }
  r.status = parse_request_line(chomp(window.substr(0, first_lf)), &r);
  if (r.status != Status::kComplete) return r;
  // The head ends at the first empty line.
  size_t pos = first_lf + 1;
  for (;;) {
    const size_t lf = window.find('\n', pos);
    if (lf == std::string_view::npos) {
      r.status = bytes.size() >= kMaxHttpRequestBytes ? Status::kTooLarge : Status::kIncomplete;
      return r;
    }
    const std::string_view line = chomp(window.substr(pos, lf - pos));
    pos = lf + 1;
    if (line.empty()) break;
    // RFC 9112 §5.1: no whitespace before the colon; §5.2: obsolete line folding refused.
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
      r.status = Status::kMalformed;
      return r;
    }
    const std::string_view value = trim(line.substr(colon + 1));
    if (!is_field_value(value)) {
      r.status = Status::kMalformed;
      return r;
    }
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers.emplace_back(std::move(name), std::string(value));
  }
  // RFC 9112 §3.2: an HTTP/1.1 request without Host gets 400.
  if (r.version == "HTTP/1.1" &&
      std::none_of(r.headers.begin(), r.headers.end(), [](const auto& h) { return h.first == "host"; })) {
    r.status = Status::kMalformed;
    return r;
  }
  r.status = Status::kComplete;
  return r;
}

}  // namespace chronon::ctl
