#include "server/latency_histogram.h"

#include <algorithm>
#include <bit>

namespace cachet::server {
namespace {

constexpr int kSubBucketMask = 2 * LatencyHistogram::kSubBucketHalf - 1;  // 255
constexpr int kHalf = LatencyHistogram::kSubBucketHalf;
constexpr int kHalfMagnitude = LatencyHistogram::kSubBucketHalfMagnitude;

int bucket_of(int64_t ns) {
  return std::bit_width(static_cast<uint64_t>(ns) | kSubBucketMask) - (kHalfMagnitude + 1);
}

}  // namespace

void LatencyHistogram::record(int64_t ns) {
  std::atomic<uint64_t>& c = counts_[histogram::index_of(std::clamp(ns, kMinValue, kMaxValue))];
  c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

void LatencyHistogram::clear() {
  for (std::atomic<uint64_t>& c : counts_) c.store(0, std::memory_order_relaxed);
}

void LatencyHistogram::add_to(std::vector<uint64_t>& sum) const {
  sum.resize(kCounters);
  for (int i = 0; i < kCounters; ++i) sum[i] += counts_[i].load(std::memory_order_relaxed);
}

namespace histogram {

int index_of(int64_t ns) {
  int bucket = bucket_of(ns);
  auto sub = static_cast<int>(ns >> bucket);
  return ((bucket + 1) << kHalfMagnitude) + (sub - kHalf);
}

int64_t value_at(int index) {
  int bucket = (index >> kHalfMagnitude) - 1;
  int sub = (index & (kHalf - 1)) + kHalf;
  if (bucket < 0) {
    sub -= kHalf;
    bucket = 0;
  }
  return static_cast<int64_t>(sub) << bucket;
}

int64_t highest_equivalent(int64_t ns) {
  int bucket = bucket_of(ns);
  int64_t lowest = (ns >> bucket) << bucket;
  return lowest + (int64_t{1} << bucket) - 1;
}

int64_t value_at_percentile(const std::vector<uint64_t>& counts, double percentile) {
  uint64_t total = 0;
  for (uint64_t c : counts) total += c;
  double wanted = std::min(percentile, 100.0) / 100 * static_cast<double>(total) + 0.5;
  uint64_t target = std::max<uint64_t>(1, static_cast<uint64_t>(wanted));
  uint64_t running = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    running += counts[i];
    if (running >= target) return highest_equivalent(value_at(static_cast<int>(i)));
  }
  return 0;
}

std::vector<std::pair<int64_t, uint64_t>> cumulative_usec(const std::vector<uint64_t>& counts) {
  std::vector<std::pair<int64_t, uint64_t>> out;
  uint64_t running = 0, reported = 0;
  int next = 0;
  for (int64_t level = 1024; level <= 2 * LatencyHistogram::kMaxValue; level *= 2) {
    int last = std::min<int>(index_of(level), static_cast<int>(counts.size()) - 1);
    for (; next <= last; ++next) running += counts[next];
    if (running > reported) out.emplace_back(highest_equivalent(level) / 1000, running);
    reported = running;
  }
  return out;
}

}  // namespace histogram
}  // namespace cachet::server
