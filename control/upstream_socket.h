// The I/O shell of one upstream NTP source: resolves its name, keeps a connected UDP socket
// from an ephemeral port (chrony's client mode), sends requests and receives replies with
// the kernel's receive timestamp. Everything NTP about them is in source/ and timekeeper.
#pragma once

#include <netdb.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <ctime>
#include <string>
#include <vector>

#include "timestamping/clock.h"

namespace chronon::ctl {

struct ResolvedAddress {
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::string text;   // numeric form, for reports
  uint32_t refid = 0;
};

// The reference IDs of this host's addresses: what a source synchronised to us would carry
// as its refid (chrony's test D against synchronisation loops).
std::vector<uint32_t> local_address_refids();

// `name` as a numeric IPv4 or IPv6 address for UDP `port`, without asking a resolver;
// nullopt if it is a host name.
std::optional<ResolvedAddress> numeric_address(const std::string& name, int port);

// The IPv4 and IPv6 addresses of a getaddrinfo result, deduplicated, in resolver order.
std::vector<ResolvedAddress> addresses_of(const addrinfo* list);

class UpstreamSocket {
 public:
  UpstreamSocket() = default;
  ~UpstreamSocket();
  UpstreamSocket(const UpstreamSocket&) = delete;
  UpstreamSocket& operator=(const UpstreamSocket&) = delete;

  // Opens a socket connected to `a`. Returns false with `error` set.
  bool open(const ResolvedAddress& a, std::string* error);
  // For a symmetric peer: a socket on our NTP port `local_port`, bound to the local address
  // that routes to `a` and connected to `a`, so that the kernel hands it the peer's packets
  // (a connected socket wins over the dataplane's port-wide ones) and nothing else.
  bool open_peer(const ResolvedAddress& a, int local_port, std::string* error);
  void close_socket();
  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  const ResolvedAddress& address() const { return addr_; }
  // The refid of the local address the socket is connected from (chronyd's local refid,
  // which orphan mode compares with the source's); 0 when the socket is closed.
  uint32_t local_refid() const { return local_refid_; }

  // Sends a request; false on a send error (the poll counts as unanswered).
  bool send(const uint8_t* p, size_t len);
  // Receives one datagram into `buf`. `rx_time` is `clock`'s reading when the kernel
  // received it (the kernel timestamp, carried over to `clock`'s time scale). Returns the
  // length, or -1 when there is nothing (or only an error) to read.
  ssize_t receive(uint8_t* buf, size_t cap, const ts::Clock& clock, timespec* rx_time);

 private:
  void note_local_address();
  int fd_ = -1;
  uint32_t local_refid_ = 0;
  ResolvedAddress addr_;
};

}  // namespace chronon::ctl
