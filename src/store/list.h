// List values (stub: the list helper replaces this with the packed/node encodings).
#pragma once

#include <cstddef>

#include "store/entry.h"

namespace cachet::store::list {

// Frees what a list value owns beyond its entry (node encoding), nothing for a packed one.
void destroy(Entry* e);
// Heap bytes a list value owns beyond its entry (O(1)).
size_t heap_bytes(const Entry* e);

}  // namespace cachet::store::list
