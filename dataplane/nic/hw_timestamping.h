// Hardware RX timestamps for every backend (`hwtimestamp IFACE`): turns them on in the
// NIC (SIOCSHWTSTAMP), finds the NIC's PTP clock (ETHTOOL_GET_TS_INFO), and keeps a map from
// each PHC to the system clock up to date so workers can serve the timestamps in UTC.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dataplane/shared/seqlock.h"
#include "timestamping/phc_map.h"
#include "timestamping/phc_reader.h"

namespace chronon::dp {

// What `hwtimestamp` asks for (chrony's options that apply to a server's RX timestamps).
struct HwTimestampRequest {
  std::string iface;       // "*": every interface that can
  int minpoll = 0;         // PHC sampling interval, log2 seconds
  int minsamples = 2, maxsamples = 16;
  double rxcomp_s = 0.0;   // subtracted from hardware RX timestamps
  std::string rxfilter;    // "", "all", "ntp", "ptp", "none"
};

// Turns hardware RX timestamping on for `iface`. Returns the PHC index, or an error that
// names the interface and the reason (no hardware timestamps, no PHC, ioctl errno).
struct HwEnableResult {
  int phc_index = -1;
  std::string error;
};
HwEnableResult enable_hw_rx_timestamps(const std::string& iface, const std::string& rxfilter);

// The interfaces with hardware timestamps and their PHC-to-system maps.
class HwTimestamps {
 public:
  // Enables every request it can and opens the PHCs (while the dataplane still has the
  // privileges for both); `warnings` receives one line per interface that could not (served
  // with software timestamps instead).
  HwTimestamps(const std::vector<HwTimestampRequest>& requests,
               std::vector<std::string>* warnings);
  ~HwTimestamps();
  HwTimestamps(const HwTimestamps&) = delete;
  HwTimestamps& operator=(const HwTimestamps&) = delete;

  bool any() const { return !ifaces_.empty(); }
  bool covers(int ifindex) const {
    for (const auto& i : ifaces_)
      if (i->ifindex == ifindex) return true;
    return false;
  }

  // The system time of a hardware timestamp taken on interface `ifindex`, or nullopt if the
  // interface has no valid map (yet): the caller then uses the software timestamp.
  std::optional<timespec> to_system(int ifindex, const timespec& hw) const;

  // Starts sampling the PHCs (one thread); stops in the destructor. Called once the
  // dataplane has given up its privileges, so that the thread has none either.
  void start();

 private:
  struct Iface {
    std::string name;
    int ifindex;
    int phc_index;
    int64_t rxcomp_ns;
    int minpoll, minsamples, maxsamples;
    SeqLocked<ts::PhcMapping> mapping;
    std::unique_ptr<ts::PhcReader> reader;  // null: the PHC could not be opened
  };
  void sample_loop();

  std::vector<std::unique_ptr<Iface>> ifaces_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace chronon::dp
