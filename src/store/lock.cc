// Shard locking: Locked (one command's shards), TransactionLock (EXEC's databases) and the
// thread-local record of what a TransactionLock holds, which every other lock site consults.
#include <algorithm>

#include "store/store.h"

namespace cachet::store {

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
