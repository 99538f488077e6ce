// Directives about how chronond is watched from outside (chronon's own, not chrony's):
// metrics ADDRESS:PORT, the OpenMetrics/Prometheus endpoint.
#include "control/config/directive_context.h"

namespace chronon::ctl::config_detail {

namespace {

constexpr const char* kForm = "(ADDRESS:PORT, e.g. 127.0.0.1:9123 or [::1]:9123)";

bool is_loopback(const dp::IpAddress& a) {
  if (a.is_v4()) return (a.v4() >> 24) == 127;
  static const dp::IpAddress kV6Loopback = *dp::parse_ip("::1");
  return a == kV6Loopback;
}

}  // namespace

// metrics ADDRESS:PORT. IPv6 addresses in brackets (as in URLs, RFC 3986 §3.2.2), numeric
// addresses only: the socket is bound at start-up and DNS must not hold that up.
void parse_metrics(DirectiveContext& c) {
  c.expect_args(1);
  const std::string& text = c.args[0];
  std::string host, port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string::npos) c.fail("missing ']' in '" + text + "' for 'metrics' " + kForm);
    host = text.substr(1, close - 1);
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      c.fail("missing port in '" + text + "' for 'metrics' " + kForm);
    }
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos) c.fail("missing port in '" + text + "' for 'metrics' " + kForm);
    host = text.substr(0, colon);
    if (host.find(':') != std::string::npos) {
      c.fail("IPv6 address in '" + text + "' for 'metrics' needs brackets, e.g. [::1]:9123");
    }
    port = text.substr(colon + 1);
  }
  const auto ip = dp::parse_ip(host);
  if (ip && ip->is_v4() && host.find(':') != std::string::npos) {
    c.fail("IPv4-mapped address '" + host + "' for 'metrics': write the IPv4 address");
  }
  if (!ip) {
    c.fail("invalid address '" + host + "' for 'metrics' (a numeric IPv4 or IPv6 address; "
           "host names are not supported)");
  }
  MetricsConfig m;
  m.enabled = true;
  m.address = host;
  m.port = c.to_int(port, "port", 1, 65535);
  m.where = c.where;
  // Allowed (a Prometheus server elsewhere needs it), but the endpoint has no access control.
  if (!is_loopback(*ip)) {
    c.cfg.notices.push_back(c.where.str() + ": metrics on " + m.endpoint() +
                            " can be read by other hosts (no authentication; restrict it with "
                            "a firewall)");
  }
  c.cfg.metrics = m;
}

}  // namespace chronon::ctl::config_detail
