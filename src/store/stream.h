// Stream values (ValueType::kStream): the entry's value is a pointer to a Stream.
//
// Entries are kept in nodes of packed bytes, ascending by ID, as Redis keeps listpacks in a radix
// tree. An entry with the field names of its node's first entry stores only its values (Redis's
// SAMEFIELDS), and a value that is an integer is stored as one (a varint), as a listpack does: a
// node takes new entries until it holds stream-node-max-entries (live and deleted) or Redis's
// listpack for it would reach stream-node-max-bytes, so the node count (XINFO STREAM's
// radix-tree-keys) follows Redis's. XDEL marks an entry deleted in its node; a node whose entries
// are all deleted goes. Trimming drops whole nodes first, then (exact trimming) marks entries.
//
// Consumer groups are plain ordered maps, in name order as Redis's radix trees list them.
//
// Every function requires the owning shard's lock. Callers that change a stream account the
// change in heap_bytes() to the shard and touch the key (see Write in stream.cc's users).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "store/entry.h"
#include "store/zset.h"

namespace cachet::store {

class Shard;

namespace stream {

// A stream entry ID: milliseconds and a sequence number, ordered as a 128-bit number.
struct Id {
  uint64_t ms = 0, seq = 0;
  friend auto operator<=>(const Id&, const Id&) = default;
  bool zero() const { return ms == 0 && seq == 0; }
};
inline constexpr Id kMaxId{UINT64_MAX, UINT64_MAX};

// "ms-seq".
std::string format_id(Id id);
// The next ID after `id` (none past the largest).
std::optional<Id> next_id(Id id);
// The ID before `id` (none before 0-0).
std::optional<Id> previous_id(Id id);

// stream-node-max-entries / stream-node-max-bytes (thread-safe; 0: no limit; apply to later
// additions).
void set_node_limits(int64_t max_entries, int64_t max_bytes);
int64_t node_max_entries();

// One entry as read: `fields` holds field, value, field, value... viewing the stream's bytes (or,
// for values kept as integers, the item's own text of them), valid until the stream changes.
struct Item {
  Id id;
  std::vector<std::string_view> fields;
  std::string text;  // the integers of `fields`, formatted; copies re-point their views

  Item() = default;
  Item(const Item& other) { *this = other; }
  Item(Item&& other) noexcept { *this = std::move(other); }
  Item& operator=(const Item& other);
  Item& operator=(Item&& other) noexcept;

 private:
  // Points the views that looked into [from, from + size) at the same bytes of `text`.
  void rebase(const char* from, size_t size);
};

// An entry delivered to a consumer and not yet acknowledged.
struct Nack {
  std::string consumer;
  int64_t delivery_time = 0;  // ms since the epoch
  uint64_t delivery_count = 0;
};

struct Consumer {
  int64_t seen_time = 0;  // ms since the epoch of its last read or claim
  std::set<Id> pending;
};

// entries_read when the group's position in the stream is not known.
inline constexpr int64_t kInvalidEntriesRead = -1;

struct Group {
  Id last_id;
  int64_t entries_read = kInvalidEntriesRead;
  std::map<Id, Nack> pel;  // every pending entry of the group
  std::map<std::string, Consumer, std::less<>> consumers;
};

class Stream {
 public:
  Stream() = default;
  // A copy (COPY), its node bytes counted from its own strings.
  Stream(const Stream& other);
  Stream& operator=(const Stream&) = delete;

  // Appends an entry (id greater than last_id; `fields` non-empty, field-value pairs).
  void append(Id id, const std::vector<std::string_view>& fields);
  // Marks the entry `id` deleted; false when there is none.
  bool remove(Id id);

  // A trimming request (XADD's and XTRIM's MAXLEN / MINID, = or ~, LIMIT).
  struct Trim {
    enum class By { kNone, kMaxLen, kMinId };
    By by = By::kNone;
    uint64_t max_len = 0;
    Id min_id;
    bool approximate = false;
    int64_t limit = 0;  // entries an approximate trim may remove (0: no limit)
  };
  // Trims as Redis's streamTrim does; returns the entries removed.
  int64_t trim(const Trim& t);

  // Calls fn(item) for the live entries with start <= id <= end, ascending or (reverse)
  // descending, until fn returns false. fn gets an Item& it may move from.
  template <typename Fn>
  void for_range(Id start, Id end, bool reverse, Fn&& fn) const {
    walk(start, end, reverse, zset::FnRef<bool(Item&)>(fn));
  }
  // The live entry `id`, if any.
  std::optional<Item> find(Id id) const;
  // The first (or last) live entry, if any.
  std::optional<Item> edge(bool last) const;
  // The ID of the last live entry, if any (cheap unless that entry is deleted).
  std::optional<Id> last_live_id() const;

  // Whether an entry deleted after being added may lie in [start, end] (Redis's
  // streamRangeHasTombstones).
  bool has_tombstones(Id start, Id end = kMaxId) const;
  // The logical number of entries added up to `id`, or kInvalidEntriesRead when it cannot be
  // known (Redis's streamEstimateDistanceFromFirstEverEntry).
  int64_t entries_before_or_at(Id id) const;
  // A group's lag (entries added it has not read), if it can be known.
  std::optional<int64_t> lag(const Group& g) const;

  size_t length() const { return length_; }
  size_t node_count() const { return nodes_.size(); }
  // Heap bytes the stream owns (nodes, groups, pending entries); O(groups).
  size_t bytes() const;

  Id last_id;
  Id max_deleted_id;
  Id first_id;  // recorded first entry (0-0 when empty)
  uint64_t entries_added = 0;
  std::map<std::string, Group, std::less<>> groups;

 private:
  struct Node {
    Id first;                   // ID of the node's first entry ever (entries are deltas from it)
    Id last;                    // ID of its last entry, deleted or not
    uint32_t last_at = 0;       // where that entry starts in `data`
    uint32_t master_pairs = 0;  // field-value pairs of its first entry
    std::string data;           // entries: flag, ms delta, seq, [field count,] strings, back-length
    uint32_t live = 0, deleted = 0;
    size_t listpack_bytes = 0;  // Redis's listpack size for these entries, but the counters
  };
  void walk(Id start, Id end, bool reverse, zset::FnRef<bool(Item&)> fn) const;
  // Index of the last node whose first ID is <= id (nodes_.size() when none).
  size_t node_at_or_before(Id id) const;
  // Marks entries of the first node deleted while `stop(id)` is false; returns how many.
  int64_t mark_front(zset::FnRef<bool(Id)> stop);
  void refresh_first_id();

  std::deque<Node> nodes_;
  size_t length_ = 0;
  size_t node_bytes_ = 0;
};

// Makes `e` (a fresh, empty string entry) an empty stream, or a copy of `from`. May move `e`.
void init(Shard& shard, Entry*& e, const Stream* from = nullptr);
Stream* of(const Entry* e);
// Frees the Stream of `e`.
void destroy(Entry* e);
// Heap bytes the stream of `e` owns beyond its entry.
size_t heap_bytes(const Entry* e);

}  // namespace stream
}  // namespace cachet::store
