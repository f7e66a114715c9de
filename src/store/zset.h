// Sorted-set values, in two encodings (the entry's ValueType):
//   kZsetPacked — at most max_packed_entries() members of at most max_packed_value() bytes:
//                 packed into the value bytes as [u8 length][member][score]... ordered by
//                 (score, member bytes). A score that is an integer of magnitude below 2^53
//                 (and not -0) is a zigzag varint shifted left by one (low bit 0); any other is
//                 the byte 0x01 and its 8 IEEE-754 bytes. Redis's listpack stores integers as
//                 integers too, which is where its small sorted sets save memory.
//   kZsetTree   — anything larger: the value is a pointer to a Tree (zset.cc): a table of
//                 member entries (key = member, value = the 8-byte score) for ZSCORE in O(1),
//                 and a B+tree of (score, member entry) items with subtree sizes for rank and
//                 range in O(log n). docs/architecture.md says why a B+tree and not a skiplist.
// A sorted set only converts upwards (packed -> tree), as Redis's never shrinks back.
// OBJECT ENCODING says "listpack" or "skiplist".
//
// Scores are never NaN (callers reject it). Order is by score, then by member bytes (memcmp,
// shorter first on a common prefix), as Redis orders ties.
//
// Every function requires the owning shard's lock. Functions that may move the entry take it by
// reference and update it; they report changes in heap bytes to the shard and touch the key
// (for WATCH) only when the sorted set really changes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

#include "store/entry.h"

namespace cachet::store {

class Shard;

namespace zset {

constexpr size_t kDefaultMaxPackedEntries = 128;
constexpr size_t kDefaultMaxPackedValue = 64;

// zset-max-listpack-entries / zset-max-listpack-value (thread-safe; apply to later additions).
void set_max_packed(size_t entries, size_t value);
size_t max_packed_entries();
size_t max_packed_value();

// One element as read from a sorted set: `member` views the set's bytes and is valid until the
// set changes.
struct Element {
  std::string_view member;
  double score;
};

// A non-owning reference to a callable, so range walks need not be templates over the tree.
template <typename Sig>
class FnRef;
template <typename R, typename... A>
class FnRef<R(A...)> {
 public:
  template <typename F>
  FnRef(F&& f)  // NOLINT: implicit on purpose, like std::function_ref
      : object_(const_cast<void*>(static_cast<const void*>(&f))), call_([](void* o, A... a) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(o))(a...);
        }) {}
  R operator()(A... a) const { return call_(object_, a...); }

 private:
  void* object_;
  R (*call_)(void*, A...);
};

// Makes `e` (a fresh, empty string entry) an empty sorted set (packed).
void init(Entry* e);
// Readies the fresh, empty sorted set `e` for about `size_hint` members of at most
// `longest_member` bytes: it starts as a tree when they would not stay packed, as Redis's
// zsetTypeCreate chooses (so a -0 score stays -0 as in Redis's skiplist). May move `e`.
void reserve(Shard& shard, Entry*& e, size_t size_hint, size_t longest_member);
// Converts a packed sorted set to the tree encoding (nothing if it is one), as Redis's SORT does
// to its source; touches no WATCH. May move `e`.
void convert_to_tree(Shard& shard, Entry*& e);
size_t size(const Entry* e);
// The score of `member`, if present.
std::optional<double> score(const Entry* e, std::string_view member);

enum class AddResult { kAdded, kUpdated, kUnchanged };
// Sets `member`'s score (adding it when absent). `score` must not be NaN.
AddResult add(Shard& shard, Entry*& e, std::string_view member, double score);
// Removes `member`; returns false when it was absent.
bool remove(Shard& shard, Entry*& e, std::string_view member);

// The 0-based ascending rank of `member`, if present.
std::optional<size_t> rank(const Entry* e, std::string_view member);
// The element at ascending rank `r` (< size).
Element at(const Entry* e, size_t r);
// How many leading elements (in ascending order) `before(element)` holds for; `before` must be
// true for a prefix of the order and false after it (a score or lex lower bound).
size_t count_before(const Entry* e, FnRef<bool(const Element&)> before);

// Calls fn(element) for ranks first..last (inclusive, first <= last < size), ascending or, if
// `reverse`, from last down to first; stops early when fn returns false.
void for_range(const Entry* e, size_t first, size_t last, bool reverse,
               FnRef<bool(const Element&)> fn);
// Calls fn(element) for every element, ascending.
inline void for_each(const Entry* e, FnRef<void(const Element&)> fn) {
  if (size_t n = size(e)) {
    for_range(e, 0, n - 1, false, [&](const Element& x) {
      fn(x);
      return true;
    });
  }
}
// Removes ranks first..last (inclusive, first <= last < size); returns how many.
size_t remove_range(Shard& shard, Entry*& e, size_t first, size_t last);

// One ZSCAN step: calls fn(element); returns the next cursor (0 when done). A packed set is
// returned whole in one step, as Redis does; a tree walks its member table's buckets.
uint64_t scan(const Entry* e, uint64_t cursor, FnRef<void(const Element&)> fn);

// What Redis 7.0's OBJECT ENCODING says: "listpack" or "skiplist".
std::string_view encoding_name(const Entry* e);
// Frees what a sorted-set value owns beyond its entry (the tree), nothing for a packed one.
void destroy(Entry* e);
// Heap bytes a sorted-set value owns beyond its entry (O(1)).
size_t heap_bytes(const Entry* e);

}  // namespace zset
}  // namespace cachet::store
