#include "store/store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>

namespace cachet::store {
namespace {

using namespace std::chrono_literals;

void put(Store& s, const std::string& key, const std::string& value, int64_t expire_at = 0) {
  uint64_t h = hash_key(key);
  auto lock = s.lock(0, h);
  lock.shard(h).put(key, h, value, expire_at);
}

bool exists(Store& s, const std::string& key) {
  uint64_t h = hash_key(key);
  auto lock = s.lock(0, h);
  return lock.shard(h).lookup_write(key, h, s.now()) != nullptr;
}

TEST(Store, PutFindOverwrite) {
  ManualClock clock;
  Store s(clock);
  put(s, "a", "1");
  put(s, "a", std::string(1000, 'x'));
  uint64_t h = hash_key("a");
  auto lock = s.lock(0, h);
  EXPECT_EQ(lock.shard(h).lookup_write("a", h, s.now())->value(), std::string(1000, 'x'));
}

TEST(Store, DatabasesAreSeparate) {
  ManualClock clock;
  Store s(clock);
  put(s, "a", "1");
  EXPECT_EQ(s.dbsize(0), 1u);
  EXPECT_EQ(s.dbsize(1), 0u);
}

TEST(Store, LazyExpiryOnAccess) {
  ManualClock clock;
  Store s(clock);
  put(s, "a", "1", clock.now_ms() + 1000);
  EXPECT_TRUE(exists(s, "a"));
  clock.advance(1001ms);
  EXPECT_FALSE(exists(s, "a"));
  EXPECT_EQ(s.stats().expired, 1u);
  EXPECT_EQ(s.dbsize(0), 0u);
}

// Many short-TTL keys: once they expire, the active sweep alone (no access) brings DBSIZE to
// zero and gives the memory back.
TEST(Store, ActiveExpiryFreesMemory) {
  ManualClock clock;
  Store s(clock);
  put(s, "persistent", "stays");
  int64_t baseline = s.used_bytes();
  for (int i = 0; i < 100000; ++i) put(s, "k" + std::to_string(i), "value", clock.now_ms() + 100);
  int64_t loaded = s.used_bytes();
  EXPECT_GT(loaded, baseline + 100000 * 32);
  EXPECT_EQ(s.volatile_count(0), 100000u);

  EXPECT_EQ(s.active_expire(0, 1, 10s), 0u);  // nothing has expired yet
  clock.advance(101ms);
  size_t removed = 0;
  for (int cycle = 0; cycle < 1000 && s.dbsize(0) > 1; ++cycle) {
    removed += s.active_expire(0, 1, 10s);
  }
  EXPECT_EQ(removed, 100000u);
  EXPECT_EQ(s.dbsize(0), 1u);
  EXPECT_EQ(s.volatile_count(0), 0u);
  EXPECT_EQ(s.stats().expired, 100000u);
  // Tables shrink incrementally: the next expiry cycles finish moving and free the old arrays.
  for (int cycle = 0; cycle < 100; ++cycle) s.active_expire(0, 1, 10s);
  EXPECT_LT(s.used_bytes(), baseline + 64 * 1024);  // only near-empty bucket arrays remain
  EXPECT_TRUE(exists(s, "persistent"));
}

TEST(Store, ActiveExpirySplitsShardsBetweenWorkers) {
  ManualClock clock;
  Store s(clock);
  for (int i = 0; i < 1000; ++i) put(s, "k" + std::to_string(i), "v", clock.now_ms() + 1);
  clock.advance(2ms);
  size_t removed = 0;
  for (int cycle = 0; cycle < 100; ++cycle) {
    removed += s.active_expire(0, 2, 10s) + s.active_expire(1, 2, 10s);
  }
  EXPECT_EQ(removed, 1000u);
}

TEST(Store, ScanVisitsEveryKeyOnce) {
  ManualClock clock;
  Store s(clock);
  for (int i = 0; i < 5000; ++i) put(s, "k" + std::to_string(i), "v");
  std::set<std::string> seen;
  uint64_t cursor = 0;
  size_t calls = 0;
  do {
    cursor = s.scan(0, cursor, 100, [&](const Entry* e) { seen.emplace(e->key()); });
    ++calls;
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 5000u);
  EXPECT_GT(calls, 10u);
}

TEST(Store, FlushAndRandomKey) {
  ManualClock clock;
  Store s(clock);
  EXPECT_FALSE(s.random_key(0).has_value());
  put(s, "only", "v");
  EXPECT_EQ(s.random_key(0), "only");
  s.flush_all();
  EXPECT_EQ(s.dbsize(0), 0u);
  EXPECT_EQ(s.used_bytes(), 0);
}

TEST(Store, ResizeValueKeepsKeyAndTtl) {
  ManualClock clock;
  Store s(clock);
  put(s, "k", "ab", clock.now_ms() + 5000);
  uint64_t h = hash_key("k");
  auto lock = s.lock(0, h);
  Shard& shard = lock.shard(h);
  Entry* e = shard.resize_value(shard.lookup_write("k", h, s.now()), 100000);
  EXPECT_EQ(e->value_len(), 100000u);
  EXPECT_EQ(e->value().substr(0, 2), "ab");
  EXPECT_EQ(shard.lookup_write("k", h, s.now()), e);
  EXPECT_EQ(e->expire_at(), clock.now_ms() + 5000);
}

// Compact entries (16-byte header) hold keys up to 255 bytes and values up to 65535; beyond
// either, an entry is wide. Growing a compact value past 65535 moves it to a wide entry.
TEST(Entry, CompactAndWideLayouts) {
  std::string long_key(256, 'k'), big(70000, 'v');
  Entry* small = new_entry("key:0000000001", "0123456789abcdef", 16);
  EXPECT_FALSE(small->wide());
  EXPECT_LE(entry_bytes(small), 48u);  // one 48-byte allocation class
  EXPECT_LE(value_capacity(small), Entry::kMaxCompactValue);
  Entry* by_key = new_entry(long_key, "v", 1, true);
  Entry* by_value = new_entry("k", big, big.size());
  for (Entry* e : {by_key, by_value}) EXPECT_TRUE(e->wide());
  EXPECT_EQ(by_key->key(), long_key);
  EXPECT_EQ(by_key->value(), "v");
  by_key->store_expire_at(123);
  EXPECT_EQ(by_key->expire_at(), 123);
  EXPECT_EQ(by_key->key(), long_key);  // the expiry slot sits after the lengths
  EXPECT_EQ(by_value->value(), big);
  by_value->set_value_len(69999);
  EXPECT_EQ(by_value->value().size(), 69999u);
  for (Entry* e : {small, by_key, by_value}) free_entry(e);
}

TEST(Store, ValueGrowsFromCompactToWide) {
  ManualClock clock;
  Store s(clock);
  put(s, "k", std::string(65000, 'a'), clock.now_ms() + 5000);
  uint64_t h = hash_key("k");
  auto lock = s.lock(0, h);
  Shard& shard = lock.shard(h);
  Entry* e = shard.lookup_write("k", h, s.now());
  EXPECT_FALSE(e->wide());
  e = shard.resize_value(e, 65535);
  e = shard.resize_value(e, 65536);
  EXPECT_TRUE(e->wide());
  EXPECT_EQ(e->value_len(), 65536u);
  EXPECT_EQ(e->value().substr(0, 65000), std::string(65000, 'a'));
  EXPECT_EQ(e->key(), "k");
  EXPECT_EQ(e->expire_at(), clock.now_ms() + 5000);
  e = shard.resize_value(e, 10);  // shrinking keeps it wide (and in place)
  EXPECT_EQ(e->value(), std::string(10, 'a'));
}

}  // namespace
}  // namespace cachet::store

namespace cachet::store {
namespace {

TEST(Store, TransactionLockMakesNestedLocksNoOps) {
  ManualClock clock;
  Store s(clock);
  std::vector<bool> dbs(s.databases(), false);
  dbs[0] = dbs[3] = true;
  {
    TransactionLock held(s, dbs);
    EXPECT_EQ(held_shards(0), ~uint64_t{0});
    EXPECT_EQ(held_shards(1), 0u);
    put(s, "a", "1");            // would self-deadlock if it locked again
    EXPECT_EQ(s.dbsize(0), 1u);  // for_each_shard skips held shards too
    EXPECT_EQ(s.random_key(0), "a");
  }
  EXPECT_EQ(held_shards(0), 0u);
  std::thread other([&] { put(s, "b", "2"); });  // released: another thread may lock
  other.join();
  EXPECT_EQ(s.dbsize(0), 2u);
}

TEST(Store, WatchFlagSetByWritesDeletesAndExpiry) {
  ManualClock clock;
  Store s(clock);
  uint64_t h = hash_key("k");
  auto watch = [&] {
    auto flag = std::make_shared<WatchFlag>();
    auto lock = s.lock(0, h);
    lock.shard(h).watch("k", flag);
    return flag;
  };
  auto unwatch = [&](const std::shared_ptr<WatchFlag>& flag) {
    auto lock = s.lock(0, h);
    lock.shard(h).unwatch("k", flag.get());
  };
  auto f1 = watch();
  put(s, "other", "x");
  EXPECT_FALSE(f1->dirty);
  put(s, "k", "v", clock.now_ms() + 10);
  EXPECT_TRUE(f1->dirty);
  unwatch(f1);
  auto f2 = watch();
  clock.advance(std::chrono::milliseconds(11));
  EXPECT_FALSE(exists(s, "k"));  // the lazy expiry deletes it, which counts as a change
  EXPECT_TRUE(f2->dirty);
  unwatch(f2);
  auto f3 = watch();
  s.flush(0);  // "k" is gone already: a flush that deletes nothing watched changes nothing
  EXPECT_FALSE(f3->dirty);
  unwatch(f3);
}

}  // namespace
}  // namespace cachet::store

namespace cachet::store {
namespace {

// Regression: every CONFIG SET re-applies the policy, and each used to allocate a new sketch
// (up to 64 MB) that was never freed.
TEST(Eviction, ReappliedTinyLfuPolicyReusesItsSketch) {
  ManualClock clock;
  Store s(clock);
  s.set_eviction(EvictionPolicy::kAllKeysTinyLfu, 5, 100000);
  FrequencySketch* first = s.sketch();
  ASSERT_NE(first, nullptr);
  for (int i = 0; i < 20; ++i) s.set_eviction(EvictionPolicy::kAllKeysTinyLfu, 5, 100000);
  EXPECT_EQ(s.sketch(), first);
  s.set_eviction(EvictionPolicy::kAllKeysTinyLfu, 5, 120000);  // same width: same sketch
  EXPECT_EQ(s.sketch(), first);
  s.set_eviction(EvictionPolicy::kAllKeysLru, 5, 100000);
  EXPECT_EQ(s.sketch(), nullptr);
  s.set_eviction(EvictionPolicy::kAllKeysTinyLfu, 5, 100000);
  EXPECT_EQ(s.sketch(), first);
  s.set_eviction(EvictionPolicy::kAllKeysTinyLfu, 5, 1000000);
  EXPECT_NE(s.sketch(), first);
}

TEST(Eviction, LruEvictsTheIdlestSampledKey) {
  ManualClock clock;
  Store s(clock, 1);
  // Sampling is random: 1024 samples over 20 keys miss the idlest one with probability
  // (19/20)^1024 < 1e-22, so the test is deterministic in practice (64 samples missed it 4% of
  // the time).
  s.set_eviction(EvictionPolicy::kAllKeysLru, 1024, 1000);
  for (int i = 0; i < 20; ++i) {
    put(s, "k" + std::to_string(i), "v");
    clock.advance(std::chrono::milliseconds(10));
  }
  for (int i = 1; i < 20; ++i) exists(s, "k" + std::to_string(i));  // all but k0 are fresh
  ASSERT_EQ(s.evict_one(), Store::Eviction::kEvicted);
  EXPECT_FALSE(exists(s, "k0"));
  EXPECT_EQ(s.dbsize(0), 19u);
  EXPECT_EQ(s.stats().evicted, 1u);
}

TEST(Eviction, LfuKeepsFrequentKeys) {
  ManualClock clock;
  Store s(clock, 1);
  s.set_eviction(EvictionPolicy::kAllKeysLfu, 64, 1000);
  put(s, "hot", "v");
  for (int i = 0; i < 1000; ++i) exists(s, "hot");
  for (int i = 0; i < 30; ++i) put(s, "cold" + std::to_string(i), "v");
  for (int i = 0; i < 30; ++i) ASSERT_EQ(s.evict_one(), Store::Eviction::kEvicted);
  EXPECT_TRUE(exists(s, "hot"));
  EXPECT_EQ(s.dbsize(0), 1u);
}

TEST(Eviction, VolatilePoliciesOnlyTouchKeysWithTtl) {
  ManualClock clock;
  Store s(clock, 1);
  s.set_eviction(EvictionPolicy::kVolatileTtl, 5, 1000);
  put(s, "persistent", "v");
  put(s, "later", "v", clock.now_ms() + 100000);
  put(s, "sooner", "v", clock.now_ms() + 1000);
  s.set_eviction(EvictionPolicy::kVolatileTtl, 64, 1000);
  ASSERT_EQ(s.evict_one(), Store::Eviction::kEvicted);
  EXPECT_FALSE(exists(s, "sooner"));
  ASSERT_EQ(s.evict_one(), Store::Eviction::kEvicted);
  EXPECT_EQ(s.evict_one(), Store::Eviction::kNoVictim);  // only a key without TTL is left
  EXPECT_TRUE(exists(s, "persistent"));
  s.set_eviction(EvictionPolicy::kNoEviction, 5, 1000);
  EXPECT_EQ(s.evict_one(), Store::Eviction::kNoVictim);
}

}  // namespace
}  // namespace cachet::store
