// maxmemory eviction policies, with Redis's names and semantics: each eviction samples a few
// keys (maxmemory-samples) and deletes the best candidate by the policy's score.
//
// Every entry carries 32 bits of access metadata, updated on each lookup:
// - every policy but LFU: the low 32 bits of the access time in milliseconds.
// - LFU policies: Redis's logarithmic counter (8 bits, new keys start at 5, lfu-log-factor 10)
//   and the minute it last decayed (16 bits); the counter loses one per idle minute.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "store/entry.h"

namespace cachet::store {

enum class EvictionPolicy : uint8_t {
  kNoEviction,
  kAllKeysLru,
  kAllKeysLfu,
  kAllKeysRandom,
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
  // cachet's own: sampled eviction of the key with the lowest TinyLFU frequency estimate (a
  // sketch that also counts lookups of keys not in the cache), ties broken by idle time.
  kAllKeysTinyLfu,
};

std::optional<EvictionPolicy> eviction_policy(std::string_view name);
bool only_volatile(EvictionPolicy p);
// Whether `p` reads access metadata (LRU and LFU policies).
bool tracks_access(EvictionPolicy p);

// Updates `e`'s access metadata for an access at `now_ms` (a new key when `inserted`).
void note_access(Entry* e, EvictionPolicy p, int64_t now_ms, bool inserted);
// How good a victim `e` is under `p` at `now_ms`: the higher, the sooner it goes. `frequency` is
// the sketch's estimate for the key (allkeys-tinylfu only).
uint64_t eviction_score(const Entry* e, EvictionPolicy p, int64_t now_ms, uint8_t frequency);
// Whether `p` is an LFU policy (access metadata holds a counter, not a time).
bool is_lfu(EvictionPolicy p);
// Seconds since `e` was last accessed (requires a non-LFU policy).
uint64_t idle_seconds(const Entry* e, int64_t now_ms);
// The LFU counter of `e`, decayed to `now_ms` (requires an LFU policy).
uint32_t lfu_counter(const Entry* e, int64_t now_ms);

}  // namespace cachet::store
