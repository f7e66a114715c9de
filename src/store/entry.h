// One key and its value in a single heap allocation: header, key bytes, value bytes.
//
// Entries are chained through `next` in a Table bucket. The value has spare capacity so APPEND and
// SETRANGE grow it in place most of the time.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace cachet::store {

// The value's type and encoding. A small hash is packed into the value bytes; a large one is a
// Table of field entries whose pointer is the value (see hash.h).
enum class ValueType : uint8_t { kString = 0, kHashPacked = 1, kHashTable = 2 };

// A chain link: a pointer to an Entry with 16 bits of that entry's hash in the (unused) top 16
// bits of the word, so a lookup skips non-matching entries without touching their memory.
using Link = uintptr_t;

// Low 32 bits of a key's 64-bit hash: what tables index and tag with.
uint32_t hash32(std::string_view key);

// A 24-byte header, then (only for keys that have had a TTL) an 8-byte expiry time, then the key
// bytes, then the value bytes. Value capacity is what the allocator really gave (see
// value_capacity), so it costs no header field.
struct Entry {
  static constexpr uint8_t kExpirySlot = 1;

  Link next;
  uint32_t access;  // eviction metadata: LRU clock or LFU counter (see eviction.h)
  uint32_t key_len;
  uint32_t value_len;
  ValueType type;
  uint8_t flags;

  bool has_expiry_slot() const { return flags & kExpirySlot; }
  // ms since the epoch; 0 = no expiry.
  int64_t expire_at() const {
    int64_t t = 0;
    if (has_expiry_slot()) std::memcpy(&t, this + 1, sizeof(t));
    return t;
  }
  // Requires has_expiry_slot().
  void store_expire_at(int64_t t) { std::memcpy(this + 1, &t, sizeof(t)); }
  size_t header_bytes() const { return sizeof(Entry) + (has_expiry_slot() ? sizeof(int64_t) : 0); }

  bool is_string() const { return type == ValueType::kString; }
  bool is_hash() const { return type != ValueType::kString; }
  std::string_view key() const { return {data(), key_len}; }
  std::string_view value() const { return {data() + key_len, value_len}; }
  char* value_data() { return data() + key_len; }
  const char* data() const { return reinterpret_cast<const char*>(this) + header_bytes(); }
  char* data() { return reinterpret_cast<char*>(this) + header_bytes(); }
};
static_assert(sizeof(Entry) == 24);

constexpr int kTagShift = 48;
inline uint16_t tag_of_hash(uint32_t hash) { return static_cast<uint16_t>(hash >> 16); }
inline Link link_to(Entry* e, uint32_t hash) {
  return e == nullptr
             ? 0
             : (static_cast<Link>(tag_of_hash(hash)) << kTagShift) | reinterpret_cast<Link>(e);
}
inline Entry* entry_of(Link link) {
  return reinterpret_cast<Entry*>(link & ((Link{1} << kTagShift) - 1));
}
inline uint16_t tag_of(Link link) { return static_cast<uint16_t>(link >> kTagShift); }

// Allocates an entry holding `key` and `value` with room for at least `value_capacity` value
// bytes (>= value.size()), and an expiry slot (set to 0) if asked. Aborts when out of memory.
Entry* new_entry(std::string_view key, std::string_view value, size_t value_capacity,
                 bool expiry_slot = false);
// Frees the entry and anything its value owns (a hash's field table).
void free_entry(Entry* e);
// Heap bytes the entry and its value really occupy (as the allocator counts them).
size_t entry_bytes(const Entry* e);
// Value bytes the entry's allocation can hold.
size_t value_capacity(const Entry* e);

}  // namespace cachet::store
