// Copying a whole value to another key (COPY), whatever its type and encoding.
#pragma once

#include <cstdint>
#include <string_view>

#include "store/entry.h"

namespace cachet::store {

class Shard;

// Sets `key` (hashing to `hash`) in `dst` to a copy of `src`'s value, type and expiry, replacing
// whatever `key` held. `src` must be live and must not be the entry at `key`. Requires the locks
// of `dst` and of src's shard. Returns the new entry.
Entry* copy_entry(Shard& dst, std::string_view key, uint64_t hash, const Entry* src);

}  // namespace cachet::store
