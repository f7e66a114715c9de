// The keyspace: numbered databases, each split into kShards shards with their own lock.
//
// Threading: a Shard is touched only while its mutex is held, through a Locked guard from
// Store::lock(). Lock order: shards of one database in ascending index order (Locked does this);
// two databases only in (database, shard) ascending order (PairLock, TransactionLock). The only
// lock taken while shard locks are held is the blocking registry's (server/blocking.h).
// Store-wide counters (used_bytes) are atomics.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/clock.h"
#include "store/entry.h"
#include "store/eviction.h"
#include "store/lazy_free.h"
#include "store/shard_mutex.h"
#include "store/sketch.h"
#include "store/table.h"

namespace cachet::store {

constexpr int kShardBits = 6;
constexpr int kShards = 1 << kShardBits;

// 64-bit hash of a key: the top kShardBits bits pick the shard, the low 32 bits the bucket.
uint64_t hash_key(std::string_view key);
inline int shard_of(uint64_t hash) { return static_cast<int>(hash >> (64 - kShardBits)); }

// Set when a key some client WATCHes changes. Shared by the watching session and the shards.
struct WatchFlag {
  std::atomic<bool> dirty{false};
};

struct ShardStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t expired = 0;
  uint64_t evicted = 0;
};

// What the store itself does to a key that keyspace notifications report (server/notify.h):
// creates it, deletes it because it expired or was evicted, or misses it on a command's read
// (Shard::lookup_read).
enum class KeyEvent : uint8_t { kNew, kExpired, kEvicted, kMiss };
inline constexpr size_t kKeyEvents = 4;

// Receives the store's KeyEvents. `fn` runs on the thread that caused the event, under the key's
// shard lock: it must not take a shard lock. An event `e` reaches it only while
// `gate->load() & wants[e]` is non-zero, so a disabled event costs one relaxed load; expired and
// evicted keys also reach it while `*deletion_gate` is non-zero (clients are blocked on keys).
struct KeyEventListener {
  std::function<void(int db, KeyEvent event, std::string_view key)> fn;
  const std::atomic<uint32_t>* gate = nullptr;
  std::array<uint32_t, kKeyEvents> wants{};
  const std::atomic<size_t>* deletion_gate = nullptr;
};

// Receives every modification of a key (what sets WATCH flags: writes, deletions, expiry,
// eviction; not flushes) while `active` is set (CLIENT TRACKING's invalidation). `fn` runs on the
// modifying thread under the key's shard lock: it must not take a shard lock.
struct ModifiedHook {
  std::function<void(int db, std::string_view key)> fn;
  std::atomic<bool> active{false};
};

class Store;

class Shard {
 public:
  // Every member below requires the shard's lock (see Store::lock).

  // A command's look-up of `key` (Redis's lookupKeyWrite): the live entry, or null. Deletes the
  // entry if it has expired by `now`, and records the access (eviction metadata, the TinyLFU
  // sketch).
  Entry* lookup_write(std::string_view key, uint64_t hash, int64_t now);
  // The live entry for `key`, or null; records no access, counts nothing and deletes nothing
  // (OBJECT, MEMORY USAGE).
  const Entry* peek(std::string_view key, uint64_t hash, int64_t now) const;
  // Like lookup_write(), and counts a keyspace hit or miss (Redis's lookupKeyRead).
  Entry* lookup_read(std::string_view key, uint64_t hash, int64_t now);
  // Sets `key` to `value` with expiry `expire_at` (0: none), replacing any previous entry.
  Entry* put(std::string_view key, uint64_t hash, std::string_view value, int64_t expire_at);
  // Adds `key`, which must be absent (looked up already: no expired entry either), holding the
  // string `value` without expiry, and touches nothing (WATCH, tracking): for a key that Redis
  // creates without signaling it (a bitmap write's zeroed string), whose command calls touch()
  // if it counts a change.
  Entry* add_quietly(std::string_view key, uint64_t hash, std::string_view value);
  // Deletes `key`; false when absent (expired keys count as absent).
  bool erase(std::string_view key, uint64_t hash, int64_t now);
  // Like erase(), but a value of more than LazyFreer::kThreshold elements is freed on the
  // lazy-free thread (UNLINK).
  bool erase_lazily(std::string_view key, uint64_t hash, int64_t now);
  // Sets the expiry (0: none). May move the entry (to give it an expiry slot): use the result.
  [[nodiscard]] Entry* set_expire(Entry* e, int64_t expire_at);
  // Sets the value length to `len`, moving the entry if its capacity is too small, or far too
  // large (the result replaces `e`). Bytes past the old length are uninitialized. A string's
  // capacity grows geometrically, a container's by an eighth (see grown_capacity).
  Entry* resize_value(Entry* e, size_t len);
  // resize_value() that touches nothing: for a change of encoding that keeps the logical value (a
  // packed container converting to its heap form), as Redis's conversions signal nothing, and
  // for a bitmap's zero padding, which its command touches only if it counts a change.
  Entry* reencode_value(Entry* e, size_t len);

  size_t size() const { return table_.size(); }
  size_t volatile_count() const { return volatile_; }
  const Table& table() const { return table_; }
  const ShardStats& stats() const { return stats_; }
  // Deletes every entry; with `lazily`, the entries are freed on the lazy-free thread (FLUSHDB
  // ASYNC), so this takes O(1) on the caller's thread.
  void clear(bool lazily = false);
  // Records a change of `delta` bytes in memory owned by an entry's value (e.g. a hash's fields).
  void account(int64_t delta);
  // WATCH support: while `flag` watches `key`, any change to the key (write, delete, expiry,
  // flush) sets it dirty. Every mutating member calls touch(); code that changes a value in place
  // through an Entry pointer calls it too.
  void watch(std::string_view key, std::shared_ptr<WatchFlag> flag);
  void unwatch(std::string_view key, const WatchFlag* flag);
  void touch(std::string_view key) {
    if (!watchers_.empty()) touch_watchers(key);
    if (modified_->active.load(std::memory_order_relaxed)) modified_->fn(db_, key);
  }
  // Moves the entry `src` (live in shard `from`, with the key `from_key`) to `key` in this shard,
  // replacing whatever `key` held. Keeps the value, its type and its expiry (RENAME).
  void move_here(Shard& from, Entry* src, std::string_view key, uint64_t hash);
  // Deletes expired entries among the next `buckets` buckets; returns {expired, with_ttl seen}.
  std::pair<size_t, size_t> expire_step(int64_t now, size_t buckets);

 private:
  friend class Store;
  friend class Locked;
  friend class TransactionLock;
  friend class ShardGuard;
  void touch_watchers(std::string_view key);
  void note_put(Entry* e, bool inserted);  // eviction metadata for a write
  // The entry for `key`, or null; deletes it (reporting KeyEvent::kExpired) if expired by `now`.
  Entry* find_live(std::string_view key, uint64_t hash, int64_t now);
  void report(KeyEvent event, std::string_view key) const;
  // Links the new entry `e` in place of `old` (freed), or as a new key when `old` is null.
  void link_new(Entry* e, Entry* old, uint32_t hash);
  // A new entry for `key` holding the string `value` (with an expiry slot if `expiry_slot`,
  // its expiry still unset), linked in place of `old`; touches the key only by freeing `old`.
  Entry* insert(std::string_view key, uint64_t hash, std::string_view value, bool expiry_slot,
                Entry* old);
  // Moves `e` to a new allocation with `capacity` value bytes and, if asked, an expiry slot.
  Entry* reallocate(Entry* e, size_t capacity, bool expiry_slot);
  void remove(Entry* e);         // unlinked already: update counters and free
  void retire(Entry* e);         // unlinked already: update counters (the caller frees)
  void unlink_shrink(Entry* e);  // unlinks a live entry and shrinks the table if sparse

  ShardMutex mutex_;
  Table table_;
  size_t volatile_ = 0;
  int64_t bytes_ = 0;  // this shard's part of Store::used_bytes()
  size_t expire_cursor_ = 0;
  ShardStats stats_;
  Store* store_ = nullptr;
  ModifiedHook* modified_ = nullptr;  // the store's
  int db_ = 0;                        // the database this shard belongs to
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view k) const { return std::hash<std::string_view>()(k); }
  };
  std::unordered_map<std::string, std::vector<std::shared_ptr<WatchFlag>>, KeyHash, std::equal_to<>>
      watchers_;
};

using Database = std::array<Shard, kShards>;

// Holds one shard's lock, unless this thread's TransactionLock already holds that shard (then it
// is a no-op). Every site that locks a single shard uses it, so code that runs inside EXEC never
// locks a shard twice.
class ShardGuard {
 public:
  ShardGuard(Database& db, int db_index, int shard);
  ShardGuard(const ShardGuard&) = delete;
  ShardGuard& operator=(const ShardGuard&) = delete;

 private:
  std::unique_lock<ShardMutex> lock_;
};

// Holds the locks of a set of shards of one database, taken in ascending order. Shards that a
// TransactionLock on this thread already holds are skipped.
class Locked {
 public:
  Locked(Database& db, int db_index, uint64_t shard_mask);
  ~Locked();
  Locked(const Locked&) = delete;
  Locked& operator=(const Locked&) = delete;
  // The shard owning `hash`; it must be one of the locked shards.
  Shard& shard(uint64_t hash) { return db_[shard_of(hash)]; }

 private:
  Database& db_;
  uint64_t mask_;
};

class Store {
 public:
  friend class TransactionLock;
  friend class PairLock;
  friend class TimeSnapshot;
  explicit Store(const Clock& clock, int databases = 16);
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  int databases() const { return static_cast<int>(dbs_.size()); }
  // The time commands see: this thread's TimeSnapshot while one lives, else the clock.
  int64_t now() const;

  // Locks the shards owning the given key hashes in database `db`.
  [[nodiscard]] Locked lock(int db, std::span<const uint64_t> hashes);
  [[nodiscard]] Locked lock(int db, uint64_t hash) { return Locked(*dbs_[db], db, bit(hash)); }

  // Hints that the key with `hash` in `db` is about to be looked up (no lock, no effect on data).
  void prefetch(int db, uint64_t hash) const {
    (*dbs_[db])[shard_of(hash)].table_.prefetch(static_cast<uint32_t>(hash));
  }
  // The same one step further, to the key's entry: the caller holds the key's shard.
  void prefetch_entry(int db, uint64_t hash) const {
    (*dbs_[db])[shard_of(hash)].table_.prefetch_chain(static_cast<uint32_t>(hash));
  }

  // Calls fn(Shard&) for each shard of `db` in turn, each under its own lock.
  template <typename Fn>
  void for_each_shard(int db, Fn&& fn);

  size_t dbsize(int db);
  size_t volatile_count(int db);
  // Deletes every key of `db` (every database); `lazily` frees them on the lazy-free thread.
  void flush(int db, bool lazily = false);
  void flush_all(bool lazily = false);
  const LazyFreer& lazy_freer() const { return lazy_; }
  ShardStats stats();
  void reset_stats();
  // Bytes held by entries and tables (what maxmemory compares against).
  int64_t used_bytes() const { return used_bytes_.load(std::memory_order_relaxed); }

  // One SCAN step over `db`: calls fn(const Entry*) for live entries; returns the next cursor
  // (0 when done). `count` is the number of entries to aim for, as in Redis.
  template <typename Fn>
  uint64_t scan(int db, uint64_t cursor, size_t count, Fn&& fn);
  // A random live key of `db`, or nothing when it is empty.
  std::optional<std::string> random_key(int db);

  // maxmemory policy, how many keys each eviction samples, and (for allkeys-tinylfu) about how
  // many keys fit, to size the frequency sketch; 0 means no limit, hence no sketch. Thread-safe.
  void set_eviction(EvictionPolicy policy, int samples, size_t capacity);
  // The TinyLFU sketch while allkeys-tinylfu is the policy, else null.
  FrequencySketch* sketch() const { return sketch_.load(std::memory_order_acquire); }
  EvictionPolicy eviction_policy() const { return policy_.load(std::memory_order_relaxed); }
  enum class Eviction { kEvicted, kNoVictim, kRejectIncoming };
  // Deletes one key chosen by the eviction policy (sampling, as Redis does); kNoVictim when the
  // policy allows none (noeviction, or no key with a TTL for volatile-*). Under allkeys-tinylfu,
  // `incoming` is the hash of a key about to be created: if it is not more popular than the
  // chosen victim, nothing is deleted and kRejectIncoming says the newcomer should go instead.
  // Takes shard locks one at a time: call it holding none.
  Eviction evict_one(std::optional<uint64_t> incoming = std::nullopt);
  // Whether `key` is present in `db` (no statistics, no expiry, no access recorded).
  bool contains(int db, std::string_view key, uint64_t hash);
  // Deletes `key` as an eviction (counted in evicted_keys).
  void evict_key(int db, std::string_view key, uint64_t hash);

  // Active expiry for the shards this caller handles (shard number % of == part): deletes expired
  // keys, sampling more of a shard while many of its samples have expired, until `budget` is
  // spent. Returns the number of keys deleted.
  size_t active_expire(int part, int of, std::chrono::microseconds budget);

  // Installs the listener of the store's KeyEvents (replacing none by default). Call it before
  // the store is used by more than one thread.
  void set_key_event_listener(KeyEventListener listener);
  // The hook every key modification goes through while it is active (see ModifiedHook).
  ModifiedHook& modified_hook() { return modified_; }
  // Hands `event` for `key` of `db` to the listener, if its gate lets the event through.
  void report(int db, KeyEvent event, std::string_view key) const {
    bool deletion = event == KeyEvent::kExpired || event == KeyEvent::kEvicted;
    if ((listener_.gate->load(std::memory_order_relaxed) &
         listener_.wants[static_cast<size_t>(event)]) ||
        (deletion && listener_.deletion_gate != nullptr &&
         listener_.deletion_gate->load(std::memory_order_relaxed) != 0)) {
      listener_.fn(db, event, key);
    }
  }

 private:
  static uint64_t bit(uint64_t hash) { return uint64_t{1} << shard_of(hash); }

  friend class Shard;
  struct Candidate;
  void sample_db(int db, Candidate& best);

  const Clock& clock_;
  std::vector<std::unique_ptr<Database>> dbs_;
  std::atomic<int64_t> used_bytes_{0};
  std::atomic<EvictionPolicy> policy_{EvictionPolicy::kNoEviction};
  std::atomic<int> samples_{5};
  std::atomic<FrequencySketch*> sketch_{nullptr};
  std::mutex sketches_mutex_;
  // Every sketch ever made (one per width, reused), kept alive so a lookup racing a policy
  // change never reads a freed one. Guarded by sketches_mutex_.
  std::vector<std::unique_ptr<FrequencySketch>> sketches_;
  LazyFreer lazy_;
  static inline const std::atomic<uint32_t> kNoEvents{0};
  KeyEventListener listener_{{}, &kNoEvents, {}};
  ModifiedHook modified_;
};

inline void Shard::report(KeyEvent event, std::string_view key) const {
  store_->report(db_, event, key);
}

// Holds the shards of two keys that may live in different databases (COPY ... DB, MOVE): both
// taken in (database, shard) ascending order, the order TransactionLock follows too.
class PairLock {
 public:
  PairLock(Store& store, int db_a, uint64_t hash_a, int db_b, uint64_t hash_b);
  Shard& first() { return first_; }
  Shard& second() { return second_; }

 private:
  Locked low_, high_;
  Shard& first_;
  Shard& second_;
};

// Freezes Store::now() on this thread for its lifetime (a pipelined batch of commands, as Redis
// caches the time per command batch): one clock read instead of several per command. Nests.
class TimeSnapshot {
 public:
  explicit TimeSnapshot(const Store& store);
  ~TimeSnapshot();
  TimeSnapshot(const TimeSnapshot&) = delete;
  TimeSnapshot& operator=(const TimeSnapshot&) = delete;

 private:
  int64_t previous_;
};

// Holds every shard of a set of databases for a MULTI/EXEC transaction (or chosen shards, for
// a Lua script), taken in (database, shard) ascending order, which extends the
// single-database order. While it lives, locking any
// of those shards again on this thread is a no-op, so the commands it runs need no other locks.
class TransactionLock {
 public:
  TransactionLock(Store& store, const std::vector<bool>& databases);
  // Holds the shards of each database given by `masks` (one bit per shard, one mask per
  // database; a script locks the shards of its declared keys this way), in the same order.
  TransactionLock(Store& store, std::vector<uint64_t> masks);
  // Adds the shards of `mask` in database `db` (a script reaching past its declared keys).
  // Shards after every held one in (database, shard) order are waited for, which keeps the
  // ascending order; the others are only tried, so this never waits out of order. Returns
  // false when one of those was busy (what it took so far stays held until the destructor).
  bool extend(int db, uint64_t mask);
  ~TransactionLock();
  TransactionLock(const TransactionLock&) = delete;
  TransactionLock& operator=(const TransactionLock&) = delete;

 private:
  Store& store_;
  std::vector<uint64_t> held_;  // per database: mask of shards held
};

// The shards of `db` a TransactionLock on this thread holds (a bit per shard).
uint64_t held_shards(int db);
// Whether a TransactionLock lives on this thread.
bool in_transaction();

template <typename Fn>
void Store::for_each_shard(int db, Fn&& fn) {
  for (int i = 0; i < kShards; ++i) {
    ShardGuard lock(*dbs_[db], db, i);
    fn((*dbs_[db])[i]);
  }
}

template <typename Fn>
uint64_t Store::scan(int db, uint64_t cursor, size_t count, Fn&& fn) {
  int shard = static_cast<int>(cursor & (kShards - 1));
  uint64_t bucket = cursor >> kShardBits;
  size_t seen = 0;
  int64_t now = this->now();
  for (size_t steps = 0; seen < count && steps < count * 10 + 10; ++steps) {
    Shard& s = (*dbs_[db])[shard];
    {
      ShardGuard lock(*dbs_[db], db, shard);
      bucket = s.table_.scan(bucket, [&](const Entry* e) {
        if (e->expired(now)) return;
        fn(e);
        ++seen;
      });
    }
    if (bucket == 0 && ++shard == kShards) return 0;
  }
  return (bucket << kShardBits) | static_cast<uint64_t>(shard);
}

}  // namespace cachet::store
