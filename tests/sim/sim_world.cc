// World; see sim_world.h.
#include "tests/sim/sim_world.h"

#include <endian.h>

#include <cmath>
#include <cstring>
#include <stdexcept>

#include "control/source/client_exchange.h"
#include "dataplane/core/ntp_packet.h"

namespace chronon::sim {

namespace {

// Times are kept as small doubles relative to the start (true time 0, `start` in Unix time)
// so that a double still resolves well under a nanosecond.
timespec to_timespec(time_t start, double rel_s) {
  const double fl = std::floor(rel_s);
  timespec t;
  t.tv_sec = start + static_cast<time_t>(fl);
  t.tv_nsec = static_cast<long>(std::llround((rel_s - fl) * 1e9));
  if (t.tv_nsec >= 1000000000L) {
    t.tv_nsec -= 1000000000L;
    ++t.tv_sec;
  }
  return t;
}

double from_timespec(time_t start, const timespec& t) {
  return static_cast<double>(t.tv_sec - start) + static_cast<double>(t.tv_nsec) * 1e-9;
}

void put32(uint8_t* p, uint32_t v) {
  v = htobe32(v);
  std::memcpy(p, &v, 4);
}
void put_ts(uint8_t* p, ts::NtpTimestamp t) {
  const uint64_t w = ts::to_wire(t);
  std::memcpy(p, &w, 8);
}

}  // namespace

Oscillator::Oscillator(const double& true_s, time_t start_unix, double offset_s,
                       double freq_error_ppm, double wander_ppm_per_sqrt_s, uint64_t seed)
    : true_s_(true_s),
      start_unix_(start_unix),
      reading_s_(true_s + offset_s),
      last_true_s_(true_s),
      freq_error_ppm_(freq_error_ppm),
      wander_(wander_ppm_per_sqrt_s),
      rng_(seed) {}

void Oscillator::advance_to(double t) {
  const double dt = t - last_true_s_;
  if (dt <= 0) return;
  reading_s_ += dt * (1.0 + freq_error_ppm_ * 1e-6);
  last_true_s_ = t;
  if (wander_ > 0) {
    std::normal_distribution<double> n(0.0, wander_ * std::sqrt(dt));
    freq_error_ppm_ += n(rng_);
  }
}

timespec Oscillator::now() const {
  const double dt = true_s_ - last_true_s_;
  return to_timespec(start_unix_, reading_s_ + dt * (1.0 + freq_error_ppm_ * 1e-6));
}

timespec Oscillator::monotonic() const {
  // The same oscillator, counted from an arbitrary boot time.
  timespec t = now();
  t.tv_sec -= start_unix_ - 1000;
  return t;
}

World::World(const ctl::Config& cfg, double clock_offset_s, double freq_error_ppm,
             double wander_ppm_per_sqrt_s, uint64_t seed, time_t start_unix)
    : start_unix_(start_unix), seed_(seed), rng_(seed) {
  auto n = std::make_unique<Node>();
  n->cfg = cfg;
  n->cfg.sources.clear();
  n->osc = std::make_unique<Oscillator>(true_s_, start_unix_, clock_offset_s, freq_error_ppm,
                                        wander_ppm_per_sqrt_s, seed + 1);
  nodes_.push_back(std::move(n));
  add_node(cfg, 0, 0);  // finishes node 0 (its oscillator is already there)
}

size_t World::add_node(const ctl::Config& cfg, double clock_offset_s, double freq_error_ppm) {
  size_t idx;
  if (nodes_.size() == 1 && !nodes_[0]->keeper) {
    idx = 0;
  } else {
    auto n = std::make_unique<Node>();
    n->cfg = cfg;
    n->cfg.sources.clear();
    n->osc = std::make_unique<Oscillator>(true_s_, start_unix_, clock_offset_s, freq_error_ppm, 0.0,
                                          seed_ + 7 * nodes_.size());
    nodes_.push_back(std::move(n));
    idx = nodes_.size() - 1;
  }
  Node& n = *nodes_[idx];
  n.refid = 0x0A0000F0u + static_cast<uint32_t>(idx);
  n.clock = std::make_unique<ts::VirtualClock>(*n.osc);
  n.state = std::make_unique<ctl::ServerStateSource>(
      *n.clock, ctl::LocalReference{n.cfg.local.enabled, n.cfg.local.stratum, n.cfg.local.distance},
      -128, n.cfg.maxclockerror_ppm);
  n.keeper = std::make_unique<ctl::TimeKeeper>(n.cfg, *n.clock, *n.clock, *n.state, 0.0, 1000.0);
  n.keeper->set_own_refids({n.refid});
  targets_.emplace_back();
  events_.push(Event{1.0, 2, idx, 0, {}});
  return idx;
}

void World::set_node_refid(size_t node, uint32_t refid) {
  if (!targets_[node].empty()) throw std::logic_error("set_node_refid after sources were added");
  nodes_[node]->refid = refid;
  nodes_[node]->keeper->set_own_refids({refid});
}

size_t World::add_source(size_t node, const ctl::SourceConfig& src, const std::string& name,
                         uint32_t refid, Target t) {
  // The node has one address, so that is its local refid towards every source.
  nodes_[node]->keeper->add_source(src, name, refid).set_local_refid(nodes_[node]->refid);
  targets_[node].push_back(t);
  const size_t i = targets_[node].size() - 1;
  schedule_poll(node, i);
  return i;
}

size_t World::add_server(const ServerSpec& spec, const ctl::SourceConfig& src, size_t node) {
  servers_.push_back(spec);
  requests_.emplace_back();
  Target t;
  t.server = servers_.size() - 1;
  // The refid a server's address would give: 10.0.0.N.
  add_source(node, src, spec.name, 0x0A000000u + static_cast<uint32_t>(servers_.size()), t);
  return t.server;
}

void World::add_peers(size_t a, size_t b, const ctl::SourceConfig& src, const ServerSpec& path) {
  links_.push_back(Link{path});
  ctl::SourceConfig peer = src;
  peer.type = ctl::SourceConfig::Type::kPeer;
  Target ta, tb;
  ta.is_peer = tb.is_peer = true;
  ta.link = tb.link = links_.size() - 1;
  ta.peer_node = b;
  tb.peer_node = a;
  ta.peer_source = targets_[b].size();
  tb.peer_source = targets_[a].size();
  add_source(a, peer, "node" + std::to_string(b), nodes_[b]->refid, ta);
  add_source(b, peer, "node" + std::to_string(a), nodes_[a]->refid, tb);
}

size_t World::add_refclock(const ctl::RefclockConfig& rc, double noise_s, size_t node) {
  const uint32_t id = ctl::RefclockPoller::refid_of(rc);
  nodes_[node]->keeper->add_source(ctl::refclock_source_config(rc), "PHC0", id).set_refclock();
  targets_[node].push_back(Target{});
  const size_t source = targets_[node].size() - 1;
  refclocks_.push_back(Refclock{node, source, noise_s,
                                std::make_unique<ctl::RefclockPoller>(rc, -23, mono_s(node))});
  events_.push(Event{true_s_, 3, node, refclocks_.size() - 1, {}});
  return source;
}

void World::service_refclock(size_t r) {
  Refclock& rc = refclocks_[r];
  Node& n = *nodes_[rc.node];
  const double now = mono_s(rc.node);
  if (rc.poller->reading_due(now)) {
    std::normal_distribution<double> noise(0.0, rc.noise_s);
    const timespec ours = n.clock->now();
    rc.poller->add_reading(ours, utc_s(true_s_) + noise(rng_) - from_timespec(start_unix_, ours), 1e-7,
                           now);
  }
  std::optional<ctl::NtpSample> s;
  if (rc.poller->poll_due(now, &s)) {
    const ctl::UpdateEvent u = n.keeper->on_refclock_poll(rc.source, s ? &*s : nullptr);
    if (!u.message.empty()) log_.push_back(u.message);
  }
  events_.push(Event{true_s_ + std::max(1e-3, rc.poller->next_due_mono_s() - now), 3, rc.node, r, {}});
}

double World::path_delay(const ServerSpec& s, bool to_server) {
  std::exponential_distribution<double> jitter(1.0 / std::max(s.jitter_s, 1e-12));
  return s.delay_s + (s.jitter_s > 0 ? jitter(rng_) : 0.0) + (to_server ? s.asymmetry_s : 0.0);
}

double World::mono_s(size_t node) const {
  const timespec m = nodes_[node]->clock->monotonic();
  return static_cast<double>(m.tv_sec) + static_cast<double>(m.tv_nsec) * 1e-9;
}

void World::schedule_poll(size_t node, size_t i) {
  if (i >= targets_[node].size()) return;
  // Poll times are in the node's monotonic clock; the oscillator runs within ppm of true
  // time, which is precise enough for scheduling.
  const double wait =
      std::max(0.0, nodes_[node]->keeper->source(i).next_poll_mono_s() - mono_s(node));
  events_.push(Event{true_s_ + wait, 0, node, i, {}});
}

void World::schedule_deadline(size_t node) {
  Node& n = *nodes_[node];
  const std::optional<double> deadline = n.keeper->next_due_mono_s();
  if (!deadline || *deadline == n.deadline_scheduled_mono_s) return;
  n.deadline_scheduled_mono_s = *deadline;
  // The node's monotonic clock is its oscillator, (1 + error) times true time. A tick a
  // nanosecond early (rounding) finds the deadline still ahead and is scheduled again.
  const double wait =
      std::max(0.0, *deadline - mono_s(node)) / (1.0 + n.osc->freq_error_ppm() * 1e-6);
  events_.push(Event{true_s_ + std::max(wait, 1e-9), 4, node, 0, {}});
}

void World::on_poll(size_t node, size_t i) {
  Node& n = *nodes_[node];
  ctl::NtpSource& src = n.keeper->source(i);
  if (!src.polling()) return;
  // A reply since this poll was scheduled may have put it off (KoD RATE); a millisecond of
  // slack for the oscillator's rate against true time.
  if (mono_s(node) + 1e-3 < src.next_poll_mono_s()) {
    schedule_poll(node, i);
    return;
  }
  uint8_t req[ctl::kNtpRequestLen];
  src.make_request(req, rng_(), n.clock->now(), mono_s(node), n.state->current());
  schedule_poll(node, i);
  const Target& t = targets_[node][i];
  if (t.is_peer) {
    const ServerSpec& path = links_[t.link].path;
    if (!path.reachable) return;
    events_.push(Event{true_s_ + path_delay(path, true), 1, t.peer_node, t.peer_source,
                       std::vector<uint8_t>(req, req + sizeof req)});
    return;
  }
  const ServerSpec& s = servers_[t.server];
  if (!s.reachable) return;
  const double t_arrive = true_s_ + path_delay(s, true);
  std::vector<uint8_t> rep = answer(t.server, req, t_arrive);
  // The server answers 5 us after the request arrived.
  const double t_back = t_arrive + 5e-6 + path_delay(s, false);
  if (s.spoof_error_s != 0) {
    // The forged packet arrives first, half way through the exchange.
    events_.push(Event{(true_s_ + t_back) / 2, 1, node, i, forged_answer(t.server, t_arrive)});
  }
  events_.push(Event{t_back, 1, node, i, std::move(rep)});
}

std::vector<uint8_t> World::answer(size_t server, const uint8_t* req, double t_arrive) {
  const ServerSpec& s = servers_[server];
  std::vector<ServerRequest>& seen = requests_[server];
  const bool rate_kod =
      s.kod_rate_within_s > 0 && !seen.empty() && t_arrive - seen.back().t < s.kod_rate_within_s;
  const uint32_t kiss = rate_kod ? 0x52415445u /* RATE */ : s.kiss_code;
  const uint8_t leap = s.leap_flaps ? static_cast<uint8_t>(seen.size() % 2 == 0) : s.leap;
  seen.push_back(ServerRequest{t_arrive, kiss != 0});
  uint64_t origin;
  std::memcpy(&origin, req + 40, 8);  // origin = the request's transmit timestamp
  std::vector<uint8_t> rep =
      reply_packet(s, leap, utc_s(t_arrive) + s.offset_s, static_cast<int8_t>(req[2]), origin);
  if (kiss != 0) {
    // As chronyd sends a Kiss-o'-Death: leap 3, stratum 0, the code as reference ID.
    rep[0] = dp::make_lvm(dp::kLeapUnsynchronised, 4, dp::NtpMode::kServer);
    rep[1] = 0;
    put32(&rep[12], kiss);
  }
  return rep;
}

std::vector<uint8_t> World::forged_answer(size_t server, double t_arrive) {
  const ServerSpec& s = servers_[server];
  return reply_packet(s, s.leap, utc_s(t_arrive) + s.offset_s + s.spoof_error_s, 0, rng_());
}

std::vector<uint8_t> World::reply_packet(const ServerSpec& s, uint8_t leap, double t2, int8_t poll,
                                         uint64_t origin_wire) const {
  // Like chronyd's: T2 at arrival, T3 5 us later.
  const double t3 = t2 + 5e-6;
  std::vector<uint8_t> rep(48, 0);
  rep[0] = dp::make_lvm(leap, 4, dp::NtpMode::kServer);
  rep[1] = static_cast<uint8_t>(s.stratum);
  rep[2] = static_cast<uint8_t>(poll);
  rep[3] = static_cast<uint8_t>(-24);
  put32(&rep[4], ts::to_short(ts::Nanos(std::llround(s.root_delay_s * 1e9))).raw);
  put32(&rep[8], ts::to_short(ts::Nanos(std::llround(s.root_dispersion_s * 1e9))).raw);
  put32(&rep[12], s.stratum == 1 ? 0x47505300u : 0x0A630001u);  // "GPS" or 10.99.0.1
  put_ts(&rep[16], ts::to_ntp(to_timespec(start_unix_, t2 - 16)));
  std::memcpy(&rep[24], &origin_wire, 8);
  put_ts(&rep[32], ts::to_ntp(to_timespec(start_unix_, t2)));
  put_ts(&rep[40], ts::to_ntp(to_timespec(start_unix_, t3)));
  return rep;
}

void World::run_until(double until_s, const std::function<void(World&)>& observe) {
  double next_observe = std::floor(true_s_) + 1.0;
  auto advance = [&](double t) {
    true_s_ = t;
    for (auto& n : nodes_) n->osc->advance_to(t);
  };
  while (!events_.empty() && events_.top().t <= until_s) {
    Event ev = events_.top();
    events_.pop();
    while (observe && next_observe <= ev.t) {
      advance(next_observe);
      observe(*this);
      next_observe += 1.0;
    }
    advance(ev.t);
    Node& n = *nodes_[ev.node];
    if (ev.kind == 0) {
      on_poll(ev.node, ev.idx);
    } else if (ev.kind == 1) {
      const ctl::UpdateEvent u = n.keeper->on_reply(ev.idx, ev.packet.data(), ev.packet.size(),
                                                    n.clock->now(), mono_s(ev.node));
      if (!u.message.empty()) log_.push_back(u.message);
    } else if (ev.kind == 3) {
      service_refclock(ev.idx);
    } else if (ev.kind == 4) {
      n.deadline_scheduled_mono_s = -1;
      const std::string msg = n.keeper->tick();
      if (!msg.empty()) log_.push_back(msg);
    } else {
      const std::string msg = n.keeper->tick();
      if (!msg.empty()) log_.push_back(msg);
      // Once a second; what is due sooner (a slew's end, the leap second) has its own event
      // (schedule_deadline), as chronond's loop wakes for it.
      events_.push(Event{true_s_ + 1.0, 2, ev.node, 0, {}});
    }
    schedule_deadline(ev.node);
  }
  advance(until_s);
}

double World::clock_error_s(size_t node) const {
  return from_timespec(start_unix_, nodes_[node]->clock->now()) - utc_s(true_s_);
}

double World::served_error_s(size_t node) const {
  const timespec now = nodes_[node]->clock->now();
  return from_timespec(start_unix_, now) + nodes_[node]->keeper->served_offset_s(now) -
         utc_s(true_s_);
}

double World::frequency_error_ppm(size_t node) const {
  // Rate of the disciplined clock without the slew in progress: (1 + osc error)(1 + base
  // correction) - 1.
  const double e = nodes_[node]->osc->freq_error_ppm() * 1e-6;
  const double c = nodes_[node]->keeper->discipline().frequency_ppm() * 1e-6;
  return ((1 + e) * (1 + c) - 1) * 1e6;
}

}  // namespace chronon::sim
