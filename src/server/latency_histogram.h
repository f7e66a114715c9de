// A histogram of command durations with the bucket layout of the HdrHistogram Redis 7.0 keeps per
// command (values in nanoseconds from 1 ns to 1 s, 2 significant digits), so the percentiles of
// INFO latencystats and the buckets of LATENCY HISTOGRAM come out as Redis's do.
//
// Layout: counters 0..255 hold the values below 256 one by one; above that, bucket b (1..22)
// holds the values of 8 + b bits in 128 counters of 2^b ns each: 3072 counters in all.
//
// Thread-safety: one writer (the thread that owns it) and any number of readers; counters are
// relaxed atomics, so a reader may see a sample in the total but not yet in its bucket (or the
// reverse), never a torn count.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <utility>
#include <vector>

namespace cachet::server {

class LatencyHistogram {
 public:
  static constexpr int64_t kMinValue = 1;              // ns; smaller samples count as this
  static constexpr int64_t kMaxValue = 1'000'000'000;  // ns; larger samples count as this
  static constexpr int kSubBucketHalfMagnitude = 7;
  static constexpr int kSubBucketHalf = 1 << kSubBucketHalfMagnitude;  // 128
  static constexpr int kBuckets = 23;
  static constexpr int kCounters = (kBuckets + 1) * kSubBucketHalf;  // 3072

  // Counts one sample of `ns` nanoseconds (clamped to [kMinValue, kMaxValue]). Owner only.
  void record(int64_t ns);
  // Zeroes every counter. Owner only.
  void clear();
  // Adds this histogram's counts to `sum` (kCounters entries).
  void add_to(std::vector<uint64_t>& sum) const;

 private:
  std::array<std::atomic<uint64_t>, kCounters> counts_{};
};

// Read-side arithmetic over summed counters (kCounters entries, as add_to fills them).
namespace histogram {

// The counter index of a value in ns.
int index_of(int64_t ns);
// The smallest value in ns that counter `index` holds.
int64_t value_at(int index);
// The largest value in ns counted together with `ns`.
int64_t highest_equivalent(int64_t ns);
// HdrHistogram's value at `percentile` (0..100): the highest value equivalent to the first
// counter where the running count reaches percentile% of the total (at least one sample).
// 0 when there are no samples.
int64_t value_at_percentile(const std::vector<uint64_t>& counts, double percentile);
// LATENCY HISTOGRAM's cumulative distribution: for each power-of-two level from 1024 ns up, the
// level's highest equivalent value in µs and the number of samples up to it, keeping only the
// levels where that number grew.
std::vector<std::pair<int64_t, uint64_t>> cumulative_usec(const std::vector<uint64_t>& counts);

}  // namespace histogram
}  // namespace cachet::server
