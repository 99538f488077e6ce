// Memory for large lookup tables (the client tables): anonymous, zeroed, faulted in at
// start-up, and backed by transparent huge pages where the kernel allows, so a random lookup
// in a table of hundreds of MiB costs a cache miss, not also a TLB miss and a page walk.
#pragma once

#include <cstddef>
#include <memory>

namespace chronon::dp {

struct TableMemoryDeleter {
  size_t bytes = 0;
  void operator()(void* p) const;
};
using TableMemory = std::unique_ptr<void, TableMemoryDeleter>;

// Throws std::bad_alloc when the memory is not available.
TableMemory allocate_table_memory(size_t bytes);

}  // namespace chronon::dp
