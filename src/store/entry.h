// One key and its value in a single heap allocation: header, key bytes, value bytes.
//
// Entries are chained through `next` in a Table bucket. The value has spare capacity so APPEND and
// SETRANGE grow it in place most of the time.
#pragma once

#include <cstdint>
#include <string_view>

namespace cachet::store {

// The value's type and encoding. A small hash is packed into the value bytes; a large one is a
// Table of field entries whose pointer is the value (see hash.h).
enum class ValueType : uint8_t { kString = 0, kHashPacked = 1, kHashTable = 2 };

// A chain link: a pointer to an Entry with 16 bits of that entry's hash in the (unused) top 16
// bits of the word, so a lookup skips non-matching entries without touching their memory.
using Link = uintptr_t;

struct Entry {
  Link next;
  int64_t expire_at;  // ms since the epoch; 0 = no expiry
  uint32_t hash;      // low 32 bits of the key's hash (bucket index and quick compare)
  uint32_t key_len;
  uint32_t value_len;
  uint32_t value_cap;
  uint32_t access;  // eviction metadata: LRU clock or LFU counter (see eviction.h)
  ValueType type;

  bool is_string() const { return type == ValueType::kString; }
  bool is_hash() const { return type != ValueType::kString; }
  std::string_view key() const { return {data(), key_len}; }
  std::string_view value() const { return {data() + key_len, value_len}; }
  char* value_data() { return data() + key_len; }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  char* data() { return reinterpret_cast<char*>(this + 1); }
};

constexpr int kTagShift = 48;
inline uint16_t tag_of_hash(uint32_t hash) { return static_cast<uint16_t>(hash >> 16); }
inline Link link_to(Entry* e) {
  return e == nullptr
             ? 0
             : (static_cast<Link>(tag_of_hash(e->hash)) << kTagShift) | reinterpret_cast<Link>(e);
}
inline Entry* entry_of(Link link) {
  return reinterpret_cast<Entry*>(link & ((Link{1} << kTagShift) - 1));
}
inline uint16_t tag_of(Link link) { return static_cast<uint16_t>(link >> kTagShift); }

// Allocates an entry holding `key` and `value` with room for `value_cap` value bytes
// (value_cap >= value.size()). Never returns null (aborts when out of memory).
Entry* new_entry(uint32_t hash, std::string_view key, std::string_view value, size_t value_cap);
// Frees the entry and anything its value owns (a hash's field table).
void free_entry(Entry* e);
// Heap bytes the entry and its value really occupy (as the allocator counts them).
size_t entry_bytes(const Entry* e);

}  // namespace cachet::store
