#include "store/store.h"

#include <malloc.h>
#include <xxhash.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <random>

namespace cachet::store {

uint64_t hash_key(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

namespace {

constexpr size_t kExpireBuckets = 32;  // buckets examined per active-expiry step

// Value capacity to allocate when a value grows to `len`: doubling below 1 MB, +1 MB above
// (like Redis's sds), so repeated APPENDs are amortized O(1).
size_t grown_capacity(size_t len) {
  constexpr size_t kMb = 1024 * 1024;
  return len < kMb ? len * 2 : len + kMb;
}

bool expired(const Entry* e, int64_t now) {
  int64_t at = e->expire_at();
  return at != 0 && at <= now;
}

}  // namespace

void Shard::account(int64_t delta) {
  store_->used_bytes_.fetch_add(delta, std::memory_order_relaxed);
}

void Shard::remove(Entry* e) {
  touch(e->key());
  if (e->expire_at() != 0) --volatile_;
  account(-static_cast<int64_t>(entry_bytes(e)));
  free_entry(e);
}

Entry* Shard::find(std::string_view key, uint64_t hash, int64_t now) {
  if (FrequencySketch* sketch = store_->sketch()) sketch->increment(hash);
  Entry* e = table_.find(key, static_cast<uint32_t>(hash));
  if (e == nullptr) return nullptr;
  if (!expired(e, now)) {
    note_access(e, store_->eviction_policy(), now, false);
    return e;
  }
  int64_t before = table_.bucket_bytes();
  table_.unlink(key, static_cast<uint32_t>(hash));
  ++stats_.expired;
  remove(e);
  table_.maybe_shrink();
  account(static_cast<int64_t>(table_.bucket_bytes()) - before);
  return nullptr;
}

void Shard::note_put(Entry* e, bool inserted) {
  EvictionPolicy policy = store_->eviction_policy();
  if (tracks_access(policy)) note_access(e, policy, store_->now(), inserted);
}

Entry* Shard::find_read(std::string_view key, uint64_t hash, int64_t now) {
  Entry* e = find(key, hash, now);
  ++(e != nullptr ? stats_.hits : stats_.misses);
  return e;
}

Entry* Shard::put(std::string_view key, uint64_t hash, std::string_view value, int64_t expire_at) {
  touch(key);
  Entry* old = table_.find(key, static_cast<uint32_t>(hash));
  // Reuse the old allocation when it holds a string, fits without much waste, and has an expiry
  // slot if one is needed.
  if (old != nullptr && old->is_string() && (expire_at == 0 || old->has_expiry_slot())) {
    size_t capacity = value_capacity(old);
    if (capacity >= value.size() && capacity <= 2 * value.size() + 64) {
      if (!value.empty()) std::memcpy(old->value_data(), value.data(), value.size());
      old->set_value_len(value.size());
      old = set_expire(old, expire_at);
      note_put(old, false);
      return old;
    }
  }
  Entry* e = new_entry(key, value, value.size(), expire_at != 0);
  note_put(e, true);
  account(static_cast<int64_t>(entry_bytes(e)));
  link_new(e, old, static_cast<uint32_t>(hash));
  return set_expire(e, expire_at);
}

void Shard::link_new(Entry* e, Entry* old, uint32_t hash) {
  if (old != nullptr) {
    table_.replace(old, e, hash);
    remove(old);
    return;
  }
  int64_t before = table_.bucket_bytes();
  table_.insert(e, hash);
  account(static_cast<int64_t>(table_.bucket_bytes()) - before);
}

bool Shard::erase(std::string_view key, uint64_t hash, int64_t now) {
  Entry* e = find(key, hash, now);
  if (e == nullptr) return false;
  unlink_shrink(e);
  remove(e);
  return true;
}

void Shard::unlink_shrink(Entry* e) {
  int64_t before = table_.bucket_bytes();
  table_.unlink(e->key(), hash32(e->key()));
  table_.maybe_shrink();
  account(static_cast<int64_t>(table_.bucket_bytes()) - before);
}

void Shard::move_here(Shard& from, Entry* src, std::string_view key, uint64_t hash) {
  from.touch(src->key());
  touch(key);
  from.unlink_shrink(src);
  int64_t expire_at = src->expire_at();
  if (expire_at != 0) --from.volatile_;
  Entry* moved = new_entry(key, src->value(), src->value_len(), expire_at != 0);
  moved->set_type(src->type());
  moved->access = src->access;
  account(static_cast<int64_t>(malloc_usable_size(moved)) -
          static_cast<int64_t>(malloc_usable_size(src)));
  std::free(src);  // only the old shell: the value (a hash's field table) now belongs to `moved`
  link_new(moved, table_.find(key, static_cast<uint32_t>(hash)), static_cast<uint32_t>(hash));
  (void)set_expire(moved, expire_at);  // it has its slot already, so it stays in place
}

Entry* Shard::set_expire(Entry* e, int64_t expire_at) {
  touch(e->key());
  volatile_ += (expire_at != 0) - (e->expire_at() != 0);
  if (expire_at != 0 && !e->has_expiry_slot()) e = reallocate(e, value_capacity(e), true);
  if (e->has_expiry_slot()) e->store_expire_at(expire_at);
  return e;
}

Entry* Shard::resize_value(Entry* e, size_t len) {
  touch(e->key());
  if (len > value_capacity(e)) e = reallocate(e, grown_capacity(len), e->has_expiry_slot());
  e->set_value_len(len);
  return e;
}

Entry* Shard::reallocate(Entry* e, size_t capacity, bool expiry_slot) {
  Entry* moved = new_entry(e->key(), e->value(), capacity, expiry_slot);
  if (expiry_slot) moved->store_expire_at(e->expire_at());
  moved->access = e->access;
  moved->set_type(e->type());
  // Only the shells differ: a hash's field table moves along with the value bytes.
  account(static_cast<int64_t>(malloc_usable_size(moved)) -
          static_cast<int64_t>(malloc_usable_size(e)));
  table_.replace(e, moved, hash32(e->key()));
  std::free(e);
  return moved;
}

void Shard::clear() {
  for (const auto& [key, flags] : watchers_) {  // like Redis: only keys the flush deletes
    if (table_.find(key, static_cast<uint32_t>(hash_key(key))) != nullptr) touch_watchers(key);
  }
  int64_t bytes = table_.bucket_bytes();
  table_.for_each([&](const Entry* e) { bytes += static_cast<int64_t>(entry_bytes(e)); });
  table_.clear();
  volatile_ = 0;
  account(-bytes);
}

std::pair<size_t, size_t> Shard::expire_step(int64_t now, size_t buckets) {
  size_t removed = 0, with_ttl = 0;
  int64_t before = table_.bucket_bytes();
  expire_cursor_ = table_.sweep(
      expire_cursor_, buckets,
      [&](const Entry* e) {
        with_ttl += e->expire_at() != 0;
        return expired(e, now);
      },
      [&](Entry* e) {
        ++removed;
        remove(e);
      });
  stats_.expired += removed;
  if (removed > 0) table_.maybe_shrink();
  account(static_cast<int64_t>(table_.bucket_bytes()) - before);
  return {removed, with_ttl};
}

namespace {
thread_local const std::vector<uint64_t>* t_held = nullptr;  // the thread's TransactionLock
}  // namespace

uint64_t held_shards(int db) { return t_held != nullptr ? (*t_held)[db] : 0; }
bool in_transaction() { return t_held != nullptr; }

TransactionLock::TransactionLock(Store& store, const std::vector<bool>& databases)
    : store_(store), held_(store.databases(), 0) {
  for (int db = 0; db < store.databases(); ++db) {
    if (!databases[db]) continue;
    for (Shard& shard : *store.dbs_[db]) shard.mutex_.lock();
    held_[db] = ~uint64_t{0};
  }
  t_held = &held_;
}

TransactionLock::~TransactionLock() {
  t_held = nullptr;
  for (int db = store_.databases() - 1; db >= 0; --db) {
    if (held_[db] == 0) continue;
    for (Shard& shard : *store_.dbs_[db]) shard.mutex_.unlock();
  }
}

void Shard::watch(std::string_view key, std::shared_ptr<WatchFlag> flag) {
  auto it = watchers_.find(key);
  if (it == watchers_.end()) it = watchers_.emplace(std::string(key), 0).first;
  it->second.push_back(std::move(flag));
}

void Shard::unwatch(std::string_view key, const WatchFlag* flag) {
  auto it = watchers_.find(key);
  if (it == watchers_.end()) return;
  auto& flags = it->second;
  std::erase_if(flags, [&](const auto& f) { return f.get() == flag; });
  if (flags.empty()) watchers_.erase(it);
}

void Shard::touch_watchers(std::string_view key) {
  auto it = watchers_.find(key);
  if (it == watchers_.end()) return;
  for (const auto& flag : it->second) flag->dirty.store(true, std::memory_order_relaxed);
}

Locked::Locked(Database& db, int db_index, uint64_t shard_mask)
    : db_(db), mask_(shard_mask & ~held_shards(db_index)) {
  for (uint64_t m = mask_; m != 0; m &= m - 1) db_[__builtin_ctzll(m)].mutex_.lock();
}

Locked::~Locked() {
  for (uint64_t m = mask_; m != 0; m &= m - 1) db_[__builtin_ctzll(m)].mutex_.unlock();
}

Store::Store(const Clock& clock, int databases) : clock_(clock) {
  for (int i = 0; i < databases; ++i) {
    dbs_.push_back(std::make_unique<Database>());
    for (Shard& shard : *dbs_.back()) shard.store_ = this;
  }
}

Locked Store::lock(int db, std::span<const uint64_t> hashes) {
  uint64_t mask = 0;
  for (uint64_t h : hashes) mask |= bit(h);
  return Locked(*dbs_[db], db, mask);
}

size_t Store::dbsize(int db) {
  size_t n = 0;
  for_each_shard(db, [&](Shard& s) { n += s.size(); });
  return n;
}

size_t Store::volatile_count(int db) {
  size_t n = 0;
  for_each_shard(db, [&](Shard& s) { n += s.volatile_count(); });
  return n;
}

void Store::flush(int db) {
  for_each_shard(db, [](Shard& s) { s.clear(); });
}

void Store::flush_all() {
  for (int db = 0; db < databases(); ++db) flush(db);
}

ShardStats Store::stats() {
  ShardStats total;
  for (int db = 0; db < databases(); ++db) {
    for_each_shard(db, [&](Shard& s) {
      total.hits += s.stats().hits;
      total.misses += s.stats().misses;
      total.expired += s.stats().expired;
      total.evicted += s.stats().evicted;
    });
  }
  return total;
}

void Store::reset_stats() {
  for (int db = 0; db < databases(); ++db) for_each_shard(db, [](Shard& s) { s.stats_ = {}; });
}

std::optional<std::string> Store::random_key(int db) {
  thread_local std::mt19937_64 random{std::random_device{}()};
  int64_t now = this->now();
  for (int attempt = 0; attempt < 16; ++attempt) {
    // Pick a shard with probability proportional to its size, then an entry within it.
    std::array<size_t, kShards> sizes{};
    size_t total = 0;
    for_each_shard(db, [&](Shard& s) { total += sizes[&s - dbs_[db]->data()] = s.size(); });
    if (total == 0) return std::nullopt;
    size_t pick = random() % total, i = 0;
    while (pick >= sizes[i]) pick -= sizes[i++];
    Shard& s = (*dbs_[db])[i];
    std::unique_lock lock(s.mutex_, std::defer_lock);
    if (!(held_shards(db) >> i & 1)) lock.lock();
    const Entry* e = s.table_.random_entry(random);
    if (e != nullptr && !expired(e, now)) return std::string(e->key());
  }
  // Mostly expired keys: the first live one will do.
  std::optional<std::string> found;
  for_each_shard(db, [&](Shard& s) {
    s.table_.for_each([&](const Entry* e) {
      if (!found && !expired(e, now)) found = std::string(e->key());
    });
  });
  return found;
}

void Store::set_eviction(EvictionPolicy policy, int samples, size_t capacity) {
  policy_.store(policy, std::memory_order_relaxed);
  samples_.store(samples, std::memory_order_relaxed);
  FrequencySketch* sketch = nullptr;
  if (policy == EvictionPolicy::kAllKeysTinyLfu && capacity > 0) {
    std::lock_guard lock(sketches_mutex_);
    sketches_.push_back(std::make_unique<FrequencySketch>(capacity));
    sketch = sketches_.back().get();
  }
  sketch_.store(sketch, std::memory_order_release);
}

struct Store::Candidate {
  bool found = false;
  uint64_t score = 0;
  uint8_t frequency = 0;
  int db = 0;
  uint64_t hash = 0;
  std::string key;
};

// Samples keys of `db` (shards picked in proportion to their size) into `best`.
void Store::sample_db(int db, Candidate& best) {
  thread_local std::mt19937_64 random{std::random_device{}()};
  EvictionPolicy policy = eviction_policy();
  std::array<size_t, kShards> sizes{};
  size_t total = 0;
  for (int i = 0; i < kShards; ++i) total += sizes[i] = (*dbs_[db])[i].table_.size();
  if (total == 0) return;
  int64_t now = this->now();
  for (int n = samples_.load(std::memory_order_relaxed); n > 0; --n) {
    size_t pick = random() % total, i = 0;
    while (i + 1 < kShards && pick >= sizes[i]) pick -= sizes[i++];
    Shard& shard = (*dbs_[db])[i];
    std::lock_guard lock(shard.mutex_);
    const Entry* e = shard.table_.random_entry(random);
    // volatile-*: retry a few times for a key with a TTL.
    for (int retry = 0; e != nullptr && only_volatile(policy) && e->expire_at() == 0 && retry < 16;
         ++retry) {
      e = shard.table_.random_entry(random);
    }
    if (e == nullptr || (only_volatile(policy) && e->expire_at() == 0)) continue;
    uint64_t hash = hash_key(e->key());
    FrequencySketch* sketch = this->sketch();
    uint8_t frequency = sketch ? sketch->estimate(hash) : 0;
    uint64_t score = eviction_score(e, policy, now, frequency);
    if (best.found && score <= best.score) continue;
    best = {true, score, frequency, db, hash, std::string(e->key())};
  }
}

Store::Eviction Store::evict_one(std::optional<uint64_t> incoming) {
  if (eviction_policy() == EvictionPolicy::kNoEviction) return Eviction::kNoVictim;
  Candidate best;
  for (int db = 0; db < databases(); ++db) sample_db(db, best);
  if (!best.found) return Eviction::kNoVictim;
  FrequencySketch* sketch = this->sketch();
  if (sketch != nullptr && incoming && sketch->estimate(*incoming) <= best.frequency) {
    return Eviction::kRejectIncoming;
  }
  evict_key(best.db, best.key, best.hash);
  return Eviction::kEvicted;  // if another client deleted it first, memory fell all the same
}

bool Store::contains(int db, std::string_view key, uint64_t hash) {
  Shard& shard = (*dbs_[db])[shard_of(hash)];
  std::unique_lock lock(shard.mutex_, std::defer_lock);
  if (!(held_shards(db) >> shard_of(hash) & 1)) lock.lock();
  return shard.table_.find(key, static_cast<uint32_t>(hash)) != nullptr;
}

void Store::evict_key(int db, std::string_view key, uint64_t hash) {
  Shard& shard = (*dbs_[db])[shard_of(hash)];
  std::lock_guard lock(shard.mutex_);
  if (shard.erase(key, hash, now())) ++shard.stats_.evicted;
}

size_t Store::active_expire(int part, int of, std::chrono::microseconds budget) {
  auto deadline = std::chrono::steady_clock::now() + budget;
  int64_t now = this->now();
  size_t total = 0;
  for (int db = 0; db < databases(); ++db) {
    for (int i = part; i < kShards; i += of) {
      Shard& s = (*dbs_[db])[i];
      while (true) {
        std::lock_guard lock(s.mutex_);
        // (A shard without TTLs still gets a step while its table resizes, to finish it.)
        if (s.volatile_ == 0 && !s.table_.resizing()) break;
        auto [removed, with_ttl] = s.expire_step(now, kExpireBuckets);
        total += removed;
        // Keep sweeping this shard while over a quarter of what we sampled had expired.
        if (removed * 4 <= with_ttl || with_ttl == 0) break;
        if (std::chrono::steady_clock::now() > deadline) return total;
      }
    }
  }
  return total;
}

}  // namespace cachet::store
