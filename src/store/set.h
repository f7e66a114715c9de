// Set values, in three encodings (the entry's ValueType):
//   kSetInts   — only integers (Redis's string2ll rules), at most max_intset_entries() of them:
//                packed into the value bytes as [u8 width][int{width}]... sorted ascending, the
//                width (2, 4 or 8 bytes) that of the largest magnitude; upgraded, never narrowed.
//   kSetPacked — at most kMaxPackedMembers members of at most kMaxPackedLength bytes each:
//                packed as [u8 length][bytes]... in insertion order.
//   kSetTable  — anything larger: a OwnedTable (a Table of member entries with empty values,
//                plus its byte count) whose pointer is the value.
// A set only converts upwards (ints -> packed -> table, or ints -> table), as Redis's never
// shrinks back. Redis 7.0 has no listpack sets, so OBJECT ENCODING says "hashtable" for both
// kSetPacked and kSetTable (encoding_name).
//
// Every function requires the owning shard's lock. Functions that may move the entry take it by
// reference and update it; they report changes in heap bytes to the shard. They touch the key
// (for WATCH) only when the set really changes, as Redis signals a modified key only then.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "store/entry.h"
#include "store/table.h"

namespace cachet::store {

class Shard;

namespace set {

constexpr size_t kMaxPackedMembers = 128;
constexpr size_t kMaxPackedLength = 64;
constexpr size_t kDefaultMaxIntsetEntries = 512;

// The set-max-intset-entries limit (thread-safe; applies to later additions).
void set_max_intset_entries(size_t n);
size_t max_intset_entries();

// The member table of a kSetTable value (see OwnedTable: its bytes are kept current).
inline OwnedTable* member_table(const Entry* e) { return owned_table(e); }

// A member read from a set: a view of the set's bytes (valid until the set changes) or, for an
// intset, the integer formatted into the object itself. Copyable.
class Member {
 public:
  explicit Member(std::string_view bytes) : data_(bytes.data()), size_(bytes.size()) {}
  explicit Member(int64_t value);
  std::string_view view() const { return {data_ != nullptr ? data_ : digits_, size_}; }

 private:
  const char* data_ = nullptr;  // null: the member is in digits_
  size_t size_ = 0;
  char digits_[20];
};

// Whether `s` is an integer an intset holds (Redis's string2ll: no '+', no leading zeros, no
// "-0", no spaces, fits int64); the value if so.
bool parse_int(std::string_view s, int64_t& value);

// Makes `e` (a fresh, empty string entry) an empty set (intset-encoded).
void init(Entry* e);
size_t size(const Entry* e);
// Adds `member`; returns true when it is new.
bool add(Shard& shard, Entry*& e, std::string_view member);
// Removes `member`; returns false when it was absent.
bool remove(Shard& shard, Entry*& e, std::string_view member);
bool contains(const Entry* e, std::string_view member);
// What Redis 7.0's OBJECT ENCODING says: "intset" or "hashtable".
std::string_view encoding_name(const Entry* e);
// Frees what a set value owns beyond its entry (the member table), nothing for a packed one.
void destroy(Entry* e);
// Heap bytes a set value owns beyond its entry (O(1)).
size_t heap_bytes(const Entry* e);

// The member at position `index` (< size) of a packed or int set, in for_each order.
Member member_at(const Entry* e, size_t index);

// Calls fn(std::string_view member) for every member: ascending numeric order for an intset
// (as Redis replies), insertion order while packed. The view lives until fn returns.
template <typename Fn>
void for_each(const Entry* e, Fn&& fn);
// Like for_each, while fn(member) returns true.
template <typename Fn>
void for_each_while(const Entry* e, Fn&& fn);

// One SSCAN step: calls fn(std::string_view member); returns the next cursor (0 when done). A
// packed or int set is returned whole in one step, as Redis does.
template <typename Fn>
uint64_t scan(const Entry* e, uint64_t cursor, Fn&& fn);

// A uniformly chosen member of a non-empty set (a table's choice is biased by chain length, as
// Redis's is). `random` is any 64-bit random number generator.
template <typename Rng>
Member random_member(const Entry* e, Rng& random);

// Removes and returns a random member of a non-empty set.
template <typename Rng>
std::string pop_random(Shard& shard, Entry*& e, Rng& random);

namespace detail {
// Width in bytes of an intset's integers, and the integer at `index`.
size_t int_width(const Entry* e);
int64_t int_at(const Entry* e, size_t index);
}  // namespace detail

template <typename Fn>
void for_each_while(const Entry* e, Fn&& fn) {
  switch (e->type()) {
    case ValueType::kSetTable:
      member_table(e)->entries.for_each_while([&](const Entry* m) { return fn(m->key()); });
      return;
    case ValueType::kSetInts:
      for (size_t i = 0, n = size(e); i < n; ++i) {
        if (!fn(Member(detail::int_at(e, i)).view())) return;
      }
      return;
    default: {
      std::string_view packed = e->value();
      for (size_t pos = 0; pos < packed.size(); pos += 1 + static_cast<uint8_t>(packed[pos])) {
        if (!fn(packed.substr(pos + 1, static_cast<uint8_t>(packed[pos])))) return;
      }
    }
  }
}

template <typename Fn>
void for_each(const Entry* e, Fn&& fn) {
  for_each_while(e, [&](std::string_view m) {
    fn(m);
    return true;
  });
}

template <typename Fn>
uint64_t scan(const Entry* e, uint64_t cursor, Fn&& fn) {
  if (e->type() != ValueType::kSetTable) {
    for_each(e, fn);
    return 0;
  }
  return member_table(e)->entries.scan(cursor, [&](const Entry* m) { fn(m->key()); });
}

template <typename Rng>
Member random_member(const Entry* e, Rng& random) {
  if (e->type() == ValueType::kSetTable) {
    return Member(member_table(e)->entries.random_entry(random)->key());
  }
  return member_at(e, random() % size(e));
}

template <typename Rng>
std::string pop_random(Shard& shard, Entry*& e, Rng& random) {
  std::string member(random_member(e, random).view());
  remove(shard, e, member);
  return member;
}

}  // namespace set
}  // namespace cachet::store
