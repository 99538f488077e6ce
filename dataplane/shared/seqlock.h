// A single-writer seqlock for trivially copyable values in shared memory: the writer never
// waits, readers retry while a write is in progress (as absl's clock publishes its params).
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace chronon::dp {

template <typename T>
struct SeqLocked {
  static_assert(std::is_trivially_copyable_v<T>);
  std::atomic<uint32_t> seq{0};
  // Stored as bytes copied with relaxed atomic word accesses would be ideal; memcpy guarded by
  // fences is the usual practical form (the reader discards torn copies).
  alignas(8) unsigned char bytes[sizeof(T)];

  void write(const T& v) {
    uint32_t s = seq.load(std::memory_order_relaxed);
    // A writer killed between its two stores (SIGKILL of chronond) left `seq` odd: start from
    // the next even value, or the parity would be inverted for good.
    if (s & 1) ++s;
    seq.store(s + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    std::memcpy(bytes, &v, sizeof(T));
    std::atomic_thread_fence(std::memory_order_release);
    seq.store(s + 2, std::memory_order_relaxed);
  }

  // Returns false only if the writer kept writing for `max_tries` attempts.
  bool read(T* out, int max_tries = 1000) const {
    for (int i = 0; i < max_tries; ++i) {
      const uint32_t s1 = seq.load(std::memory_order_acquire);
      if (s1 & 1) continue;
      std::memcpy(static_cast<void*>(out), bytes, sizeof(T));
      std::atomic_thread_fence(std::memory_order_acquire);
      if (seq.load(std::memory_order_relaxed) == s1) return true;
    }
    return false;
  }

  uint32_t version() const { return seq.load(std::memory_order_acquire); }
};

}  // namespace chronon::dp
