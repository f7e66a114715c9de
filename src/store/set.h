// Set values (stub: the set helper replaces this with the intset/packed/table encodings).
#pragma once

#include <cstddef>

#include "store/entry.h"

namespace cachet::store::set {

// Frees what a set value owns beyond its entry (table encoding), nothing for a packed one.
void destroy(Entry* e);
// Heap bytes a set value owns beyond its entry (O(1)).
size_t heap_bytes(const Entry* e);

}  // namespace cachet::store::set
