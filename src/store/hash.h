// Hash values. A small hash (at most max_packed_fields() fields, each field and value at most
// max_packed_length() bytes, Redis's hash-max-listpack-entries/value) is packed into the entry's
// value bytes as
// [u8 field length][field][u8 value length][value]... in insertion order. A larger one converts
// for good to a Table of field entries, whose pointer is the entry's value.
//
// Every function requires the owning shard's lock. Functions that may move the entry take it by
// reference and update it; they also report the change in bytes to the shard.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "store/entry.h"
#include "store/table.h"

namespace cachet::store {

class Shard;

namespace hash {

// A table-encoded hash's fields (the entry's value holds the table's address).
inline Table* hash_table(const Entry* e) { return &owned_table(e)->entries; }

// Heap bytes a hash value owns beyond its entry (O(1)); 0 while packed.
size_t heap_bytes(const Entry* e);
// Frees what a hash value owns beyond its entry.
void destroy(Entry* e);

// The packed form's length bytes are one byte each: longer fields or values never pack.
constexpr size_t kMaxPackableLength = 255;

// Sets the conversion thresholds (hash-max-listpack-entries, hash-max-listpack-value; defaults
// 128 and 64); a length above kMaxPackableLength acts as kMaxPackableLength. Thread-safe;
// applies to changes made afterwards.
void set_packed_limits(size_t max_fields, size_t max_length);
size_t max_packed_fields();
size_t max_packed_length();

// Makes `e` (a fresh, empty string entry) an empty hash.
void init(Entry* e);
std::optional<std::string_view> get(const Entry* e, std::string_view field);
// Sets `field` to `value`; returns true when the field is new.
bool set(Shard& shard, Entry*& e, std::string_view field, std::string_view value);
// Removes `field`; returns false when it was absent.
bool remove(Shard& shard, Entry*& e, std::string_view field);
size_t size(const Entry* e);

// Calls fn(field, value) for every field (insertion order while packed).
template <typename Fn>
void for_each(const Entry* e, Fn&& fn);

// One HSCAN step: calls fn(field, value); returns the next cursor (0 when done). A packed hash
// is returned whole in one step, as Redis does.
template <typename Fn>
uint64_t scan(const Entry* e, uint64_t cursor, Fn&& fn);

template <typename Fn>
void for_each(const Entry* e, Fn&& fn) {
  if (e->type() == ValueType::kHashTable) {
    hash_table(e)->for_each([&](const Entry* f) { fn(f->key(), f->value()); });
    return;
  }
  std::string_view packed = e->value();
  for (size_t pos = 0; pos < packed.size();) {
    size_t flen = static_cast<uint8_t>(packed[pos]);
    std::string_view field = packed.substr(pos + 1, flen);
    size_t vlen = static_cast<uint8_t>(packed[pos + 1 + flen]);
    fn(field, packed.substr(pos + 2 + flen, vlen));
    pos += 2 + flen + vlen;
  }
}

template <typename Fn>
uint64_t scan(const Entry* e, uint64_t cursor, Fn&& fn) {
  if (e->type() != ValueType::kHashTable) {
    for_each(e, fn);
    return 0;
  }
  return hash_table(e)->scan(cursor, [&](const Entry* f) { fn(f->key(), f->value()); });
}

}  // namespace hash
}  // namespace cachet::store
