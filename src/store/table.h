// A chained hash table of Entry nodes with power-of-two bucket counts. Links carry a 16-bit hash
// tag (see entry.h), so a lookup dereferences only entries whose tag matches.
//
// Entries are owned by the table. Load factor is kept between 1/8 and 1 (shrinking only above
// kMinBuckets). Not thread-safe: the owning Shard's lock guards it.
//
// Resizing is incremental, so no single operation pays for the whole table: a resize allocates
// the new bucket array and keeps the old one; old buckets [0, migrated_) have moved, the rest
// have not, so a key lives in exactly one chain (head_for()). Each insert, unlink and sweep then
// moves at most kStepBuckets non-empty old buckets (visiting at most kStepVisits), and the old
// array is freed when the last bucket has moved. No new resize starts while one is in progress.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "store/entry.h"

namespace cachet::store {

// Reverses the bit order of a 64-bit word.
constexpr uint64_t reverse_bits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
  v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0Full) | ((v & 0x0F0F0F0F0F0F0F0Full) << 4);
  return __builtin_bswap64(v);
}

class Table {
 public:
  static constexpr size_t kMinBuckets = 4;
  static constexpr size_t kStepBuckets = 4;
  static constexpr size_t kStepVisits = 64;

  Table() = default;
  ~Table() { clear(); }
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  size_t size() const { return size_.load(std::memory_order_relaxed); }
  size_t bucket_count() const { return mask_ + (buckets_ ? 1 : 0); }
  // Heap bytes held by the bucket arrays, the old one too while resizing (entries are counted
  // separately).
  size_t bucket_bytes() const {
    return (buckets_ ? bucket_count() * sizeof(Link) : 0) +
           (old_ ? (old_mask_ + 1) * sizeof(Link) : 0);
  }
  // Whether a resize is in progress, and how many entries resizing has moved so far (both for
  // tests and INFO-style introspection).
  bool resizing() const { return old_ != nullptr; }
  uint64_t entries_moved() const { return entries_moved_; }

  Entry* find(std::string_view key, uint32_t hash) const;
  // Adds `e` (whose key, hashing to `hash`, must not be present).
  void insert(Entry* e, uint32_t hash);
  // Puts `replacement` (same key, hashing to `hash`) where `old` was; does not free `old`.
  void replace(Entry* old, Entry* replacement, uint32_t hash);
  // Removes and returns the entry for `key`, or null. The caller frees it.
  Entry* unlink(std::string_view key, uint32_t hash);
  // Frees every entry and the bucket array.
  void clear();
  // Moves every entry and the bucket arrays into a new table, leaving this one empty.
  std::unique_ptr<Table> take();

  // SCAN step (Redis's reverse-binary cursor): calls fn(const Entry*) for every entry of one bucket
  // (two or more when the table shrank) and returns the next cursor, 0 when done. Every entry
  // present for the whole scan is visited at least once, even if the table resizes between calls.
  template <typename Fn>
  uint64_t scan(uint64_t cursor, Fn&& fn) const;

  // Calls fn(const Entry*) for every entry.
  template <typename Fn>
  void for_each(Fn&& fn) const {
    for_each_in(old_.get(), old_mask_, fn);
    for_each_in(buckets_.get(), mask_, fn);
  }

  // Calls fn(const Entry*) for entries while it returns true.
  template <typename Fn>
  void for_each_while(Fn&& fn) const {
    if (while_in(old_.get(), old_mask_, fn)) while_in(buckets_.get(), mask_, fn);
  }

  // Visits buckets [cursor, cursor + count) and unlinks the entries `remove(e)` selects, passing
  // each to `removed(e)` (which frees it). Returns the next cursor (wraps to 0).
  template <typename Pred, typename Sink>
  size_t sweep(size_t cursor, size_t count, Pred&& remove, Sink&& removed);

  // A uniformly chosen bucket's entry, biased by chain length; null when empty. `random` is any
  // 64-bit random number generator.
  template <typename Rng>
  const Entry* random_entry(Rng& random) const;

  // Shrinks the bucket array if the table has become sparse.
  void maybe_shrink();

  // Prefetches the bucket `hash` maps to. Safe without the lock: it reads only the published
  // array address and mask (atomics) and never dereferences them.
  void prefetch(uint32_t hash) const {
    Link* buckets = published_.load(std::memory_order_relaxed);
    size_t mask = published_mask_.load(std::memory_order_relaxed);
    if (buckets != nullptr) __builtin_prefetch(buckets + (hash & mask));
  }
  // Prefetches the first entry of the chain `hash` maps to (needs the shard's lock: it reads
  // the bucket). With prefetch() issued earlier this overlaps the entry misses of several keys.
  void prefetch_chain(uint32_t hash) const {
    if (Link head = buckets_ ? *head_for(hash) : 0; head != 0) __builtin_prefetch(entry_of(head));
  }

 private:
  void resize(size_t buckets);
  void migrate_step();
  void publish();
  // The chain that holds (or would hold) the key hashing to `hash`.
  Link* head_for(uint32_t hash) const {
    if (old_ && (hash & old_mask_) >= migrated_) return &old_[hash & old_mask_];
    return &buckets_[hash & mask_];
  }
  template <typename Fn>
  static void for_each_in(const Link* buckets, size_t mask, Fn& fn) {
    for (size_t i = 0; buckets && i <= mask; ++i) {
      for (Link l = buckets[i]; l != 0; l = entry_of(l)->next) fn(entry_of(l));
    }
  }
  // Like for_each_in while fn returns true; whether it did to the end.
  template <typename Fn>
  static bool while_in(const Link* buckets, size_t mask, Fn& fn) {
    for (size_t i = 0; buckets && i <= mask; ++i) {
      for (Link l = buckets[i]; l != 0; l = entry_of(l)->next) {
        if (!fn(entry_of(l))) return false;
      }
    }
    return true;
  }
  static uint64_t next_cursor(uint64_t cursor, size_t mask) {
    // Increment the reversed cursor: higher bits first, so a resize never skips a bucket.
    return reverse_bits(reverse_bits(cursor | ~static_cast<uint64_t>(mask)) + 1);
  }

  std::unique_ptr<Link[]> old_;  // the array being migrated away from, while resizing
  size_t old_mask_ = 0;
  size_t migrated_ = 0;  // old buckets below this index have moved
  uint64_t entries_moved_ = 0;
  std::unique_ptr<Link[]> buckets_;
  std::atomic<Link*> published_{nullptr};  // buckets_.get(), for lock-free prefetch()
  std::atomic<size_t> published_mask_{0};
  size_t mask_ = 0;  // bucket_count - 1 when buckets_ is set
  // Written under the shard lock only; atomic so eviction may read an estimate without it.
  std::atomic<size_t> size_{0};
  void add_size(int64_t n) {
    size_.store(size_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
};

template <typename Fn>
uint64_t Table::scan(uint64_t cursor, Fn&& fn) const {
  if (!buckets_) return 0;
  auto visit = [&](const Link* buckets, size_t index) {
    for (Link l = buckets[index]; l != 0; l = entry_of(l)->next) fn(entry_of(l));
  };
  if (!old_) {
    visit(buckets_.get(), cursor & mask_);
    return next_cursor(cursor, mask_);
  }
  // While resizing: the smaller array's bucket, then every bucket of the larger one that it
  // expands to; the cursor advances by the smaller mask, which can revisit but never skip.
  bool old_smaller = old_mask_ < mask_;
  const Link* small = old_smaller ? old_.get() : buckets_.get();
  const Link* large = old_smaller ? buckets_.get() : old_.get();
  size_t small_mask = std::min(old_mask_, mask_), large_mask = std::max(old_mask_, mask_);
  size_t index = cursor & small_mask;
  visit(small, index);
  for (size_t high = index; high <= large_mask; high += small_mask + 1) visit(large, high);
  return next_cursor(cursor, small_mask);
}

template <typename Pred, typename Sink>
size_t Table::sweep(size_t cursor, size_t count, Pred&& remove, Sink&& removed) {
  migrate_step();
  if (!buckets_) return 0;
  if (cursor > mask_) cursor = 0;
  for (size_t n = 0; n < count; ++n) {
    Link* link = &buckets_[cursor];
    while (*link != 0) {
      Entry* e = entry_of(*link);
      if (remove(e)) {
        *link = e->next;
        add_size(-1);
        removed(e);
      } else {
        link = &e->next;
      }
    }
    cursor = (cursor + 1) & mask_;
    if (cursor == 0) break;
  }
  return cursor;
}

template <typename Rng>
const Entry* Table::random_entry(Rng& random) const {
  if (size() == 0) return nullptr;
  size_t old_buckets = old_ ? old_mask_ + 1 : 0;
  while (true) {
    // Buckets of both arrays are equally likely (moved old buckets are empty).
    size_t pick = random() % (old_buckets + mask_ + 1);
    Link head = pick < old_buckets ? old_[pick] : buckets_[(pick - old_buckets) & mask_];
    if (head == 0) continue;
    size_t len = 0;
    for (Link l = head; l != 0; l = entry_of(l)->next) ++len;
    for (size_t skip = random() % len; skip > 0; --skip) head = entry_of(head)->next;
    return entry_of(head);
  }
}

// A Table that a value owns through a pointer in its entry's value bytes (a large hash's
// fields, a large set's members). `bytes` is every heap byte it holds (itself, the bucket arrays
// and the entries), kept current so the value's size is O(1) to report.
struct OwnedTable {
  Table entries;
  size_t bytes = sizeof(OwnedTable);
};

// The OwnedTable whose address is the value of `e`.
inline OwnedTable* owned_table(const Entry* e) {
  OwnedTable* t;
  std::memcpy(&t, e->value().data(), sizeof(t));
  return t;
}

}  // namespace cachet::store
