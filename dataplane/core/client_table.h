// The per-worker client table: a fixed-size, set-associative hash table of 48-byte client
// records (address, rate-limiter state, interleaved-mode timestamps, statistics), allocated
// once at start-up from `clientloglimit` and never grown. Two-choice hashing over 4-way
// buckets, keyed with SipHash under a random key so an attacker cannot aim collisions. When
// both buckets are full, a resident moves to its other bucket if it can (one cuckoo step,
// while the table is under 90 % full); otherwise a record that is not established (seen once, or idle for more than
// the longest polling interval) is replaced first, least recently seen first; only if all are
// established does the least recently seen go. Replacements are counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "dataplane/core/rate_limiter.h"
#include "dataplane/core/siphash.h"
#include "dataplane/shared/ip_address.h"
#include "dataplane/shared/table_memory.h"

namespace chronon::dp {

struct ClientRecord {
  IpAddress addr;          // all zero: empty slot (:: is never a served source)
  uint64_t rx_ts;          // raw NTP receive timestamp of our last reply (as sent), 0 = none
  int32_t tx_offset_ns;    // that reply's accurate transmit time minus rx_ts
  uint32_t hits;
  LimiterState limiter;    // 9 bytes
  uint8_t flags;           // kTxValid
  uint16_t drops;          // saturating
  uint16_t interleaved_hits;  // saturating: replies sent in interleaved mode
};
static_assert(sizeof(ClientRecord) == 48, "client records must stay at 48 bytes");

inline constexpr uint8_t kTxValid = 1;  // tx_offset_ns holds the reply's transmit time

inline constexpr int kBucketWays = 4;

class ClientTable {
 public:
  // Capacity: as many 4-record buckets as fit in `max_bytes` (at least one).
  ClientTable(size_t max_bytes, const SipKey& key);

  // Finds the record of `addr`, or claims one (an empty slot, else a victim as described
  // above, which counts as an eviction). New records start with `fresh`. `now` is the
  // request's client time (rate_limiter.h: 1/16 s units).
  ClientRecord& find_or_insert(const IpAddress& addr, const LimiterState& fresh, uint32_t now) {
    return find_or_insert(addr, hash(addr), fresh, now);
  }
  // The same with the address's hash() already computed (for the prefetch).
  ClientRecord& find_or_insert(const IpAddress& addr, uint64_t hash, const LimiterState& fresh,
                               uint32_t now);

  // The keyed hash that places `addr`; compute it once per packet and pass it to
  // prefetch() and find_or_insert().
  uint64_t hash(const IpAddress& addr) const;
  // Finds without inserting; nullptr if absent.
  ClientRecord* find(const IpAddress& addr) const;
  // Prefetches the buckets of `addr` (call for a whole batch before processing it).
  void prefetch(const IpAddress& addr) const { prefetch(hash(addr)); }
  void prefetch(uint64_t hash) const;

  size_t capacity() const { return buckets_ * kBucketWays; }
  // The records, capacity() of them (for the segment's pointer to the table; see
  // WorkerCounters::client_table_addr). Empty slots have an all-zero address.
  const ClientRecord* records() const { return records_; }
  uint64_t evictions() const { return evictions_; }
  size_t bytes() const { return capacity() * sizeof(ClientRecord); }
  // Visits every occupied record (reports); not for the hot path.
  template <typename F>
  void for_each(F&& f) const {
    for (size_t i = 0; i < capacity(); ++i)
      if (!is_empty(records_[i])) f(records_[i]);
  }

 private:
  static bool is_empty(const ClientRecord& r);
  struct Buckets {
    ClientRecord* first;
    ClientRecord* second;
  };
  Buckets buckets_of(uint64_t hash) const;
  static ClientRecord* lookup(const Buckets& b, const IpAddress& addr);
  ClientRecord* make_room(const Buckets& b);

  TableMemory memory_;
  ClientRecord* records_ = nullptr;  // in memory_
  size_t buckets_;
  size_t used_ = 0;  // records ever filled (records are replaced, never removed)
  SipKey key_;
  uint64_t evictions_ = 0;
};

}  // namespace chronon::dp
