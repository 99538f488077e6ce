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

}  // namespace chronon::dp
