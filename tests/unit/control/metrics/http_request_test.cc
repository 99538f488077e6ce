// Tests for the HTTP request head parser: complete and partial heads, bare LF, headers,
// and each malformed or oversized form the metrics endpoint refuses.
#include "control/metrics/http_request.h"

#include <gtest/gtest.h>

#include <string>

namespace chronon::ctl {
namespace {

using Status = HttpRequest::Status;

Status status_of(const std::string& bytes) { return parse_http_request(bytes).status; }

TEST(HttpRequest, ParsesAScrapersRequest) {
  const HttpRequest r = parse_http_request(
      "GET /metrics?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9123\r\nUser-Agent: Prometheus/2.42\r\n"
      "Accept: application/openmetrics-text;version=1.0.0,*/*;q=0.1\r\n\r\n");
  ASSERT_EQ(r.status, Status::kComplete);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/metrics?x=1");
  EXPECT_EQ(r.path(), "/metrics");
  EXPECT_EQ(r.version, "HTTP/1.1");
  EXPECT_EQ(r.header("host"), "127.0.0.1:9123");
  EXPECT_EQ(r.header("accept"), "application/openmetrics-text;version=1.0.0,*/*;q=0.1");
  EXPECT_EQ(r.header("x-missing"), "");
}

TEST(HttpRequest, Http10NeedsNoHostAndBareLineFeedsEndLines) {
  const HttpRequest r = parse_http_request("GET /metrics HTTP/1.0\n\n");
  ASSERT_EQ(r.status, Status::kComplete);
  EXPECT_EQ(r.version, "HTTP/1.0");
  EXPECT_EQ(status_of("GET / HTTP/1.0\r\nAccept:   text/plain  \r\n\r\n"), Status::kComplete);
  EXPECT_EQ(parse_http_request("GET / HTTP/1.0\r\nAccept:   text/plain  \r\n\r\n").header("accept"),
            "text/plain");
}

TEST(HttpRequest, IncompleteUntilTheBlankLine) {
  EXPECT_EQ(status_of(""), Status::kIncomplete);
  EXPECT_EQ(status_of("GET /metr"), Status::kIncomplete);
  EXPECT_EQ(status_of("GET /metrics HTTP/1.1\r\n"), Status::kIncomplete);
  EXPECT_EQ(status_of("GET /metrics HTTP/1.1\r\nHost: x\r\n"), Status::kIncomplete);
  EXPECT_EQ(status_of("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), Status::kComplete);
}

TEST(HttpRequest, MalformedRequestLinesAreKnownAtOnce) {
  for (const char* bad : {"\r\n", "GET\r\n", "GET /metrics\r\n", "GET  /metrics HTTP/1.1\r\n",
                          "GET /metrics HTTP/1.1 extra\r\n", "GET /metrics HTTP/1\r\n",
                          "GET /metrics http/1.1\r\n", "G(T /metrics HTTP/1.1\r\n",
                          "GET /me\x01trics HTTP/1.1\r\n",
                          "\x16\x03\x01\x02\x31\x01"}) {  // a TLS ClientHello: no line end needed
    EXPECT_EQ(status_of(bad), Status::kMalformed) << bad;
  }
}

TEST(HttpRequest, MalformedHeaders) {
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost x\r\n\r\n"), Status::kMalformed);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost : x\r\n\r\n"), Status::kMalformed);  // RFC 9112 §5.1
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n"), Status::kMalformed);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\n: x\r\nHost: x\r\n\r\n"), Status::kMalformed);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\x7f\r\n\r\n"), Status::kMalformed);
  // HTTP/1.1 without Host (RFC 9112 §3.2).
  EXPECT_EQ(status_of("GET /metrics HTTP/1.1\r\nAccept: */*\r\n\r\n"), Status::kMalformed);
}

TEST(HttpRequest, OtherMajorVersionsAreNotSupported) {
  EXPECT_EQ(status_of("GET /metrics HTTP/2.0\r\n\r\n"), Status::kVersionNotSupported);
  EXPECT_EQ(status_of("GET /metrics HTTP/0.9\r\n"), Status::kVersionNotSupported);
}

TEST(HttpRequest, OversizedHeadsAreTooLarge) {
  const std::string line = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
  std::string big = line;
  while (big.size() < kMaxHttpRequestBytes) big += "X-Filler: " + std::string(100, 'a') + "\r\n";
  EXPECT_EQ(status_of(big), Status::kTooLarge);
  EXPECT_EQ(status_of(big + "\r\n"), Status::kTooLarge);
  // A request line alone longer than the limit.
  EXPECT_EQ(status_of("GET /" + std::string(kMaxHttpRequestBytes, 'a')), Status::kTooLarge);
  // Just under the limit is fine.
  std::string fits = line + "X-Filler: ";
  fits += std::string(kMaxHttpRequestBytes - fits.size() - 4, 'b') + "\r\n\r\n";
  ASSERT_EQ(fits.size(), kMaxHttpRequestBytes);
  EXPECT_EQ(status_of(fits), Status::kComplete);
}

}  // namespace
}  // namespace chronon::ctl
