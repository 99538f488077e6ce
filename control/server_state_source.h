// Decides the server state that replies carry, as chronyd's REF_GetReferenceParams() does:
// the synchronised reference (from source selection) while its root distance stays under
// `local distance` or no local reference is configured, else the local reference
// (`local stratum N`), else unsynchronised.
#pragma once

#include <optional>

#include "dataplane/shared/server_state.h"
#include "timestamping/clock.h"

namespace chronon::ctl {

struct LocalReference {
  bool enabled = false;
  int stratum = 10;
  double distance_s = 1.0;  // `local distance`: root distance that activates the local reference
};

// The reference after a clock update from selected sources.
struct ReferenceUpdate {
  timespec ref_time{};          // our clock at the update
  int stratum = 0;              // ours: the selected source's stratum + 1
  uint32_t refid = 0;
  uint8_t leap = 0;
  double root_delay_s = 0;
  double root_dispersion_s = 0;  // at ref_time
  double skew_ppm = 0;           // dispersion grows by skew + maxclockerror per second
};

class ServerStateSource {
 public:
  ServerStateSource(const ts::Clock& clock, LocalReference local, int poll_floor_log2,
                    double maxclockerror_ppm = 1.0);
  void set_synchronised(const ReferenceUpdate& r) { ref_ = r; }
  void set_unsynchronised() { ref_.reset(); }
  // A leap table's indicator (leapsectz/leapseclist), which replaces the sources' vote and is
  // also served with the local reference; nullopt: no table.
  void set_table_leap(std::optional<uint8_t> leap) { table_leap_ = leap; }
  // leapsecmode's say on the leap indicator served (see leap_second.h): kInProgress serves
  // 3 while synchronised (the two seconds of the leap), kSuppressed serves 0 instead of an
  // insertion or deletion (the leap has passed, or smoothtime with leapsecmode slew smears it).
  enum class LeapStatus { kNormal, kInProgress, kSuppressed };
  void set_leap_status(LeapStatus s) { leap_status_ = s; }
  // The leap the reference announces now, before leapsecmode's say: the table's, else the
  // synchronised reference's on a leap day, else 0.
  uint8_t announced_leap() const;
  // The state to publish now.
  dp::ServerState current();
  // Root dispersion of the synchronised reference now (0 when unsynchronised).
  double root_dispersion_now_s() const;
  const std::optional<ReferenceUpdate>& reference() const { return ref_; }
  bool serving_local() const { return serving_local_; }

 private:
  const ts::Clock& clock_;
  LocalReference local_;
  int8_t precision_;
  int8_t min_poll_;
  double maxclockerror_ppm_;
  timespec local_ref_time_{};
  std::optional<ReferenceUpdate> ref_;
  bool serving_local_ = false;
  std::optional<uint8_t> table_leap_;
  LeapStatus leap_status_ = LeapStatus::kNormal;
  uint8_t filtered_leap(uint8_t leap) const;
};

// The sources' leap indicator as chronyd's reference.c lets it through: an insertion or
// deletion only on the last day of June or December (UTC) of `now`, the days at whose end a
// leap second may happen (ITU-R TF.460); on any other day it is 0, so a source announcing
// one by mistake, or flapping, cannot arm the kernel or mislead clients.
uint8_t leap_on_day(uint8_t leap, const timespec& now);

// The reference ID a source gives us (RFC 5905 §7.3): its IPv4 address, or for IPv6 the
// first four bytes of the MD5 hash of its address, as chrony and ntpd compute it.
uint32_t refid_of_address(const uint8_t* addr, bool ipv6);

}  // namespace chronon::ctl
