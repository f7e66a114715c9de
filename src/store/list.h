// List values. Elements are stored packed, listpack-like: each element is a length header, its
// bytes, and the header again mirrored, so a run of elements can be walked from either end.
//
// Encodings (entry.h's ValueType):
//  - kListPacked: a small list lives in the entry's value bytes as [u16 count][elements...]. A
//    fresh entry (value length 0) is the empty list.
//  - kListNodes: once the packed form would exceed the packed limit (set_packed_limit), the list
//    converts for good to a doubly linked list of heap nodes (quicklist-like), each a run of
//    packed elements within the same limit; the entry's value holds the pointer. Pushes and pops
//    at either end touch one end node only; an element larger than the limit gets a node alone.
//    With a compress depth d > 0 (set_compress_depth, fixed per list at conversion), the nodes
//    more than d nodes from either end are LZF-compressed where that saves enough (Redis's
//    list-compress-depth rules); operations decompress what they read or change in the middle.
//
// Every function requires the owning shard's lock. Functions that may move the entry take it by
// reference and update it; they report changes of heap bytes with shard.account() and call
// shard.touch(). Indices are 0-based from the head; string_views returned point into the list
// (or into the buffer a function names, for elements of compressed nodes) and stay valid until
// the list (or that buffer) changes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/entry.h"

namespace cachet::store {

class Shard;

namespace list {

enum class End : uint8_t { kHead, kTail };

// Sets the size limit of the packed form and of each node from Redis's list-max-listpack-size:
// -1..-5 mean at most 4, 8, 16, 32, 64 KB of packed bytes (below -5 acts as -5); a positive
// value is a maximum element count (at most 32767, and 0 acts as 1) with an 8 KB byte cap.
// Default -2. Thread-safe; applies to changes made afterwards.
void set_packed_limit(int64_t redis_value);
int64_t packed_limit();
// Sets Redis's list-compress-depth for lists that convert to nodes afterwards (0: no
// compression, the default; above 65535 acts as 65535, as Redis). Thread-safe.
void set_compress_depth(int64_t depth);

// Makes `e` (a fresh, empty string entry) an empty list.
void init(Entry* e);
size_t size(const Entry* e);
// Adds `value` at `end`.
void push(Shard& shard, Entry*& e, End end, std::string_view value);
// Removes and returns the element at `end`; nothing when the list is empty.
std::optional<std::string> pop(Shard& shard, Entry*& e, End end);
// The element at `index` (negative: from the tail, -1 the last); nothing when out of range.
// An element of a compressed node is decompressed into `buffer`, and the view points there.
std::optional<std::string_view> index(const Entry* e, int64_t index, std::string& buffer);
// Replaces the element at `index` (negative: from the tail); false when out of range.
bool set(Shard& shard, Entry*& e, int64_t index, std::string_view value);
// Inserts `value` before or after the first element equal to `pivot` (from the head); returns
// the new length, or -1 when `pivot` is absent.
int64_t insert(Shard& shard, Entry*& e, bool before, std::string_view pivot,
               std::string_view value);
// LREM: removes elements equal to `value`: the first `count` from the head when count > 0, the
// last -count from the tail when count < 0, all when 0. Returns how many were removed.
size_t remove(Shard& shard, Entry*& e, int64_t count, std::string_view value);
// Keeps only the elements at [start, stop]; requires start <= stop < size(e).
void trim(Shard& shard, Entry*& e, size_t start, size_t stop);
// What OBJECT ENCODING reports: Redis 7.0 says "quicklist" for every list.
std::string_view encoding_name(const Entry* e);

// Frees what a list value owns beyond its entry (node encoding), nothing for a packed one.
void destroy(Entry* e);
// Heap bytes a list value owns beyond its entry (O(1)).
size_t heap_bytes(const Entry* e);

// One letter per node from the head, 'c' for an LZF-compressed node and 'r' for a raw one;
// empty for the packed form. O(nodes), for tests and debugging.
std::string node_map(const Entry* e);

// Reads elements one at a time from a position towards the tail or the head, decompressing a
// compressed node into a buffer it owns as it enters it. Valid while the list is unchanged.
class Cursor {
 public:
  // Starts at element `index` (done at once when index >= size(e)).
  Cursor(const Entry* e, size_t index, End towards);
  Cursor(const Cursor&) = delete;  // data_ may point into inflated_
  Cursor& operator=(const Cursor&) = delete;
  bool done() const { return left_ == 0; }
  // The current element; requires !done().
  std::string_view value() const { return value_; }
  void next();

 private:
  friend struct CursorAccess;
  void load();  // decodes the element at offset_ (towards the tail) or ending at it (the head)
  void enter(const void* node);  // makes `node` the current run, decompressed if need be

  const void* node_ = nullptr;  // current node, or null for the packed form
  const char* data_ = nullptr;  // current run of packed elements
  size_t bytes_ = 0;            // its length
  size_t offset_ = 0;           // where the current element starts in the run
  size_t encoded_ = 0;          // its encoded size
  std::string_view value_;
  size_t left_ = 0;  // elements still to visit, the current one included
  bool forward_ = true;
  std::string inflated_;  // the current node's elements when it is compressed
};

// Calls fn(element) for the elements at [start, stop] in order; requires stop < size(e).
template <typename Fn>
void for_range(const Entry* e, size_t start, size_t stop, Fn&& fn) {
  size_t n = stop - start + 1;
  for (Cursor c(e, start, End::kTail); n > 0; --n, c.next()) fn(c.value());
}

// Calls fn(element) from `from` (the head or the tail) towards the other end while it returns
// true.
template <typename Fn>
void for_each_from(const Entry* e, End from, Fn&& fn) {
  size_t n = size(e);
  if (n == 0) return;
  Cursor c(e, from == End::kHead ? 0 : n - 1, from == End::kHead ? End::kTail : End::kHead);
  for (; !c.done(); c.next()) {
    if (!fn(c.value())) return;
  }
}

}  // namespace list
}  // namespace cachet::store
