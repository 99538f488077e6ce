// Huge-page-backed table memory; see table_memory.h.
#include "dataplane/shared/table_memory.h"

#include <sys/mman.h>

#include <cstring>
#include <new>

namespace chronon::dp {

namespace {
constexpr size_t kHugePage = size_t{2} << 20;
}

void TableMemoryDeleter::operator()(void* p) const {
  if (p != nullptr) munmap(p, bytes);
}

TableMemory allocate_table_memory(size_t bytes) {
  // Round up to whole huge pages so the kernel can back all of it with them.
  const size_t size = bytes >= kHugePage ? (bytes + kHugePage - 1) / kHugePage * kHugePage : bytes;
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  // Advice only: without THP the table still works, with 4 KiB pages.
  if (size >= kHugePage) madvise(p, size, MADV_HUGEPAGE);
  // Touch every page now so no page fault happens on the hot path (the memory is zero).
  std::memset(p, 0, size);
  return TableMemory(p, TableMemoryDeleter{size});
}

}  // namespace chronon::dp
