// CmdmonServer; see cmdmon_server.h.
#include "control/cmdmon/cmdmon_server.h"

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "control/pidfile.h"

namespace chronon::ctl {

namespace {

gid_t group_id(const std::string& name) {
  std::vector<char> buf(16384);
  group g{};
  group* found = nullptr;
  if (getgrnam_r(name.c_str(), &g, buf.data(), buf.size(), &found) != 0 || !found) {
    throw std::runtime_error("cmdgroup '" + name + "': no such group");
  }
  return found->gr_gid;
}

// The supplementary groups of process `pid` ("Groups:" in /proc/PID/status), if that
// process still has the real and effective user `uid` the kernel reported for the request
// (a sender that exited and whose pid was reused gets none).
std::vector<gid_t> groups_of(pid_t pid, uid_t uid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::vector<gid_t> out;
  bool same_user = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Uid:", 0) == 0) {
      std::istringstream words(line.substr(4));
      unsigned long real = 0, effective = 0;
      words >> real >> effective;
      same_user = real == uid && effective == uid;
    } else if (line.rfind("Groups:", 0) == 0) {
      std::istringstream words(line.substr(7));
      for (unsigned long g; words >> g;) out.push_back(static_cast<gid_t>(g));
    }
  }
  if (!same_user) out.clear();
  return out;
}

}  // namespace

CmdmonServer::CmdmonServer(std::string path, const std::string& group) : path_(std::move(path)) {
  if (!group.empty()) {
    group_ = group_id(group);
    have_group_ = true;
  }
  sockaddr_un a{};
  if (path_.size() >= sizeof a.sun_path) {
    throw std::runtime_error("command socket path '" + path_ + "' is too long");
  }
  make_parent_dirs(path_);
  fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("command socket: ") + std::strerror(errno));
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path_.c_str(), path_.size() + 1);
  unlink(path_.c_str());  // left by a chronond that died
  // Created 0660 (umask for the bind), as chronyd's socket: the owner and its group only.
  const mode_t old = umask(0117);
  const int rc = bind(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a);
  const int e = errno;
  umask(old);
  if (rc != 0) {
    close(fd_);
    throw std::runtime_error("cannot bind command socket " + path_ + ": " + std::strerror(e));
  }
  if (have_group_ && chown(path_.c_str(), static_cast<uid_t>(-1), group_) != 0) {
    const int ce = errno;
    close(fd_);
    unlink(path_.c_str());
    throw std::runtime_error("cannot give command socket " + path_ + " to cmdgroup: " +
                             std::strerror(ce));
  }
  // Every datagram then carries its sender's credentials, as the kernel knows them.
  const int one = 1;
  setsockopt(fd_, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
}

bool CmdmonServer::may_change_state(uid_t uid, gid_t gid, pid_t pid) const {
  if (uid == 0 || uid == geteuid()) return true;
  if (!have_group_) return false;
  if (gid == group_) return true;
  for (gid_t g : groups_of(pid, uid)) {
    if (g == group_) return true;
  }
  return false;
}

CmdmonServer::~CmdmonServer() {
  if (fd_ >= 0) {
    close(fd_);
    unlink(path_.c_str());
  }
}

namespace {

// chronyd's PERMIT_OPEN requests: harmless to answer to any host cmdallow lets in.
bool open_command(uint16_t command) {
  switch (command) {
    case candm::kNull: case candm::kNSources: case candm::kSourceData: case candm::kTracking:
    case candm::kSourceStats: case candm::kActivity: case candm::kNtpSourceName:
    case candm::kSmoothing:
      return true;
    default:
      return false;
  }
}

// Requests that change what chronond does: root, our user and cmdgroup only.
bool changes_state(uint16_t command) {
  switch (command) {
    case candm::kOnline: case candm::kOffline: case candm::kOnOffline: case candm::kBurst:
    case candm::kMakeStep: case candm::kModifyMakestep: case candm::kCycleLogs:
    case candm::kReloadSources: case candm::kChrononReload: case candm::kReselect:
    case candm::kSmoothTime:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::vector<uint8_t> CmdmonServer::handle(const uint8_t* p, size_t len,
                                          const ReportBuilder& reports, int unresolved,
                                          Origin origin) {
  candm::Request r;
  if (!candm::parse_request(p, len, &r) || r.pkt_type != candm::kPktRequest) {
    ++drops_;
    return {};
  }
  ++hits_;
  // Never answer with more bytes than the request had (chrony's padding rule: a request
  // is padded to the length of its reply), so the socket cannot amplify.
  auto fits = [&](std::vector<uint8_t> reply) -> std::vector<uint8_t> {
    if (reply.size() <= len) return reply;
    auto short_reply = candm::reply_status(r, candm::kBadPktLength);
    if (short_reply.size() <= len) return short_reply;
    return {};
  };
  if (r.version != candm::kProtoVersion) return fits(candm::reply_status(r, candm::kBadPktVersion));
  // Longer than any request (the sockets read one byte more than that to tell): refused
  // with an error status, which is far shorter than the request.
  if (len > candm::kMaxRequestLen) {
    --hits_;
    ++drops_;
    return fits(candm::reply_status(r, candm::kBadPktLength));
  }
  if (origin == Origin::kNetwork && !open_command(r.command)) {
    return fits(candm::reply_status(r, candm::kUnauth));
  }
  // Too short for its fields and padding: refused before it can do anything (chronyd).
  if (const size_t need = candm::request_length(r.command); need != 0 && len < need) {
    return fits(candm::reply_status(r, candm::kBadPktLength));
  }
  if (changes_state(r.command)) {
    if (origin != Origin::kUnixSocket) return fits(candm::reply_status(r, candm::kUnauth));
    return fits(change_state(r));
  }
  switch (r.command) {
    case candm::kNull:
      return fits(candm::reply_status(r, candm::kSuccess));
    case candm::kTracking:
      return fits(candm::reply_tracking(r, reports.tracking()));
    case candm::kNSources:
      return fits(candm::reply_n_sources(r, static_cast<uint32_t>(reports.n_sources())));
    case candm::kSourceData: {
      const auto i = candm::request_index(r);
      const auto s = i && *i >= 0 ? reports.source(static_cast<size_t>(*i)) : std::nullopt;
      return fits(s ? candm::reply_source_data(r, *s) : candm::reply_status(r, candm::kNoSuchSource));
    }
    case candm::kSourceStats: {
      const auto i = candm::request_index(r);
      const auto s = i && *i >= 0 ? reports.sourcestats(static_cast<size_t>(*i)) : std::nullopt;
      return fits(s ? candm::reply_sourcestats(r, *s) : candm::reply_status(r, candm::kNoSuchSource));
    }
    case candm::kSelectData: {
      const auto i = candm::request_index(r);
      const auto d = i && *i >= 0 ? reports.select_data(static_cast<size_t>(*i)) : std::nullopt;
      return fits(d ? candm::reply_select_data(r, *d) : candm::reply_status(r, candm::kNoSuchSource));
    }
    case candm::kActivity:
      return fits(candm::reply_activity(r, reports.activity(unresolved)));
    case candm::kSmoothing: {
      // Without smoothtime chronyd answers STT_NOTENABLED (chronyc: "505 Facility not
      // enabled in daemon").
      const auto s = reports.smoothing();
      return fits(s ? candm::reply_smoothing(r, *s) : candm::reply_status(r, candm::kNotEnabled));
    }
    case candm::kServerStats:
      return fits(candm::reply_server_stats(r, reports.server_stats(hits_, drops_)));
    case candm::kNtpSourceName: {
      const auto a = candm::request_address(r);
      const auto name = a ? reports.configured_name(*a) : std::nullopt;
      return fits(name ? candm::reply_ntp_source_name(r, *name)
                       : candm::reply_status(r, candm::kNoSuchSource));
    }
    case candm::kClientAccessesByIndex3:
      return fits(client_accesses(r, origin == Origin::kUnixSocket));
    case candm::kNtpData: {
      const auto a = candm::request_address(r);
      const auto d = a ? reports.ntp_data(*a) : std::nullopt;
      return fits(d ? candm::reply_ntp_data(r, *d) : candm::reply_status(r, candm::kNoSuchSource));
    }
    default:
      // Not implemented here (yet): chronyc prints "502 Invalid command".
      return fits(candm::reply_status(r, candm::kInvalid));
  }
}

std::vector<uint8_t> CmdmonServer::change_state(const candm::Request& r) {
  if (r.command == candm::kReloadSources) {
    if (!reload_sources_) return candm::reply_status(r, candm::kInvalid);
    std::string summary;
    const std::string error = reload_sources_(&summary);
    if (!error.empty()) {
      spdlog::warn("reload sources: {}; the sources are unchanged", error);
      return candm::reply_status(r, candm::kFailed);
    }
    spdlog::info("reload sources: {}", summary);
    return candm::reply_status(r, candm::kSuccess);
  }
  if (r.command == candm::kChrononReload) {
    if (!reload_config_) return candm::reply_status(r, candm::kInvalid);
    // The outcome (what changed, or the error with its file and line) is in the log.
    return candm::reply_status(r, reload_config_() ? candm::kSuccess : candm::kFailed);
  }
  if (r.command == candm::kCycleLogs) {
    if (!cyclelogs_) return candm::reply_status(r, candm::kInvalid);
    cyclelogs_();
    spdlog::info("cyclelogs: log files reopened");
    return candm::reply_status(r, candm::kSuccess);
  }
  if (!commands_) return candm::reply_status(r, candm::kInvalid);
  switch (r.command) {
    case candm::kOnline:
    case candm::kOffline: {
      const auto which = candm::request_selector(r);
      if (!which) return candm::reply_status(r, candm::kBadPktLength);
      const bool offline = r.command == candm::kOffline;
      const int n = commands_->set_offline(*which, offline);
      if (n > 0) spdlog::info("{} source{} set {}", n, n == 1 ? "" : "s", offline ? "offline" : "online");
      return candm::reply_status(r, n > 0 ? candm::kSuccess : candm::kNoSuchSource);
    }
    case candm::kOnOffline:
      // chronyd: online where a route exists. chronond's sources always have one: online.
      commands_->set_offline(candm::SourceSelector{}, false);
      return candm::reply_status(r, candm::kSuccess);
    case candm::kBurst: {
      const auto b = candm::request_burst(r);
      if (!b) return candm::reply_status(r, candm::kBadPktLength);
      if (b->good < 1 || b->total < b->good) return candm::reply_status(r, candm::kFailed);
      const int n = commands_->burst(b->which, b->good, b->total);
      return candm::reply_status(r, n > 0 ? candm::kSuccess : candm::kNoSuchSource);
    }
    case candm::kMakeStep: {
      const auto step = commands_->make_step();
      if (!step) {
        spdlog::warn("makestep: the clock could not be stepped");
        return candm::reply_status(r, candm::kFailed);
      }
      // The amount added to the clock, as the makestep directive's message says it.
      spdlog::warn("System clock was stepped by {:.6f} seconds (makestep)", *step);
      return candm::reply_status(r, candm::kSuccess);
    }
    case candm::kReselect: {
      const std::string message = commands_->reselect();
      spdlog::info("reselect: {}", message.empty() ? "no source selectable" : message);
      return candm::reply_status(r, candm::kSuccess);
    }
    case candm::kSmoothTime: {
      if (!commands_->smoothing_enabled()) return candm::reply_status(r, candm::kNotEnabled);
      const auto option = candm::request_smoothtime(r);
      if (!option) return candm::reply_status(r, candm::kBadPktLength);
      if (*option == candm::kSmoothTimeReset) {
        commands_->smoothtime_reset();
        spdlog::info("Time smoothing reset (smoothtime reset)");
      } else if (*option == candm::kSmoothTimeActivate) {
        if (commands_->smoothtime_activate()) spdlog::info("Time smoothing activated");
      } else {
        return candm::reply_status(r, candm::kInvalid);
      }
      return candm::reply_status(r, candm::kSuccess);
    }
    case candm::kModifyMakestep: {
      const auto m = candm::request_makestep(r);
      if (!m) return candm::reply_status(r, candm::kBadPktLength);
      if (!(m->threshold_s >= 0)) return candm::reply_status(r, candm::kFailed);
      commands_->set_makestep(m->threshold_s, m->limit);
      spdlog::info("makestep set to threshold {:g} s, limit {}", m->threshold_s, m->limit);
      return candm::reply_status(r, candm::kSuccess);
    }
    default:
      return candm::reply_status(r, candm::kInvalid);
  }
}

std::vector<uint8_t> CmdmonServer::client_accesses(const candm::Request& r, bool may_reset) {
  if (!clients_) return candm::reply_status(r, candm::kInactive);
  const auto q = candm::request_client_accesses(r);
  if (!q) return candm::reply_status(r, candm::kBadPktLength);
  // Resetting the counters changes what every other reader sees.
  if (q->reset && !may_reset) return candm::reply_status(r, candm::kUnauth);
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  ClientAccessPage page;
  const std::string error = clients_->page(q->first_index, q->n_clients, q->min_hits, q->reset,
                                           now, &page);
  if (!error.empty()) {
    // Said once a minute at most: a client looping on the request cannot flood the log.
    if (error != last_clients_error_ || now.tv_sec - last_clients_error_s_ >= 60) {
      spdlog::warn("clients: {}", error);
      last_clients_error_ = error;
      last_clients_error_s_ = now.tv_sec;
    }
    return candm::reply_status(r, candm::kFailed);
  }
  return candm::reply_client_accesses(r, page);
}

void CmdmonServer::service(const ReportBuilder& reports, int unresolved) {
  uint8_t buf[candm::kMaxRequestLen + 1];
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
  for (int i = 0; i < 64; ++i) {
    sockaddr_un from{};
    iovec iov{buf, sizeof buf};
    msghdr m{};
    m.msg_name = &from;
    m.msg_namelen = sizeof from;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control;
    m.msg_controllen = sizeof control;
    const ssize_t n = recvmsg(fd_, &m, MSG_DONTWAIT);
    if (n < 0) return;
    // An oversized request arrives cut to kMaxRequestLen + 1 bytes: handle() refuses it.
    // No credentials (cannot happen with SO_PASSCRED): reports only.
    Origin origin = Origin::kUnixReadOnly;
    for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_CREDENTIALS) continue;
      ucred cred;
      std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
      if (may_change_state(cred.uid, cred.gid, cred.pid)) origin = Origin::kUnixSocket;
    }
    const auto reply = handle(buf, static_cast<size_t>(n), reports, unresolved, origin);
    // A client that did not bind an address cannot get a reply (as with chronyd).
    if (reply.empty() || m.msg_namelen <= sizeof(sa_family_t)) continue;
    sendto(fd_, reply.data(), reply.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from),
           m.msg_namelen);
  }
}

}  // namespace chronon::ctl
