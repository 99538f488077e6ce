// Tests for the metrics endpoint's answers: 200 in the negotiated format, HEAD, and 400, 404,
// 405, 431 and 505 with their headers; the exposition is only rendered when it is sent.
#include "control/metrics/metrics_http.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace chronon::ctl {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Rig {
  int renders = 0;
  MetricsRenderer render = [this](MetricsFormat f) {
    ++renders;
    return std::string(f == MetricsFormat::kOpenMetrics ? "om 1\n# EOF\n" : "prom 1\n");
  };
  std::string ask(const std::string& bytes) {
    return answer_metrics_request(parse_http_request(bytes), render);
  }
};

TEST(MetricsHttp, GetMetricsAsPrometheusDoes) {
  Rig r;
  EXPECT_EQ(r.ask("GET /metrics HTTP/1.1\r\nHost: h\r\nAccept: application/openmetrics-text;"
                  "version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;"
                  "version=0.0.4;q=0.5,*/*;q=0.1\r\n\r\n"),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8\r\n"
            "Content-Length: 11\r\nConnection: close\r\n\r\nom 1\n# EOF\n");
  EXPECT_EQ(r.renders, 1);
}

TEST(MetricsHttp, PlainClientsGetTheTextFormat) {
  Rig r;
  EXPECT_EQ(r.ask("GET /metrics HTTP/1.0\r\nAccept: */*\r\n\r\n"),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
            "Content-Length: 7\r\nConnection: close\r\n\r\nprom 1\n");
  EXPECT_THAT(r.ask("GET /metrics?debug=1 HTTP/1.0\r\n\r\n"), HasSubstr("\r\n\r\nprom 1\n"));
}

TEST(MetricsHttp, AcceptNegotiation) {
  EXPECT_EQ(negotiate_metrics_format(""), MetricsFormat::kPrometheus);
  EXPECT_EQ(negotiate_metrics_format("*/*"), MetricsFormat::kPrometheus);
  EXPECT_EQ(negotiate_metrics_format("application/openmetrics-text"), MetricsFormat::kOpenMetrics);
  EXPECT_EQ(negotiate_metrics_format("Application/OpenMetrics-Text; version=1.0.0"),
            MetricsFormat::kOpenMetrics);
  EXPECT_EQ(negotiate_metrics_format("application/openmetrics-text, */*"), MetricsFormat::kOpenMetrics);
  EXPECT_EQ(negotiate_metrics_format("application/openmetrics-text;q=0"), MetricsFormat::kPrometheus);
  EXPECT_EQ(negotiate_metrics_format("text/plain, application/openmetrics-text;q=0.5"),
            MetricsFormat::kPrometheus);
}

TEST(MetricsHttp, HeadGetsTheHeadersOnly) {
  Rig r;
  EXPECT_EQ(r.ask("HEAD /metrics HTTP/1.0\r\n\r\n"),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
            "Content-Length: 7\r\nConnection: close\r\n\r\n");
}

TEST(MetricsHttp, OtherPathsAre404) {
  Rig r;
  for (const char* path : {"/", "/metricsx", "/metrics/", "/favicon.ico", "http://h/metrics"}) {
    const std::string a = r.ask(std::string("GET ") + path + " HTTP/1.0\r\n\r\n");
    EXPECT_THAT(a, StartsWith("HTTP/1.1 404 Not Found\r\n")) << path;
    EXPECT_THAT(a, HasSubstr("Content-Type: text/plain; charset=utf-8\r\n"));
    EXPECT_THAT(a, HasSubstr("\r\n\r\n404 Not Found: the metrics are at /metrics\n"));
  }
  EXPECT_EQ(r.renders, 0);
}

TEST(MetricsHttp, OtherMethodsAre405WithAllow) {
  Rig r;
  for (const char* m : {"POST", "PUT", "DELETE", "OPTIONS", "get"}) {
    const std::string a = r.ask(std::string(m) + " /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n");
    EXPECT_THAT(a, StartsWith("HTTP/1.1 405 Method Not Allowed\r\n")) << m;
    EXPECT_THAT(a, HasSubstr("\r\nAllow: GET, HEAD\r\n"));
  }
  EXPECT_EQ(r.renders, 0);
}

TEST(MetricsHttp, MalformedOversizedAndOtherVersions) {
  Rig r;
  EXPECT_EQ(r.ask("GARBAGE\r\n"),
            "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 41\r\nConnection: close\r\n\r\n"
            "400 Bad Request: not an HTTP/1.x request\n");
  EXPECT_THAT(r.ask("GET /metrics HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 400 Bad Request\r\n"));
  EXPECT_THAT(r.ask("GET /metrics HTTP/1.0\r\n" + std::string(kMaxHttpRequestBytes, 'a')),
              StartsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
  EXPECT_THAT(r.ask("GET /metrics HTTP/2.0\r\n\r\n"),
              StartsWith("HTTP/1.1 505 HTTP Version Not Supported\r\n"));
  EXPECT_EQ(r.renders, 0);
}

}  // namespace
}  // namespace chronon::ctl
