// What the metrics endpoint answers to a request: the exposition for GET (and HEAD) /metrics
// in the format the client accepts, an error status for anything else. Pure, so every answer
// is unit-tested without sockets; metrics_server.h moves the bytes.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "control/metrics/http_request.h"
#include "control/metrics/metrics_text.h"

namespace chronon::ctl {

// Renders the exposition; called only for a request that gets it.
using MetricsRenderer = std::function<std::string(MetricsFormat)>;

// OpenMetrics when the Accept header asks for application/openmetrics-text at least as
// strongly as for anything else (Prometheus does), else the 0.0.4 text format.
MetricsFormat negotiate_metrics_format(std::string_view accept);

// The whole response (status line, headers, body) to a parsed request whose status is not
// kIncomplete: 200, 400, 404, 405, 431 or 505. Always "Connection: close".
std::string answer_metrics_request(const HttpRequest& r, const MetricsRenderer& render);

}  // namespace chronon::ctl
