#include "store/eviction.h"

#include <array>
#include <random>

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

bool is_lfu(EvictionPolicy p) {
  return p == EvictionPolicy::kAllKeysLfu || p == EvictionPolicy::kVolatileLfu;
}

bool is_lru(EvictionPolicy p) {
  return p == EvictionPolicy::kAllKeysLru || p == EvictionPolicy::kVolatileLru ||
         p == EvictionPolicy::kAllKeysTinyLfu;
}

}  // namespace

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
  if (is_lru(p)) {
    e->access = static_cast<uint32_t>(now_ms);
  } else if (is_lfu(p)) {
    uint32_t counter = inserted ? kLfuInit : log_increment(decayed_counter(e->access, now_ms));
    e->access = minutes(now_ms) << 8 | counter;
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

}  // namespace cachet::store
