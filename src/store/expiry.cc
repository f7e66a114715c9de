// Expiry: one shard's sweep step and the active expiry cycle over a worker's share of shards.
#include <chrono>

#include "store/store.h"

namespace cachet::store {
namespace {

constexpr size_t kExpireBuckets = 32;  // buckets examined per active-expiry step

}  // namespace

std::pair<size_t, size_t> Shard::expire_step(int64_t now, size_t buckets) {
  size_t removed = 0, with_ttl = 0;
  int64_t before = table_.bucket_bytes();
  expire_cursor_ = table_.sweep(
      expire_cursor_, buckets,
      [&](const Entry* e) {
        with_ttl += e->expire_at() != 0;
        return e->expired(now);
      },
      [&](Entry* e) {
        ++removed;
        report(KeyEvent::kExpired, e->key());
        remove(e);
      });
  stats_.expired += removed;
  if (removed > 0) table_.maybe_shrink();
  account(static_cast<int64_t>(table_.bucket_bytes()) - before);
  return {removed, with_ttl};
}

size_t Store::active_expire(int part, int of, std::chrono::microseconds budget) {
  auto deadline = std::chrono::steady_clock::now() + budget;
  int64_t now = this->now();
  size_t total = 0;
  for (int db = 0; db < databases(); ++db) {
    for (int i = part; i < kShards; i += of) {
      Shard& s = (*dbs_[db])[i];
      while (true) {
        // A shard someone holds (a long EXEC or script) is skipped this time: waiting for it
        // would stall every client of this worker behind that transaction.
        std::unique_lock<ShardMutex> lock;
        if (!((held_shards(db) >> i) & 1)) {  // (this thread's own transaction holds it already)
          lock = std::unique_lock(s.mutex_, std::try_to_lock);
          if (!lock.owns_lock()) break;
        }
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
