#include "store/allocator.h"

#include <malloc.h>

#ifdef CACHET_JEMALLOC
#include <jemalloc/jemalloc.h>

// Read by jemalloc at start-up: back the heap with transparent huge pages, which cut TLB misses
// on the hash tables and entries (see docs/architecture.md).
extern "C" {
const char* malloc_conf = "thp:always,metadata_thp:auto,background_thread:false";
}
#endif

namespace cachet::store {

#ifdef CACHET_JEMALLOC
uint64_t allocator_allocated_bytes() {
  uint64_t epoch = 1;
  size_t len = sizeof(epoch);
  mallctl("epoch", &epoch, &len, &epoch, len);  // refresh the statistics
  size_t allocated = 0;
  len = sizeof(allocated);
  mallctl("stats.allocated", &allocated, &len, nullptr, 0);
  return allocated;
}

std::string_view allocator_name() { return "jemalloc-" JEMALLOC_VERSION; }
#else
uint64_t allocator_allocated_bytes() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

std::string_view allocator_name() { return "libc"; }
#endif

}  // namespace cachet::store
