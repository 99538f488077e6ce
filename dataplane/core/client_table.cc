// Client table; see client_table.h.
#include "dataplane/core/client_table.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace chronon::dp {

ClientTable::ClientTable(size_t max_bytes, const SipKey& key) : key_(key) {
  const size_t bucket_bytes = sizeof(ClientRecord) * kBucketWays;
  // Every whole bucket that fits: no rounding to a power of two, which could waste half of
  // clientloglimit (buckets are picked by multiply-shift, not by a mask).
  const size_t buckets = std::clamp<size_t>(max_bytes / bucket_bytes, 1, size_t{1} << 32);
  buckets_ = buckets;
  const size_t bytes = buckets * bucket_bytes;
  // Page aligned, zeroed (all slots empty), faulted in now, on huge pages where possible.
  memory_ = allocate_table_memory(bytes);
  records_ = static_cast<ClientRecord*>(memory_.get());
}

bool ClientTable::is_empty(const ClientRecord& r) {
  uint64_t w[2];
  std::memcpy(w, r.addr.bytes.data(), 16);
  return (w[0] | w[1]) == 0;
}

uint64_t ClientTable::hash(const IpAddress& addr) const {
  return siphash13_16(key_, addr.bytes.data());
}

ClientTable::Buckets ClientTable::buckets_of(uint64_t h) const {
  // Lemire's multiply-shift maps each 32-bit half of the hash onto [0, buckets) evenly.
  const size_t b1 = static_cast<size_t>(((h & 0xffffffffu) * buckets_) >> 32);
  size_t b2 = static_cast<size_t>(((h >> 32) * buckets_) >> 32);
  if (b2 == b1 && buckets_ > 1) b2 = b1 + 1 < buckets_ ? b1 + 1 : 0;
  return {&records_[b1 * kBucketWays], &records_[b2 * kBucketWays]};
}

void ClientTable::prefetch(uint64_t hash) const {
  const Buckets b = buckets_of(hash);
  // A bucket is 192 bytes: three cache lines each.
  for (const ClientRecord* r : {b.first, b.second}) {
    const char* p = reinterpret_cast<const char*>(r);
    __builtin_prefetch(p, 1);
    __builtin_prefetch(p + 64, 1);
    __builtin_prefetch(p + 128, 1);
  }
}

ClientRecord* ClientTable::lookup(const Buckets& b, const IpAddress& addr) {
  for (ClientRecord* bucket : {b.first, b.second})
    for (int i = 0; i < kBucketWays; ++i)
      if (bucket[i].addr == addr) return &bucket[i];
  return nullptr;
}

ClientRecord* ClientTable::find(const IpAddress& addr) const {
  return lookup(buckets_of(hash(addr)), addr);
}

namespace {
// A client that has come back at least once and was seen within the longest NTP polling
// interval (2^10 s, in 1/16 s client-time units) is established: floods of new (often
// spoofed, one-packet) sources replace each other before they may replace it.
constexpr uint32_t kEstablishedIdleTicks = 1024u << 4;

bool established(const ClientRecord& r, uint32_t now) {
  return r.hits >= 2 && static_cast<int32_t>(now - r.limiter.last_hit) < static_cast<int32_t>(kEstablishedIdleTicks);
}

bool older(const ClientRecord& a, const ClientRecord* b) {
  return !b || static_cast<int32_t>(a.limiter.last_hit - b->limiter.last_hit) < 0;
}
}  // namespace

ClientRecord& ClientTable::find_or_insert(const IpAddress& addr, uint64_t hash,
                                          const LimiterState& fresh, uint32_t now) {
  // Two-choice hashing: the address may live in either of its two buckets. A new record
  // goes to the emptier bucket (the greedy rule that keeps overflow rare), else replaces the
  // least recently hit record that is not established, else the least recently hit of all.
  const Buckets b = buckets_of(hash);
  // Hits are the common case: look for the address alone first.
  if (ClientRecord* r = lookup(b, addr)) return *r;
  int empty[2] = {0, 0};
  ClientRecord* first_empty[2] = {nullptr, nullptr};
  ClientRecord* oldest = nullptr;
  ClientRecord* oldest_transient = nullptr;
  int k = 0;
  for (ClientRecord* bucket : {b.first, b.second}) {
    for (int i = 0; i < kBucketWays; ++i) {
      ClientRecord& r = bucket[i];
      if (is_empty(r)) {
        if (!empty[k]++) first_empty[k] = &r;
        continue;
      }
      if (older(r, oldest)) oldest = &r;
      if (!established(r, now) && older(r, oldest_transient)) oldest_transient = &r;
    }
    ++k;
  }
  ClientRecord* victim = empty[0] >= empty[1] ? first_empty[0] : first_empty[1];
  if (victim) {
    ++used_;
  } else if (used_ < capacity() / 10 * 9 && (victim = make_room(b)) != nullptr) {
    ++used_;
  } else {
    victim = oldest_transient ? oldest_transient : oldest;
    ++evictions_;
  }
  *victim = ClientRecord{};
  victim->addr = addr;
  victim->limiter = fresh;
  return *victim;
}

ClientRecord* ClientTable::make_room(const Buckets& b) {
  // One cuckoo step: a resident whose other bucket has a free slot moves there. Only tried
  // while the table has room to spare, so a flood into a full table costs no extra lookups.
  for (ClientRecord* bucket : {b.first, b.second}) {
    for (int i = 0; i < kBucketWays; ++i) {
      ClientRecord& r = bucket[i];
      const Buckets rb = buckets_of(hash(r.addr));
      ClientRecord* other = rb.first == bucket ? rb.second : rb.first;
      if (other == bucket) continue;
      for (int j = 0; j < kBucketWays; ++j) {
        if (is_empty(other[j])) {
          other[j] = r;
          return &r;
        }
      }
    }
  }
  return nullptr;
}

}  // namespace chronon::dp
