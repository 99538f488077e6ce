// SourceDriver; see source_driver.h.
#include "control/source_driver.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

namespace chronon::ctl {

namespace {
// How often a name that does not resolve is tried again.
constexpr double kResolveRetryS = 60.0;
constexpr size_t kMaxReply = 1024;
}  // namespace

SourceDriver::SourceDriver(const Config& cfg, TimeKeeper& keeper, const ts::Clock& clock,
                           std::vector<std::string>* logs)
    : keeper_(keeper), clock_(clock), rng_(std::random_device{}()), local_port_(cfg.port) {
  (void)logs;
  for (const SourceConfig& c : cfg.sources) endpoints_.push_back(make_endpoint(c));
}

std::unique_ptr<SourceDriver::Endpoint> SourceDriver::make_endpoint(const SourceConfig& c) {
  auto e = std::make_unique<Endpoint>();
  e->config = c;
  e->source = keeper_.source_count();
  e->name = c.address;
  e->port = c.port;
  e->peer = c.type == SourceConfig::Type::kPeer;
  if (auto a = numeric_address(c.address, c.port)) {
    // Peers' sockets open once the dataplane serves (set_peers_enabled); servers' at their
    // first poll.
    e->resolved = *a;
    keeper_.add_source(c, a->text, a->refid);
  } else {
    // A host name: looked up in the background; polls count as unanswered meanwhile.
    keeper_.add_source(c, c.address, 0);
    e->resolver = std::make_unique<AsyncResolver>(c.address, c.port);
  }
  return e;
}

std::string SourceDriver::reload(const std::vector<SourceConfig>& fresh, bool all) {
  std::set<std::string> wanted, present;
  for (const SourceConfig& c : fresh) wanted.insert(c.line);
  std::set<std::string> removed_lines;
  int added = 0;
  for (auto* list : {&endpoints_, &added_}) {
    for (auto& e : *list) {
      NtpSource& s = keeper_.source(e->source);
      if ((!all && !e->config.from_sourcedir) || s.retired()) continue;
      if (wanted.count(e->config.line)) {
        present.insert(e->config.line);
        continue;
      }
      // A pool's addresses share its line: all of them go.
      s.retire();
      e->sock.close_socket();
      // A lookup still running is left to finish in the background: cancelling it would
      // wait for the resolver's timeout inside the poll loop.
      if (e->resolver) abandoned_.push_back(std::move(e->resolver));
      e->resolved.reset();
      removed_lines.insert(e->config.line);
    }
  }
  for (const SourceConfig& c : fresh) {
    if (!present.insert(c.line).second) continue;  // kept, or listed twice
    added_.push_back(make_endpoint(c));
    ++added;
  }
  // A pool's addresses count as the one line they came from.
  const size_t removed = removed_lines.size();
  return fmt::format("{} source{} added, {} removed", added, added == 1 ? "" : "s", removed);
}

void SourceDriver::check_resolution(Endpoint& e, double now, std::vector<std::string>* logs) {
  if (e.resolved || keeper_.source(e.source).retired()) return;
  if (!e.resolver) {
    if (now < e.next_resolve_mono_s) return;
    e.resolver = std::make_unique<AsyncResolver>(e.name, e.port);
  }
  std::string error;
  const auto result = e.resolver->poll(&error);
  if (!result) return;  // still looking
  e.resolver.reset();
  if (result->empty()) {
    if (!e.resolve_failed_logged) {
      logs->push_back(fmt::format("{}: {}; trying again every {:.0f} s", e.config.where.str(),
                                  error, kResolveRetryS));
      e.resolve_failed_logged = true;
    }
    e.next_resolve_mono_s = now + kResolveRetryS;
    return;
  }
  e.resolved = result->front();
  keeper_.set_source_address(e.source, result->front().text, result->front().refid);
  logs->push_back(fmt::format("Source {} resolved to {}", e.name, result->front().text));
  // A pool becomes up to maxsources sources, one per address.
  if (e.config.type != SourceConfig::Type::kPool) return;
  for (size_t k = 1; k < result->size() && k < static_cast<size_t>(e.config.maxsources); ++k) {
    auto more = std::make_unique<Endpoint>();
    more->config = e.config;
    more->source = keeper_.source_count();
    more->name = e.name;
    more->port = e.port;
    more->resolved = (*result)[k];
    keeper_.add_source(e.config, (*result)[k].text, (*result)[k].refid);
    logs->push_back(fmt::format("Source {} resolved to {}", e.name, (*result)[k].text));
    added_.push_back(std::move(more));
  }
}

double SourceDriver::mono_s() const {
  const timespec m = clock_.monotonic();
  return static_cast<double>(m.tv_sec) + static_cast<double>(m.tv_nsec) * 1e-9;
}

int SourceDriver::prepare(std::vector<pollfd>* fds, int max_wait_ms) {
  const double now = mono_s();
  double wait_s = max_wait_ms / 1000.0;
  for (const auto& e : endpoints_) {
    fds->push_back(pollfd{e->sock.fd(), POLLIN, 0});
    const NtpSource& s = keeper_.source(e->source);
    if (s.polling()) wait_s = std::min(wait_s, std::max(0.0, s.next_poll_mono_s() - now));
  }
  // A slew's end and the leap second are acted on when due, not up to a wait later (poll
  // rounds up to the millisecond; the discipline slews back what a late tick overshot).
  if (const auto due = keeper_.next_due_mono_s()) wait_s = std::min(wait_s, std::max(0.0, *due - now));
  return static_cast<int>(std::ceil(wait_s * 1000.0));
}

void SourceDriver::send_due(Endpoint& e, double now, std::vector<std::string>* logs) {
  NtpSource& s = keeper_.source(e.source);
  if (!s.polling() || now < s.next_poll_mono_s()) return;
  if (e.resolved && !e.sock.is_open() && (!e.peer || peers_enabled_)) {
    std::string error;
    const bool ok = e.peer ? e.sock.open_peer(*e.resolved, local_port_, &error)
                           : e.sock.open(*e.resolved, &error);
    // Said once per failure streak: a socket that keeps failing is retried every poll.
    if (!ok && !e.open_failed_logged) logs->push_back(error);
    e.open_failed_logged = !ok;
    s.set_local_refid(e.sock.local_refid());
  }
  uint8_t req[kNtpRequestLen];
  // The request counts as sent (and the reachability register shifts) even when the socket
  // is not there yet: the source is unreachable.
  s.make_request(req, rng_(), clock_.now(), now, keeper_.our_state());
  if (e.sock.is_open()) {
    s.set_tx_time(clock_.now());
    e.sock.send(req, sizeof req);
  }
}

int SourceDriver::unresolved() const {
  int n = 0;
  for (const auto& e : endpoints_) n += !e->resolved && !keeper_.source(e->source).retired();
  return n;
}

void SourceDriver::set_peers_enabled(bool on) {
  peers_enabled_ = on;
  if (on) return;
  for (auto& e : endpoints_) {
    if (e->peer) e->sock.close_socket();
  }
}

bool SourceDriver::service(const std::vector<pollfd>& fds, size_t first,
                           std::vector<std::string>* logs, std::vector<UpdateEvent>* events) {
  bool changed = false;
  for (size_t k = 0; k < endpoints_.size(); ++k) {
    Endpoint& e = *endpoints_[k];
    if (first + k >= fds.size() || !(fds[first + k].revents & (POLLIN | POLLERR))) continue;
    uint8_t buf[kMaxReply];
    timespec rx{};
    ssize_t n;
    while ((n = e.sock.receive(buf, sizeof buf, clock_, &rx)) >= 0) {
      const UpdateEvent ev = keeper_.on_reply(e.source, buf, static_cast<size_t>(n), rx, mono_s());
      if (!ev.message.empty()) logs->push_back(ev.message);
      changed |= ev.clock_updated || ev.selection_changed;
      if (ev.measured) events->push_back(ev);
    }
  }
  const double now = mono_s();
  std::erase_if(abandoned_, [](const std::unique_ptr<AsyncResolver>& r) {
    std::string ignored;
    return r->poll(&ignored).has_value();  // finished: freeing it no longer waits
  });
  for (auto& e : endpoints_) check_resolution(*e, now, logs);
  for (auto& e : added_) endpoints_.push_back(std::move(e));
  added_.clear();
  for (auto& e : endpoints_) send_due(*e, now, logs);
  const std::string t = keeper_.tick();
  if (!t.empty()) {
    logs->push_back(t);
    changed = true;
  }
  return changed;
}

}  // namespace chronon::ctl
