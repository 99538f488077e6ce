// The command-socket client; see cmdmon_client.h. On a Unix socket, like chronyc, it binds
// its end to a file beside the server's socket, so that a daemon in another network namespace (abstract names
// are per namespace) can reply; where that directory is not writable it falls back to an
// abstract name. The file is removed when the socket closes.
#include "control/cli/cmdmon_client.h"

#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <random>

#include "control/socket_address.h"

namespace chronon::ctl {

namespace {

constexpr size_t kMaxReplyLen = 2048;  // more than any candm reply
constexpr size_t kAttemptOffset = 6;   // CMD_Request.attempt, big-endian

std::atomic<unsigned> socket_counter{0};

// The socket file of the open Unix socket, for the signal handler: Ctrl-C during waitsync or
// the interactive mode must not leave it behind (only one client socket is open at a time).
char bound_for_signal[sizeof(sockaddr_un::sun_path)];

void remove_socket_and_die(int sig) {
  if (bound_for_signal[0] != '\0') ::unlink(bound_for_signal);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void install_cleanup_handlers() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old {};
    if (::sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) {
      ::signal(sig, remove_socket_and_die);
    }
  }
}

// One place's failure, "PLACE: why"; request() lists them all after chronyc's "506".
std::string cannot_talk(const std::string& path, const std::string& why) {
  return path + ": " + why;
}

}  // namespace

std::string cmdmon_status_text(uint16_t status) {
  switch (status) {
    case 0: return "200 OK";
    case 1: return "500 Failure";
    case 2: return "501 Not authorised";
    case 3: return "502 Invalid command";
    case 4: return "503 No such source";
    case 5: return "504 Duplicate or stale logon detected";
    case 6: return "505 Facility not enabled in daemon";
    case 7: return "507 Bad subnet";
    case 8: return "208 Access allowed";
    case 9: return "209 Access denied";
    case 10: return "510 No command access from this host";
    case 11: return "511 Source already present";
    case 12: return "512 Too many sources present";
    case 13: return "513 RTC driver not running";
    case 14: return "514 Can't write RTC parameters";
    case 15: return "519 Client logging is not active in the daemon";
    case 16: return "516 Sample index out of range";
    case 17: return "515 Invalid address family";
    case 18: return "517 Protocol version mismatch";
    case 19: return "518 Packet length mismatch";
    case 21: return "521 Invalid name";
    default: return "520 Got unexpected error from daemon";
  }
}

CmdmonClient::CmdmonClient(std::vector<std::string> socket_paths,
                           std::chrono::milliseconds timeout, int attempts, int port, int family)
    : paths_(std::move(socket_paths)),
      port_(port),
      family_(family),
      timeout_(timeout),
      attempts_(attempts),
      next_sequence_(std::random_device{}()) {
  install_cleanup_handlers();
}

CmdmonClient::~CmdmonClient() { close_socket(); }

void CmdmonClient::close_socket() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!bound_path_.empty()) ::unlink(bound_path_.c_str());
  bound_path_.clear();
  bound_for_signal[0] = '\0';
}

std::string CmdmonClient::place(const std::string& entry) const {
  if (!entry.empty() && entry[0] == '/') return entry;
  return endpoint_text(entry, port_);
}

std::string CmdmonClient::open_udp(const std::string& host) {
  const std::string where = place(host);
  addrinfo hints{};
  hints.ai_family = family_;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* list = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), std::to_string(port_).c_str(), &hints, &list);
  if (rc != 0) return cannot_talk(where, ::gai_strerror(rc));
  std::string why = "no address";
  for (const addrinfo* a = list; a; a = a->ai_next) {
    fd_ = ::socket(a->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      why = std::strerror(errno);
      continue;
    }
    if (::connect(fd_, a->ai_addr, a->ai_addrlen) == 0) break;
    why = std::strerror(errno);
    close_socket();
  }
  ::freeaddrinfo(list);
  return fd_ >= 0 ? "" : cannot_talk(where, why);
}

std::string CmdmonClient::open_socket() {
  const std::string& path = paths_[path_index_];
  if (path.empty() || path[0] != '/') return open_udp(path);
  sockaddr_un server{};
  server.sun_family = AF_UNIX;
  if (path.size() >= sizeof server.sun_path) return cannot_talk(path, "path too long");
  std::memcpy(server.sun_path, path.c_str(), path.size() + 1);

  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return cannot_talk(path, std::string("socket: ") + std::strerror(errno));
  const std::string name = "chronon-cli." + std::to_string(::getpid()) + "." +
                           std::to_string(socket_counter.fetch_add(1)) + ".sock";
  const size_t slash = path.rfind('/');
  const std::string beside = path.substr(0, slash == std::string::npos ? 0 : slash + 1) + name;
  sockaddr_un local{};
  local.sun_family = AF_UNIX;
  if (beside.size() < sizeof local.sun_path) {
    std::memcpy(local.sun_path, beside.c_str(), beside.size() + 1);
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&local), sizeof local) == 0) {
      bound_path_ = beside;
      std::memcpy(bound_for_signal, beside.c_str(), beside.size() + 1);
      // As chronyc's: a chronond running as another user must be able to reply.
      ::chmod(beside.c_str(), 0666);
    }
  }
  if (bound_path_.empty()) {
    // An abstract name (leading NUL): works when chronond shares our network namespace.
    local = sockaddr_un{};
    local.sun_family = AF_UNIX;
    std::memcpy(local.sun_path + 1, name.data(), name.size());
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&local), len) != 0) {
      const std::string why = std::string("bind: ") + std::strerror(errno);
      close_socket();
      return cannot_talk(path, why);
    }
  }
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&server), sizeof server) != 0) {
    const std::string why = std::strerror(errno);
    close_socket();
    return cannot_talk(path, why);
  }
  return "";
}

std::string CmdmonClient::exchange(uint16_t command, const std::vector<uint8_t>& request,
                                   std::vector<uint8_t>* reply) {
  const std::string path = place(paths_[path_index_]);
  std::vector<uint8_t> packet = request;
  candm::Request sent;
  candm::parse_request(packet.data(), packet.size(), &sent);
  uint8_t buf[kMaxReplyLen];
  for (int attempt = 0; attempt < attempts_; ++attempt) {
    packet[kAttemptOffset] = static_cast<uint8_t>(attempt >> 8);
    packet[kAttemptOffset + 1] = static_cast<uint8_t>(attempt);
    if (::send(fd_, packet.data(), packet.size(), 0) < 0) {
      return cannot_talk(path, std::strerror(errno));
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno != EINTR) return cannot_talk(path, std::strerror(errno));
      if (ready <= 0) continue;
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      // ECONNREFUSED: nothing listens there (a UDP port, or a daemon that went away).
      if (n < 0) return cannot_talk(path, std::strerror(errno));
      // Anything that is not the reply to this request (a late reply to an earlier one, a
      // malformed packet) is ignored, as chronyc does.
      candm::ReplyHeader h;
      if (!candm::parse_reply(buf, static_cast<size_t>(n), &h).empty()) continue;
      if (h.sequence != sent.sequence || h.command != command) continue;
      reply->assign(buf, buf + n);
      return "";
    }
  }
  return cannot_talk(path, "no reply");
}

std::string CmdmonClient::request(uint16_t command, const std::vector<uint8_t>& fields,
                                  candm::ReplyType expected, std::vector<uint8_t>* reply) {
  if (paths_.empty()) return "506 Cannot talk to daemon (no socket given)";
  const auto packet = candm::make_request(command, next_sequence_++, fields);
  // Like chronyc, move on to the next place only when this one does not answer; once one
  // answered, later requests go there first.
  std::string errors;
  const size_t first = path_index_;
  bool answered = false;
  do {
    std::string error;
    if (fd_ >= 0 || (error = open_socket()).empty()) {
      error = exchange(command, packet, reply);
      if (error.empty()) {
        answered = true;
        break;
      }
      close_socket();
    }
    errors += (errors.empty() ? "" : "; ") + error;
    path_index_ = (path_index_ + 1) % paths_.size();
  } while (path_index_ != first);
  if (!answered) return "506 Cannot talk to daemon (" + errors + ")";

  candm::ReplyHeader h;
  candm::parse_reply(reply->data(), reply->size(), &h);
  // Access allowed / denied are answers, not failures (chronyc's request_reply).
  if (h.status != candm::kSuccess && h.status != 8 && h.status != 9) {
    return cmdmon_status_text(h.status);
  }
  if (h.reply != expected) return "508 Bad reply from daemon";
  return "";
}

}  // namespace chronon::ctl
