#include "store/eviction.h"

#include <array>
#include <random>
#include <string>

#include "store/store.h"

namespace cachet::store {
namespace {

constexpr uint32_t kLfuInit = 5;        // Redis's LFU_INIT_VAL
constexpr double kLfuLogFactor = 10.0;  // Redis's lfu-log-factor default

uint32_t minutes(int64_t now_ms) { return static_cast<uint32_t>(now_ms / 60000) & 0xFFFF; }

// The LFU counter after decaying one step per minute since it was last touched.
uint32_t decayed_counter(uint32_t access, int64_t now_ms) {
  uint32_t counter = access & 0xFF;
  uint32_t idle = (minutes(now_ms) - (access >> 8)) & 0xFFFF;
  return idle >= counter ? 0 : counter - idle;
}

// Redis's LFULogIncr: the higher the counter, the less likely an access increments it.
uint32_t log_increment(uint32_t counter) {
  if (counter >= 255) return 255;
  thread_local std::mt19937 random{std::random_device{}()};
  double base = counter > kLfuInit ? counter - kLfuInit : 0;
  double p = 1.0 / (base * kLfuLogFactor + 1);
  return std::uniform_real_distribution<double>(0, 1)(random) < p ? counter + 1 : counter;
}

bool is_lru(EvictionPolicy p) {
  return p == EvictionPolicy::kAllKeysLru || p == EvictionPolicy::kVolatileLru ||
         p == EvictionPolicy::kAllKeysTinyLfu;
}

}  // namespace

bool is_lfu(EvictionPolicy p) {
  return p == EvictionPolicy::kAllKeysLfu || p == EvictionPolicy::kVolatileLfu;
}

uint64_t idle_seconds(const Entry* e, int64_t now_ms) {
  return (static_cast<uint32_t>(now_ms) - e->access) / 1000;
}

uint32_t lfu_counter(const Entry* e, int64_t now_ms) { return decayed_counter(e->access, now_ms); }

std::optional<EvictionPolicy> eviction_policy(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, EvictionPolicy>, 9> kNames = {{
      {"noeviction", EvictionPolicy::kNoEviction},
      {"allkeys-lru", EvictionPolicy::kAllKeysLru},
      {"allkeys-lfu", EvictionPolicy::kAllKeysLfu},
      {"allkeys-random", EvictionPolicy::kAllKeysRandom},
      {"volatile-lru", EvictionPolicy::kVolatileLru},
      {"volatile-lfu", EvictionPolicy::kVolatileLfu},
      {"volatile-random", EvictionPolicy::kVolatileRandom},
      {"volatile-ttl", EvictionPolicy::kVolatileTtl},
      {"allkeys-tinylfu", EvictionPolicy::kAllKeysTinyLfu},
  }};
  for (auto [n, p] : kNames) {
    if (n == name) return p;
  }
  return std::nullopt;
}

bool only_volatile(EvictionPolicy p) {
  return p == EvictionPolicy::kVolatileLru || p == EvictionPolicy::kVolatileLfu ||
         p == EvictionPolicy::kVolatileRandom || p == EvictionPolicy::kVolatileTtl;
}

bool tracks_access(EvictionPolicy p) { return is_lru(p) || is_lfu(p); }

void note_access(Entry* e, EvictionPolicy p, int64_t now_ms, bool inserted) {
  if (is_lfu(p)) {
    uint32_t counter = inserted ? kLfuInit : log_increment(decayed_counter(e->access, now_ms));
    e->access = minutes(now_ms) << 8 | counter;
  } else {
    e->access = static_cast<uint32_t>(now_ms);  // LRU, and OBJECT IDLETIME under any policy
  }
}

uint64_t eviction_score(const Entry* e, EvictionPolicy p, int64_t now_ms, uint8_t frequency) {
  uint32_t idle = static_cast<uint32_t>(now_ms) - e->access;
  if (p == EvictionPolicy::kAllKeysTinyLfu) return (uint64_t{255} - frequency) << 32 | idle;
  if (is_lru(p)) return idle;
  if (is_lfu(p)) return 255 - decayed_counter(e->access, now_ms);
  if (p == EvictionPolicy::kVolatileTtl) return UINT64_MAX - static_cast<uint64_t>(e->expire_at());
  return 0;  // random: the first sample is as good as any
}

// Store's eviction: the policy in force and sampling a victim.

void Store::set_eviction(EvictionPolicy policy, int samples, size_t capacity) {
  policy_.store(policy, std::memory_order_relaxed);
  samples_.store(samples, std::memory_order_relaxed);
  FrequencySketch* sketch = nullptr;
  if (policy == EvictionPolicy::kAllKeysTinyLfu && capacity > 0) {
    // One sketch per width, made once and reused (its counts carry over): any CONFIG SET
    // re-applies the policy, and making a new sketch each time grew memory without bound.
    // Widths are powers of two from 2^10 to 2^24, so at most 15 sketches ever exist.
    std::lock_guard lock(sketches_mutex_);
    size_t width = FrequencySketch::width_for(capacity);
    for (const auto& s : sketches_) {
      if (s->width() == width) sketch = s.get();
    }
    if (sketch == nullptr)
      sketch = sketches_.emplace_back(std::make_unique<FrequencySketch>(capacity)).get();
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
    ShardGuard lock(*dbs_[db], db, static_cast<int>(i));
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
  ShardGuard lock(*dbs_[db], db, shard_of(hash));
  if (!shard.erase(key, hash, now())) return;
  ++shard.stats_.evicted;
  shard.report(KeyEvent::kEvicted, key);
}

}  // namespace cachet::store
