// One key and its value in a single heap allocation: header, key bytes, value bytes.
//
// Entries are chained through `next` in a Table bucket. The value has spare capacity so APPEND and
// SETRANGE grow it in place most of the time.
#pragma once

#include <cstdint>
#include <string_view>

namespace cachet::store {

enum class ValueType : uint8_t { kString = 0 };

struct Entry {
  Entry* next;
  int64_t expire_at;  // ms since the epoch; 0 = no expiry
  uint32_t hash;      // low 32 bits of the key's hash (bucket index and quick compare)
  uint32_t key_len;
  uint32_t value_len;
  uint32_t value_cap;
  ValueType type;

  std::string_view key() const { return {data(), key_len}; }
  std::string_view value() const { return {data() + key_len, value_len}; }
  char* value_data() { return data() + key_len; }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  char* data() { return reinterpret_cast<char*>(this + 1); }
};

// Allocates an entry holding `key` and `value` with room for `value_cap` value bytes
// (value_cap >= value.size()). Never returns null (aborts when out of memory).
Entry* new_entry(uint32_t hash, std::string_view key, std::string_view value, size_t value_cap);
void free_entry(Entry* e);
// Heap bytes the entry really occupies (as the allocator counts them).
size_t entry_bytes(const Entry* e);

}  // namespace cachet::store
