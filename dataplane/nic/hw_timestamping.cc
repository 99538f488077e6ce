// Hardware RX timestamping for every backend; see hw_timestamping.h.
#include "dataplane/nic/hw_timestamping.h"

#include <linux/ethtool.h>
#include <linux/net_tstamp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>

#include "timestamping/phc_reader.h"

namespace chronon::dp {

namespace {

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

std::string errno_text() { return std::strerror(errno); }

}  // namespace

HwEnableResult enable_hw_rx_timestamps(const std::string& iface, const std::string& rxfilter) {
  HwEnableResult r;
  if (iface.empty() || iface.size() >= IFNAMSIZ) {
    r.error = "invalid interface name '" + iface + "'";
    return r;
  }
  Fd s{socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  if (s.fd < 0) {
    r.error = "socket: " + errno_text();
    return r;
  }
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, iface.c_str(), iface.size());
  ethtool_ts_info info{};
  info.cmd = ETHTOOL_GET_TS_INFO;
  ifr.ifr_data = reinterpret_cast<char*>(&info);
  if (ioctl(s.fd, SIOCETHTOOL, &ifr) != 0) {
    r.error = iface + ": ETHTOOL_GET_TS_INFO: " + errno_text();
    return r;
  }
  const uint32_t need = SOF_TIMESTAMPING_RX_HARDWARE | SOF_TIMESTAMPING_RAW_HARDWARE;
  if ((info.so_timestamping & need) != need) {
    r.error = iface + " has no hardware RX timestamps";
    return r;
  }
  if (info.phc_index < 0) {
    r.error = iface + " has no PTP hardware clock";
    return r;
  }
  // The filter: chrony's default is all packets if the NIC can, else NTP, else PTP (which
  // does not stamp NTP: chronyd then uses software timestamps for NTP as well).
  int filter = -1;
  auto can = [&](int f) { return (info.rx_filters & (1u << f)) != 0; };
  if (rxfilter.empty() || rxfilter == "all") {
    if (can(HWTSTAMP_FILTER_ALL)) filter = HWTSTAMP_FILTER_ALL;
    else if (rxfilter.empty() && can(HWTSTAMP_FILTER_NTP_ALL)) filter = HWTSTAMP_FILTER_NTP_ALL;
  } else if (rxfilter == "ntp") {
    if (can(HWTSTAMP_FILTER_NTP_ALL)) filter = HWTSTAMP_FILTER_NTP_ALL;
  } else if (rxfilter == "ptp" || rxfilter == "none") {
    r.error = iface + ": rxfilter " + rxfilter + " does not timestamp NTP requests";
    return r;
  }
  if (filter < 0) {
    r.error = iface + " cannot timestamp " + (rxfilter == "ntp" ? "NTP" : "all") +
              " received packets in hardware";
    return r;
  }
  hwtstamp_config cfg{};
  // TX on, as chronyd sets it: turning it off would break other users of the NIC's
  // timestamps (ptp4l); chronon's sockets do not ask for TX stamps, so it costs nothing.
  cfg.tx_type = HWTSTAMP_TX_ON;
  cfg.rx_filter = filter;
  ifr.ifr_data = reinterpret_cast<char*>(&cfg);
  if (ioctl(s.fd, SIOCSHWTSTAMP, &ifr) != 0) {
    r.error = iface + ": SIOCSHWTSTAMP: " + errno_text();
    return r;
  }
  r.phc_index = info.phc_index;
  return r;
}

HwTimestamps::HwTimestamps(const std::vector<HwTimestampRequest>& requests,
                           std::vector<std::string>* warnings) {
  for (const HwTimestampRequest& req : requests) {
    std::vector<std::string> names;
    if (req.iface == "*") {
      if (struct if_nameindex* all = if_nameindex()) {
        for (struct if_nameindex* p = all; p->if_index != 0; ++p) names.emplace_back(p->if_name);
        if_freenameindex(all);
      }
    } else {
      names.push_back(req.iface);
    }
    int enabled = 0;
    for (const std::string& name : names) {
      const HwEnableResult e = enable_hw_rx_timestamps(name, req.rxfilter);
      if (e.phc_index < 0) {
        // "*" quietly skips interfaces that cannot (as chronyd does).
        if (req.iface != "*") warnings->push_back(e.error + "; using software timestamps");
        continue;
      }
      auto i = std::make_unique<Iface>();
      i->name = name;
      i->ifindex = static_cast<int>(if_nametoindex(name.c_str()));
      i->phc_index = e.phc_index;
      i->rxcomp_ns = std::llround(req.rxcomp_s * 1e9);
      i->minpoll = req.minpoll;
      i->minsamples = req.minsamples;
      i->maxsamples = req.maxsamples;
      try {
        i->reader = std::make_unique<ts::PhcReader>(e.phc_index);
      } catch (const std::exception&) {
        // Without its PHC the interface keeps an invalid map: software timestamps.
      }
      ifaces_.push_back(std::move(i));
      ++enabled;
    }
    if (req.iface == "*" && enabled == 0) {
      warnings->push_back("hwtimestamp *: no interface has hardware RX timestamps; using "
                          "software timestamps");
    }
  }
}

HwTimestamps::~HwTimestamps() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::optional<timespec> HwTimestamps::to_system(int ifindex, const timespec& hw) const {
  for (const auto& i : ifaces_) {
    if (i->ifindex != ifindex) continue;
    ts::PhcMapping m;
    if (!i->mapping.read(&m) || !m.valid) return std::nullopt;
    const int64_t hw_ns = static_cast<int64_t>(hw.tv_sec) * 1000000000LL + hw.tv_nsec;
    const int64_t sys = m.to_system_ns(hw_ns) - i->rxcomp_ns;
    return timespec{static_cast<time_t>(sys / 1000000000LL), static_cast<long>(sys % 1000000000LL)};
  }
  return std::nullopt;
}

void HwTimestamps::start() {
  if (ifaces_.empty()) return;
  thread_ = std::thread([this] { sample_loop(); });
}

void HwTimestamps::sample_loop() {
  struct State {
    ts::PhcReader* reader;
    ts::PhcFitter fitter;
    std::chrono::steady_clock::time_point next;
  };
  std::vector<State> states;
  for (const auto& i : ifaces_) {
    states.push_back(State{i->reader.get(), ts::PhcFitter(i->minsamples, i->maxsamples), {}});
  }
  while (!stop_) {
    const auto now = std::chrono::steady_clock::now();
    for (size_t k = 0; k < ifaces_.size(); ++k) {
      State& s = states[k];
      if (!s.reader || now < s.next) continue;
      const auto interval = std::chrono::duration<double>(std::ldexp(1.0, ifaces_[k]->minpoll));
      s.next = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval);
      if (auto sample = s.reader->sample()) {
        s.fitter.add(*sample);
        ifaces_[k]->mapping.write(s.fitter.mapping());
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace chronon::dp
