#include "store/store.h"

#include <malloc.h>
#include <xxhash.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <random>
#include <utility>

#include "store/hash.h"
#include "store/list.h"
#include "store/set.h"
#include "store/stream.h"
#include "store/zset.h"

namespace cachet::store {

uint64_t hash_key(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

namespace {
thread_local int64_t t_snapshot = 0;  // the TimeSnapshot's time on this thread; 0: none
}  // namespace

int64_t Store::now() const { return t_snapshot != 0 ? t_snapshot : clock_.now_ms(); }

TimeSnapshot::TimeSnapshot(const Store& store) : previous_(t_snapshot) {
  t_snapshot = store.clock_.now_ms();
}

TimeSnapshot::~TimeSnapshot() { t_snapshot = previous_; }

namespace {

// Value capacity to allocate when the value of `e` grows to `len`. A string doubles below 1 MB
// and adds 1 MB above (like Redis's sds), so repeated APPENDs are amortized O(1). A packed
// container (at most a few KB: its encoding's limit) gets an eighth more, as a listpack is
// reallocated to about its size: doubling measured 392 bytes per 10-item list, Redis 328.
size_t grown_capacity(const Entry* e, size_t len) {
  constexpr size_t kMb = 1024 * 1024;
  if (!e->is_string()) return len + len / 8;
  return len < kMb ? len * 2 : len + kMb;
}

// A value that shrinks below a quarter of its capacity (and by more than this) moves to a
// fitting allocation: a packed container that converted to a heap structure keeps only a
// pointer, and a drained list should not keep its peak size.
constexpr size_t kShrinkSlack = 64;

// Whether freeing `e` costs enough to move it off the request path: a container of more than
// LazyFreer::kThreshold elements in its heap encoding (packed values are one allocation).
bool worth_freeing_lazily(const Entry* e) {
  switch (e->type()) {
    case ValueType::kHashTable:
      return hash::hash_table(e)->size() > LazyFreer::kThreshold;
    case ValueType::kListNodes:
      return list::size(e) > LazyFreer::kThreshold;
    case ValueType::kSetTable:
      return set::size(e) > LazyFreer::kThreshold;
    case ValueType::kZsetTree:
      return zset::size(e) > LazyFreer::kThreshold;
    case ValueType::kStream:
      return stream::of(e)->length() > LazyFreer::kThreshold;
    default:
      return false;
  }
}

}  // namespace

void Shard::account(int64_t delta) {
  bytes_ += delta;
  store_->used_bytes_.fetch_add(delta, std::memory_order_relaxed);
}

void Shard::retire(Entry* e) {
  touch(e->key());
  if (e->expire_at() != 0) --volatile_;
  account(-static_cast<int64_t>(entry_bytes(e)));
}

void Shard::remove(Entry* e) {
  retire(e);
  free_entry(e);
}

const Entry* Shard::peek(std::string_view key, uint64_t hash, int64_t now) const {
  const Entry* e = table_.find(key, static_cast<uint32_t>(hash));
  return e == nullptr || e->expired(now) ? nullptr : e;
}

Entry* Shard::lookup_write(std::string_view key, uint64_t hash, int64_t now) {
  if (FrequencySketch* sketch = store_->sketch()) sketch->increment(hash);
  Entry* e = find_live(key, hash, now);
  if (e != nullptr) note_access(e, store_->eviction_policy(), now, false);
  return e;
}

Entry* Shard::find_live(std::string_view key, uint64_t hash, int64_t now) {
  Entry* e = table_.find(key, static_cast<uint32_t>(hash));
  if (e == nullptr || !e->expired(now)) return e;
  int64_t before = table_.bucket_bytes();
  table_.unlink(key, static_cast<uint32_t>(hash));
  ++stats_.expired;
  report(KeyEvent::kExpired, key);
  remove(e);
  table_.maybe_shrink();
  account(static_cast<int64_t>(table_.bucket_bytes()) - before);
  return nullptr;
}

void Shard::note_put(Entry* e, bool inserted) {
  EvictionPolicy policy = store_->eviction_policy();
  if (tracks_access(policy)) note_access(e, policy, store_->now(), inserted);
}

Entry* Shard::lookup_read(std::string_view key, uint64_t hash, int64_t now) {
  Entry* e = lookup_write(key, hash, now);
  ++(e != nullptr ? stats_.hits : stats_.misses);
  if (e == nullptr) report(KeyEvent::kMiss, key);
  return e;
}

Entry* Shard::put(std::string_view key, uint64_t hash, std::string_view value, int64_t expire_at) {
  touch(key);
  // (An expired entry is deleted first, as Redis's setKey looks the key up.)
  Entry* old = find_live(key, hash, store_->now());
  // Reuse the old allocation when it holds a string, fits without much waste, and has an expiry
  // slot if one is needed.
  if (old != nullptr && old->is_string() && (expire_at == 0 || old->has_expiry_slot())) {
    size_t capacity = value_capacity(old);
    if (capacity >= value.size() && capacity <= 2 * value.size() + 64) {
      if (!value.empty()) std::memcpy(old->value_data(), value.data(), value.size());
      old->set_value_len(value.size());
      old->set_type(ValueType::kString);  // a string as written again
      old = set_expire(old, expire_at);
      note_put(old, false);
      return old;
    }
  }
  return set_expire(insert(key, hash, value, expire_at != 0, old), expire_at);
}

Entry* Shard::add_quietly(std::string_view key, uint64_t hash, std::string_view value) {
  return insert(key, hash, value, false, nullptr);
}

Entry* Shard::insert(std::string_view key, uint64_t hash, std::string_view value, bool expiry_slot,
                     Entry* old) {
  Entry* e = new_entry(key, value, value.size(), expiry_slot);
  note_put(e, true);
  account(static_cast<int64_t>(entry_bytes(e)));
  link_new(e, old, static_cast<uint32_t>(hash));
  return e;
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
  report(KeyEvent::kNew, e->key());
}

bool Shard::erase(std::string_view key, uint64_t hash, int64_t now) {
  Entry* e = lookup_write(key, hash, now);
  if (e == nullptr) return false;
  unlink_shrink(e);
  remove(e);
  return true;
}

bool Shard::erase_lazily(std::string_view key, uint64_t hash, int64_t now) {
  Entry* e = lookup_write(key, hash, now);
  if (e == nullptr) return false;
  unlink_shrink(e);
  if (!worth_freeing_lazily(e)) {
    remove(e);
    return true;
  }
  retire(e);
  store_->lazy_.free_later(e);
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
  // Each shard accounts for what it holds (Shard::clear relies on it): the value's heap part
  // leaves `from` with the old shell and arrives here with the new one.
  from.account(-static_cast<int64_t>(entry_bytes(src)));
  account(static_cast<int64_t>(entry_bytes(moved)));
  std::free(src);  // only the old shell: the value's heap part now belongs to `moved`
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
  return reencode_value(e, len);
}

Entry* Shard::reencode_value(Entry* e, size_t len) {
  size_t capacity = value_capacity(e);
  if (len > capacity) {
    e = reallocate(e, grown_capacity(e, len), e->has_expiry_slot());
  } else if (len + kShrinkSlack < capacity / 4) {
    e->set_value_len(len);  // reallocate() copies the value: only what stays
    return reallocate(e, len, e->has_expiry_slot());
  }
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

void Shard::clear(bool lazily) {
  for (const auto& [key, flags] : watchers_) {  // like Redis: only keys the flush deletes
    if (table_.find(key, static_cast<uint32_t>(hash_key(key))) != nullptr) touch_watchers(key);
  }
  if (lazily && table_.size() > 0) {
    store_->lazy_.free_later(table_.take());
  } else {
    table_.clear();
  }
  volatile_ = 0;
  account(-bytes_);  // every byte this shard accounted for was its table's or its entries'
}

Store::Store(const Clock& clock, int databases) : clock_(clock) {
  for (int i = 0; i < databases; ++i) {
    dbs_.push_back(std::make_unique<Database>());
    for (Shard& shard : *dbs_.back()) {
      shard.store_ = this;
      shard.modified_ = &modified_;
      shard.db_ = i;
    }
  }
}

void Store::set_key_event_listener(KeyEventListener listener) { listener_ = std::move(listener); }

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

void Store::flush(int db, bool lazily) {
  for_each_shard(db, [&](Shard& s) { s.clear(lazily); });
}

void Store::flush_all(bool lazily) {
  for (int db = 0; db < databases(); ++db) flush(db, lazily);
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
    ShardGuard lock(*dbs_[db], db, static_cast<int>(i));
    const Entry* e = s.table_.random_entry(random);
    if (e != nullptr && !e->expired(now)) return std::string(e->key());
  }
  // Mostly expired keys: the first live one will do.
  std::optional<std::string> found;
  for_each_shard(db, [&](Shard& s) {
    s.table_.for_each([&](const Entry* e) {
      if (!found && !e->expired(now)) found = std::string(e->key());
    });
  });
  return found;
}

}  // namespace cachet::store
