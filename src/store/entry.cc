#include "store/entry.h"

#include <malloc.h>
#include <xxhash.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "store/hash.h"
#include "store/list.h"
#include "store/set.h"
#include "store/stream.h"
#include "store/table.h"
#include "store/zset.h"

namespace cachet::store {

uint32_t hash32(std::string_view key) {
  return static_cast<uint32_t>(XXH3_64bits(key.data(), key.size()));
}

Entry* new_entry(std::string_view key, std::string_view value, size_t value_capacity,
                 bool expiry_slot) {
  bool wide = key.size() > Entry::kMaxCompactKey || value_capacity > Entry::kMaxCompactValue;
  size_t header = Entry::header_bytes(wide, expiry_slot);
  void* mem = std::malloc(header + key.size() + value_capacity);
  if (mem == nullptr) std::abort();  // like Redis: running out of memory is fatal
  auto* e = static_cast<Entry*>(mem);
  e->next = 0;
  e->access = 0;
  e->meta_ = static_cast<uint8_t>(ValueType::kString) | (expiry_slot ? Entry::kExpirySlot : 0) |
             (wide ? Entry::kWide : 0);
  if (wide) {
    const uint32_t lengths[2] = {static_cast<uint32_t>(key.size()),
                                 static_cast<uint32_t>(value.size())};
    std::memcpy(e + 1, lengths, sizeof lengths);
  } else {
    e->key_len_ = static_cast<uint8_t>(key.size());
    e->value_len_ = static_cast<uint16_t>(value.size());
  }
  if (expiry_slot) e->store_expire_at(0);
  if (!key.empty()) std::memcpy(e->data(), key.data(), key.size());
  if (!value.empty()) std::memcpy(e->value_data(), value.data(), value.size());
  return e;
}

size_t value_capacity(const Entry* e) {
  size_t capacity = malloc_usable_size(const_cast<Entry*>(e)) - e->header_bytes() - e->key_len();
  return e->wide() ? capacity : std::min(capacity, Entry::kMaxCompactValue);
}

void free_entry(Entry* e) {
  switch (e->kind()) {
    case Kind::kHash:
      hash::destroy(e);
      break;
    case Kind::kList:
      list::destroy(e);
      break;
    case Kind::kSet:
      set::destroy(e);
      break;
    case Kind::kZset:
      zset::destroy(e);
      break;
    case Kind::kStream:
      stream::destroy(e);
      break;
    case Kind::kString:
      break;
  }
  std::free(e);
}

size_t entry_bytes(const Entry* e) {
  size_t bytes = malloc_usable_size(const_cast<Entry*>(e));
  switch (e->kind()) {
    case Kind::kHash:
      return bytes + hash::heap_bytes(e);
    case Kind::kList:
      return bytes + list::heap_bytes(e);
    case Kind::kSet:
      return bytes + set::heap_bytes(e);
    case Kind::kZset:
      return bytes + zset::heap_bytes(e);
    case Kind::kStream:
      return bytes + stream::heap_bytes(e);
    case Kind::kString:
      return bytes;
  }
  return bytes;
}

}  // namespace cachet::store
