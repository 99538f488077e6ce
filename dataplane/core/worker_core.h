// The ServerCore of one dataplane worker, as every backend creates it at start-up: seeded
// from the time, the worker index and the process, with a fresh SipHash key, and its client
// table allocated now so that a clientloglimit the machine cannot hold fails start-up.
#pragma once

#include <unistd.h>

#include <memory>
#include <new>
#include <stdexcept>
#include <string>

#include "dataplane/core/server_core.h"
#include "dataplane/shared/segment_layout.h"
#include "timestamping/clock_read.h"

namespace chronon::dp {

inline std::unique_ptr<ServerCore> make_worker_core(int index, size_t client_table_bytes) {
  try {
    return std::make_unique<ServerCore>(static_cast<uint64_t>(ts::monotonic_now_ns()) ^
                                            (static_cast<uint64_t>(index + 1) << 40) ^
                                            static_cast<uint64_t>(getpid()),
                                        client_table_bytes, random_sip_key());
  } catch (const std::bad_alloc&) {
    throw std::runtime_error("cannot allocate " + std::to_string(client_table_bytes) +
                             " bytes for worker " + std::to_string(index) +
                             "'s client table (clientloglimit)");
  }
}

// Marks the worker's slot active, after telling control where its client table is.
inline void start_worker_slot(WorkerCounters& slot, const ServerCore& core) {
  slot.client_table_addr.store(reinterpret_cast<uintptr_t>(core.clients().records()),
                               std::memory_order_relaxed);
  slot.client_table_records.store(core.clients().capacity(), std::memory_order_relaxed);
  slot.active.store(1, std::memory_order_release);
}

}  // namespace chronon::dp
