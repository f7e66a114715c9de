// One key and its value in a single heap allocation: header, key bytes, value bytes.
//
// Entries are chained through `next` in a Table bucket. The value has spare capacity so APPEND and
// SETRANGE grow it in place most of the time.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace cachet::store {

// The value's type and encoding. A small container is packed into the value bytes; a large one is
// a heap structure whose pointer is the value (see hash.h, list.h, set.h, zset.h, stream.h).
enum class ValueType : uint8_t {
  kString = 0,      // a string as written: OBJECT ENCODING derives int/embstr/raw from its bytes
  kStringRaw = 8,   // edited in place (APPEND, SETRANGE, bit and HLL writes): always "raw"
  kStringText = 9,  // written as text that is never "int" (INCRBYFLOAT)
  kHashPacked = 1,  // hash.h
  kHashTable = 2,
  kListPacked = 3,  // list.h
  kListNodes = 4,
  kSetInts = 5,  // set.h
  kSetPacked = 6,
  kSetTable = 7,
  kZsetPacked = 10,  // zset.h
  kZsetTree = 11,
  kStream = 12,  // stream.h
};

// The Redis type a value has, whatever its encoding (what TYPE and WRONGTYPE are about).
enum class Kind : uint8_t { kString, kHash, kList, kSet, kZset, kStream };

constexpr Kind kind_of(ValueType t) {
  switch (t) {
    case ValueType::kString:
    case ValueType::kStringRaw:
    case ValueType::kStringText:
      return Kind::kString;
    case ValueType::kHashPacked:
    case ValueType::kHashTable:
      return Kind::kHash;
    case ValueType::kListPacked:
    case ValueType::kListNodes:
      return Kind::kList;
    case ValueType::kSetInts:
    case ValueType::kSetPacked:
    case ValueType::kSetTable:
      return Kind::kSet;
    case ValueType::kZsetPacked:
    case ValueType::kZsetTree:
      return Kind::kZset;
    case ValueType::kStream:
      return Kind::kStream;
  }
  return Kind::kString;
}

// A chain link: a pointer to an Entry with 16 bits of that entry's hash in the (unused) top 16
// bits of the word, so a lookup skips non-matching entries without touching their memory.
using Link = uintptr_t;

// Low 32 bits of a key's 64-bit hash: what tables index and tag with.
uint32_t hash32(std::string_view key);

// A 16-byte header; for a *wide* entry (a key over 255 bytes or a value capacity over 65535) an
// 8-byte extension with both lengths; then (only for keys that have had a TTL) an 8-byte expiry
// time; then the key bytes, then the value bytes. A compact entry keeps its key length in one
// byte and its value length in two, so a small key and value fit one 48-byte allocator class.
// Whether an entry is wide is fixed when it is allocated: value_capacity() of a compact entry
// never exceeds 65535, so growing its value in place never overflows the field. Value capacity
// is what the allocator really gave (see value_capacity), so it costs no header field.
struct Entry {
  static constexpr size_t kMaxCompactKey = 255;
  static constexpr size_t kMaxCompactValue = 65535;

  Link next;
  uint32_t access;  // eviction metadata: LRU clock or LFU counter (see eviction.h)

  ValueType type() const { return static_cast<ValueType>(meta_ & kTypeMask); }
  void set_type(ValueType t) { meta_ = (meta_ & ~kTypeMask) | static_cast<uint8_t>(t); }
  bool wide() const { return meta_ & kWide; }
  bool has_expiry_slot() const { return meta_ & kExpirySlot; }
  size_t key_len() const { return wide() ? extension()[0] : key_len_; }
  size_t value_len() const { return wide() ? extension()[1] : value_len_; }
  // Requires len <= value_capacity(this).
  void set_value_len(size_t len) {
    if (wide()) {
      uint32_t n = static_cast<uint32_t>(len);
      std::memcpy(reinterpret_cast<char*>(this + 1) + sizeof(uint32_t), &n, sizeof n);
    } else {
      value_len_ = static_cast<uint16_t>(len);
    }
  }

  // ms since the epoch; 0 = no expiry.
  int64_t expire_at() const {
    int64_t t = 0;
    if (has_expiry_slot()) std::memcpy(&t, expiry(), sizeof(t));
    return t;
  }
  // Whether the entry has expired by `now` (ms since the epoch).
  bool expired(int64_t now) const {
    int64_t at = expire_at();
    return at != 0 && at <= now;
  }
  // Requires has_expiry_slot().
  void store_expire_at(int64_t t) { std::memcpy(const_cast<char*>(expiry()), &t, sizeof(t)); }
  size_t header_bytes() const { return header_bytes(wide(), has_expiry_slot()); }
  static size_t header_bytes(bool wide, bool expiry_slot) {
    return sizeof(Entry) + (wide ? 2 * sizeof(uint32_t) : 0) + (expiry_slot ? sizeof(int64_t) : 0);
  }

  Kind kind() const { return kind_of(type()); }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_hash() const { return kind() == Kind::kHash; }
  std::string_view key() const { return {data(), key_len()}; }
  std::string_view value() const { return {data() + key_len(), value_len()}; }
  char* value_data() { return data() + key_len(); }
  const char* data() const { return reinterpret_cast<const char*>(this) + header_bytes(); }
  char* data() { return reinterpret_cast<char*>(this) + header_bytes(); }

 private:
  friend Entry* new_entry(std::string_view, std::string_view, size_t, bool);
  static constexpr uint8_t kTypeMask = 0x1f;
  static constexpr uint8_t kExpirySlot = 0x20;
  static constexpr uint8_t kWide = 0x40;

  // {key length, value length} of a wide entry.
  std::array<uint32_t, 2> extension() const {
    std::array<uint32_t, 2> lengths;
    std::memcpy(lengths.data(), this + 1, sizeof lengths);
    return lengths;
  }
  const char* expiry() const {
    return reinterpret_cast<const char*>(this + 1) + (wide() ? 2 * sizeof(uint32_t) : 0);
  }

  uint8_t meta_;        // type (5 bits), expiry slot, wide
  uint8_t key_len_;     // compact entries
  uint16_t value_len_;  // compact entries
};
static_assert(sizeof(Entry) == 16);

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
