// NtpSource; see ntp_source.h.
#include "control/source/ntp_source.h"

#include <algorithm>
#include <cmath>

namespace chronon::ctl {

namespace {
// chrony: iburst asks for 4 good samples within 8 requests; burst for 1 within 4... at every
// poll (NCR_InitiateSampleBurst).
constexpr int kIburstGood = 4, kIburstTotal = 8;
constexpr int kBurstGood = 1, kBurstTotal = 4;
constexpr int kMinPoll = -6, kMaxPoll = 24;
}  // namespace

char source_state_symbol(SourceState s) {
  switch (s) {
    case SourceState::kUnusable: return '?';
    case SourceState::kFalseticker: return 'x';
    case SourceState::kJittery: return '~';
    case SourceState::kNotCombined: return '-';
    case SourceState::kCombined: return '+';
    case SourceState::kSelected: return '*';
  }
  return '?';
}

NtpSource::NtpSource(const SourceConfig& cfg, std::string name, uint32_t refid, int min_samples,
                     int max_samples)
    : cfg_(cfg),
      name_(std::move(name)),
      refid_(refid),
      peer_(cfg.type == SourceConfig::Type::kPeer),
      exchange_(cfg.xleave),
      stats_(min_samples, max_samples),
      poll_(std::clamp(cfg.minpoll, kMinPoll, kMaxPoll)) {
  cfg_.maxpoll = std::clamp(std::max(cfg_.maxpoll, cfg_.minpoll), kMinPoll, kMaxPoll);
  if (cfg.iburst) {
    burst_left_ = kIburstTotal;
    burst_good_left_ = kIburstGood;
  }
  // The first request goes out at once.
  next_poll_mono_s_ = 0.0;
  offline_ = cfg.offline;
}

void NtpSource::set_offline(bool offline, double now_mono_s) {
  if (offline_ && !offline) next_poll_mono_s_ = now_mono_s;
  offline_ = offline;
}

bool NtpSource::start_burst(int good, int total, double now_mono_s) {
  // As chronyd: client mode only, and a burst in progress goes on as it is.
  if (peer_ || refclock_) return false;
  if (burst_left_ > 0) return true;
  burst_left_ = std::max(total, 1);
  burst_good_left_ = std::clamp(good, 1, burst_left_);
  next_poll_mono_s_ = now_mono_s;
  return true;
}

size_t NtpSource::make_request(uint8_t* buf, uint64_t cookie, timespec tx_time,
                               double now_mono_s, const dp::ServerState& ours) {
  reach_ = static_cast<uint8_t>(reach_ << 1);
  if (burst_left_ == 0 && cfg_.burst) {
    burst_left_ = kBurstTotal;
    burst_good_left_ = kBurstGood;
  }
  if (burst_left_ > 0) --burst_left_;
  ++tx_;
  awaiting_reply_ = true;
  const int version = cfg_.version > 0 ? cfg_.version : 4;
  const size_t n =
      peer_ ? sym_.make_packet(buf, static_cast<int8_t>(poll_), version, ours, tx_time)
            : exchange_.make_request(buf, static_cast<int8_t>(poll_), cookie, tx_time, version);
  schedule_next(now_mono_s);
  return n;
}

void NtpSource::schedule_next(double now_mono_s) {
  const double regular = std::ldexp(1.0, poll_);
  const double interval = burst_left_ > 0 ? std::min(kBurstIntervalS, regular) : regular;
  next_poll_mono_s_ = now_mono_s + interval;
}

ReplyResult NtpSource::on_reply(const uint8_t* p, size_t len, timespec rx_time,
                                double now_mono_s, int precision_log2, double max_distance_s,
                                const std::vector<uint32_t>& own_refids) {
  ++rx_;
  ReplyLimits limits;
  limits.max_delay_s = cfg_.maxdelay;
  limits.max_delay_ratio = cfg_.maxdelayratio;
  limits.max_distance_s = max_distance_s;
  limits.min_delay_seen_s = stats_.estimate().valid ? stats_.estimate().min_delay_s : 0.0;
  limits.own_refids = own_refids;
  ReplyResult r = peer_ ? sym_.process_packet(p, len, rx_time, precision_log2, limits)
                        : exchange_.process_reply(p, len, rx_time, precision_log2, limits);
  // A packet that fails tests 1-3 (malformed, unexpected, a copy, a spoofed origin, zero
  // timestamps) is ignored: not shown by ntpdata, no reachability.
  if (r.verdict == ReplyVerdict::kMalformed || r.verdict == ReplyVerdict::kNotExpected ||
      r.verdict == ReplyVerdict::kDuplicate || r.verdict == ReplyVerdict::kBogus ||
      r.verdict == ReplyVerdict::kInvalid)
    return r;
  awaiting_reply_ = false;
  note_packet(p, len, r);
  ++sane_rx_;
  // chrony 4.3 (ntp_core.c, SRC_UpdateReachability(synced_packet)): only a reply from a
  // synchronised server (tests 6 and 7 passed) sets the reachability bit. A kiss code comes
  // with leap 3 and stratum 0, so it fails test 6 too.
  const bool unsynchronised =
      r.verdict == ReplyVerdict::kUnsynchronised || r.verdict == ReplyVerdict::kKissOfDeath;
  if (!unsynchronised) reach_ |= 1;
  const bool rate_kiss = r.verdict == ReplyVerdict::kKissOfDeath && r.kiss == KissCode::kRate;
  // The latest reply says whether the source can be used now: after one that says not, its
  // older samples must not keep it selectable. A RATE kiss says neither, it only asks us to
  // slow down.
  if (!rate_kiss) {
    last_reply_unusable_ = unsynchronised || r.verdict == ReplyVerdict::kBadHeader ||
                           r.verdict == ReplyVerdict::kSyncLoop;
  }
  if (rate_kiss) {
    // As chronyd: the next request waits four more polling intervals, and a burst ends at
    // its next good sample. chronyd 4.3 acts on no other kiss code: DENY and RSTR are
    // replies from an unsynchronised server and the source stays polled (where RFC 5905
    // §7.4 would stop it), so a source that denied us once is used again when it serves.
    if (burst_left_ > 0) burst_good_left_ = 1;
    schedule_next(now_mono_s);
    next_poll_mono_s_ += 4 * std::ldexp(1.0, poll_);
  }
  if (r.verdict != ReplyVerdict::kOk) {
    // chronyd slowly lengthens the polling interval while it gets no good sample: a
    // twentieth of a step for a delay over the limits, a tenth for anything else.
    back_off(r.verdict == ReplyVerdict::kBadDelay ? 0.02 : 0.1);
    return r;
  }
  ++valid_rx_;
  const NtpSample& s = r.sample;
  // chrony's `offset` corrects the measured offset of the source from us (theta); ours is
  // the opposite sign.
  stats_.add(StatsSample{s.local_time, s.offset_s - cfg_.offset, s.delay_s, s.dispersion_s,
                         s.root_delay_s, s.root_dispersion_s, s.stratum, s.leap});
  last_sample_ = s;
  has_sample_ = true;
  if (burst_good_left_ > 0 && --burst_good_left_ == 0) {
    burst_left_ = 0;
    schedule_next(now_mono_s);
  }
  adapt_poll();
  return r;
}

void NtpSource::note_packet(const uint8_t* p, size_t len, const ReplyResult& r) {
  if (len < 48) return;
  auto be32 = [p](size_t o) {
    return static_cast<uint32_t>(p[o]) << 24 | static_cast<uint32_t>(p[o + 1]) << 16 |
           static_cast<uint32_t>(p[o + 2]) << 8 | p[o + 3];
  };
  auto be64 = [&](size_t o) { return static_cast<uint64_t>(be32(o)) << 32 | be32(o + 4); };
  LastPacket& l = last_packet_;
  l.seen = true;
  l.leap = static_cast<uint8_t>(p[0] >> 6);
  l.version = static_cast<uint8_t>((p[0] >> 3) & 7);
  l.mode = static_cast<uint8_t>(p[0] & 7);
  l.stratum = p[1];
  l.poll = static_cast<int8_t>(p[2]);
  l.precision = static_cast<int8_t>(p[3]);
  l.root_delay_s = be32(4) / 65536.0;
  l.root_dispersion_s = be32(8) / 65536.0;
  l.refid = be32(12);
  l.reference_time = ts::NtpTimestamp{be64(16)};
  const uint64_t server_rx = be64(32), server_tx = be64(40);
  l.response_time_s =
      static_cast<double>(static_cast<int64_t>(server_tx - server_rx)) / 4294967296.0;
  l.tests_passed = r.tests_passed;
  l.interleaved = r.interleaved;
  if (r.verdict == ReplyVerdict::kOk) {
    l.offset_s = r.sample.offset_s;
    l.delay_s = r.sample.delay_s;
    l.dispersion_s = r.sample.dispersion_s;
  }
}

void NtpSource::back_off(double score) {
  poll_score_ += score;
  if (poll_score_ < 1.0) return;
  poll_ = std::min(poll_ + 1, cfg_.maxpoll);
  poll_score_ = 0.0;
}

void NtpSource::adapt_poll() {
  // polltarget: poll faster while the regression has fewer samples than the target, slower
  // once it has more (chrony's poll score, one step per whole unit of score).
  const double target = std::max(cfg_.polltarget, 1);
  poll_score_ += (stats_.estimate().samples - target) / target;
  if (poll_score_ >= 1.0) {
    poll_ = std::min(poll_ + 1, cfg_.maxpoll);
    poll_score_ = 0.0;
  } else if (poll_score_ <= -1.0) {
    poll_ = std::max(poll_ - 1, cfg_.minpoll);
    poll_score_ = 0.0;
  }
}

void NtpSource::on_refclock_poll(const NtpSample* s) {
  reach_ = static_cast<uint8_t>(reach_ << 1);
  ++tx_;
  if (!s) return;
  reach_ |= 1;
  ++rx_;
  ++valid_rx_;
  last_reply_unusable_ = false;
  stats_.add(StatsSample{s->local_time, s->offset_s - cfg_.offset, s->delay_s, s->dispersion_s,
                         s->root_delay_s, s->root_dispersion_s, s->stratum, s->leap});
  last_sample_ = *s;
  has_sample_ = true;
}

void NtpSource::on_leap_second(int leap) {
  stats_.shift_offsets(static_cast<double>(leap));
  exchange_.cancel();
  sym_.cancel();
}

void NtpSource::on_clock_change(timespec when, double dfreq, double step_s) {
  stats_.correct(when, dfreq, step_s);
  // A step between a request and its reply would make that sample wrong by the step.
  if (step_s != 0.0) {
    exchange_.cancel();
    sym_.cancel();
  }
}

}  // namespace chronon::ctl
