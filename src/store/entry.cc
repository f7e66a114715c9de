#include "store/entry.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>

#include "store/hash.h"
#include "store/table.h"

namespace cachet::store {

Entry* new_entry(uint32_t hash, std::string_view key, std::string_view value, size_t value_cap) {
  void* mem = std::malloc(sizeof(Entry) + key.size() + value_cap);
  if (mem == nullptr) std::abort();  // like Redis: running out of memory is fatal
  auto* e = static_cast<Entry*>(mem);
  e->next = 0;
  e->expire_at = 0;
  e->hash = hash;
  e->key_len = static_cast<uint32_t>(key.size());
  e->value_len = static_cast<uint32_t>(value.size());
  // The allocator may hand out more than asked; use it as value capacity.
  e->value_cap = static_cast<uint32_t>(malloc_usable_size(mem) - sizeof(Entry) - key.size());
  e->access = 0;
  e->type = ValueType::kString;
  if (!key.empty()) std::memcpy(e->data(), key.data(), key.size());
  if (!value.empty()) std::memcpy(e->value_data(), value.data(), value.size());
  return e;
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
