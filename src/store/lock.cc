// Shard locking: Locked (one command's shards), TransactionLock (EXEC's databases, a script's
// shards) and the thread-local record of what a TransactionLock holds, which every other lock
// site consults.
#include <algorithm>
#include <utility>

#include "store/store.h"

namespace cachet::store {

namespace {
thread_local const std::vector<uint64_t>* t_held = nullptr;  // the thread's TransactionLock
}  // namespace

uint64_t held_shards(int db) { return t_held != nullptr ? (*t_held)[db] : 0; }
bool in_transaction() { return t_held != nullptr; }

namespace {
std::vector<uint64_t> whole_databases(const std::vector<bool>& databases) {
  std::vector<uint64_t> masks(databases.size(), 0);
  for (size_t db = 0; db < databases.size(); ++db) masks[db] = databases[db] ? ~uint64_t{0} : 0;
  return masks;
}
}  // namespace

TransactionLock::TransactionLock(Store& store, const std::vector<bool>& databases)
    : TransactionLock(store, whole_databases(databases)) {}

TransactionLock::TransactionLock(Store& store, std::vector<uint64_t> masks)
    : store_(store), held_(std::move(masks)) {
  held_.resize(store.databases(), 0);
  for (int db = 0; db < store.databases(); ++db) {
    Database& d = *store.dbs_[db];
    for (uint64_t m = held_[db]; m != 0; m &= m - 1) d[__builtin_ctzll(m)].mutex_.lock();
  }
  t_held = &held_;
}

bool TransactionLock::extend(int db, uint64_t mask) {
  // The last held (database, shard): waiting is safe only for shards after it.
  int top_db = -1, top_shard = -1;
  for (int d = static_cast<int>(held_.size()) - 1; d >= 0 && top_db < 0; --d) {
    if (held_[d] != 0) top_db = d, top_shard = 63 - __builtin_clzll(held_[d]);
  }
  Database& d = *store_.dbs_[db];
  for (uint64_t m = mask & ~held_[db]; m != 0; m &= m - 1) {
    int shard = __builtin_ctzll(m);
    ShardMutex& mutex = d[shard].mutex_;
    if (db > top_db || (db == top_db && shard > top_shard)) {
      mutex.lock();
      top_db = db, top_shard = shard;
    } else if (!mutex.try_lock()) {
      return false;
    }
    held_[db] |= uint64_t{1} << shard;
  }
  return true;
}

TransactionLock::~TransactionLock() {
  t_held = nullptr;
  for (int db = store_.databases() - 1; db >= 0; --db) {
    Database& d = *store_.dbs_[db];
    for (uint64_t m = held_[db]; m != 0; m &= m - 1) d[__builtin_ctzll(m)].mutex_.unlock();
  }
}

ShardGuard::ShardGuard(Database& db, int db_index, int shard)
    : lock_(db[shard].mutex_, std::defer_lock) {
  if (!(held_shards(db_index) >> shard & 1)) lock_.lock();
}

PairLock::PairLock(Store& store, int db_a, uint64_t hash_a, int db_b, uint64_t hash_b)
    : low_(*store.dbs_[std::min(db_a, db_b)], std::min(db_a, db_b),
           db_a == db_b ? Store::bit(hash_a) | Store::bit(hash_b)
                        : Store::bit(db_a < db_b ? hash_a : hash_b)),
      high_(*store.dbs_[std::max(db_a, db_b)], std::max(db_a, db_b),
            db_a == db_b ? 0 : Store::bit(db_a < db_b ? hash_b : hash_a)),
      first_((*store.dbs_[db_a])[shard_of(hash_a)]),
      second_((*store.dbs_[db_b])[shard_of(hash_b)]) {}

Locked::Locked(Database& db, int db_index, uint64_t shard_mask)
    : db_(db), mask_(shard_mask & ~held_shards(db_index)) {
  for (uint64_t m = mask_; m != 0; m &= m - 1) db_[__builtin_ctzll(m)].mutex_.lock();
}

Locked::~Locked() {
  for (uint64_t m = mask_; m != 0; m &= m - 1) db_[__builtin_ctzll(m)].mutex_.unlock();
}

}  // namespace cachet::store
