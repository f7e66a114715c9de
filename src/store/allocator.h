// What the memory allocator itself reports, for INFO memory.
#pragma once

#include <cstdint>
#include <string_view>

namespace cachet::store {

// Bytes the allocator has handed out and not had back (its own accounting).
uint64_t allocator_allocated_bytes();
// "jemalloc-5.3.0" or "libc".
std::string_view allocator_name();

}  // namespace cachet::store
