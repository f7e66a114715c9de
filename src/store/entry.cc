#include "store/entry.h"

#include <malloc.h>
#include <xxhash.h>

#include <cstdlib>
#include <cstring>

#include "store/hash.h"
#include "store/table.h"

namespace cachet::store {

uint32_t hash32(std::string_view key) {
  return static_cast<uint32_t>(XXH3_64bits(key.data(), key.size()));
}

Entry* new_entry(std::string_view key, std::string_view value, size_t value_capacity,
                 bool expiry_slot) {
  size_t header = sizeof(Entry) + (expiry_slot ? sizeof(int64_t) : 0);
  void* mem = std::malloc(header + key.size() + value_capacity);
  if (mem == nullptr) std::abort();  // like Redis: running out of memory is fatal
  auto* e = static_cast<Entry*>(mem);
  e->next = 0;
  e->access = 0;
  e->key_len = static_cast<uint32_t>(key.size());
  e->value_len = static_cast<uint32_t>(value.size());
  e->type = ValueType::kString;
  e->flags = expiry_slot ? Entry::kExpirySlot : 0;
  if (expiry_slot) e->store_expire_at(0);
  if (!key.empty()) std::memcpy(e->data(), key.data(), key.size());
  if (!value.empty()) std::memcpy(e->value_data(), value.data(), value.size());
  return e;
}

size_t value_capacity(const Entry* e) {
  return malloc_usable_size(const_cast<Entry*>(e)) - e->header_bytes() - e->key_len;
}

void free_entry(Entry* e) {
  if (e->type == ValueType::kHashTable) delete hash_table(e);
  std::free(e);
}

size_t entry_bytes(const Entry* e) {
  size_t bytes = malloc_usable_size(const_cast<Entry*>(e));
  if (e->type == ValueType::kHashTable) {
    const Table* fields = hash_table(e);
    bytes += sizeof(Table) + fields->bucket_bytes();
    fields->for_each([&](const Entry* f) { bytes += malloc_usable_size(const_cast<Entry*>(f)); });
  }
  return bytes;
}

}  // namespace cachet::store
