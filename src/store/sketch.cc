#include "store/sketch.h"

#include <algorithm>
#include <bit>

namespace cachet::store {

size_t FrequencySketch::width_for(size_t capacity) {
  return std::bit_ceil(std::clamp<size_t>(capacity, 1024, size_t{1} << 24));
}

FrequencySketch::FrequencySketch(size_t capacity) {
  size_t width = width_for(capacity);
  width_bits_ = std::countr_zero(width);
  counters_ = std::make_unique<std::atomic<uint8_t>[]>(width * kRows);
  sample_ = 10 * width;
}

size_t FrequencySketch::index(uint64_t hash, int row) const {
  static constexpr uint64_t kSeeds[kRows] = {0x9E3779B97F4A7C15ull, 0xC2B2AE3D27D4EB4Full,
                                             0x165667B19E3779F9ull, 0xD6E8FEB86659FD93ull};
  uint64_t h = (hash ^ (hash >> 29)) * kSeeds[row];
  return (static_cast<size_t>(row) << width_bits_) | (h >> (64 - width_bits_));
}

void FrequencySketch::increment(uint64_t hash) {
  // Each row's counter is located and read once: the minimum decides which of them grow.
  std::atomic<uint8_t>* counters[kRows];
  uint8_t values[kRows];
  for (int row = 0; row < kRows; ++row) {
    counters[row] = &counters_[index(hash, row)];
    values[row] = counters[row]->load(std::memory_order_relaxed);
  }
  uint8_t least = *std::min_element(values, values + kRows);
  if (least < kMax) {
    for (int row = 0; row < kRows; ++row) {
      if (values[row] == least) counters[row]->store(least + 1, std::memory_order_relaxed);
    }
  }
  if (additions_.fetch_add(1, std::memory_order_relaxed) + 1 == sample_) halve();
}

uint8_t FrequencySketch::estimate(uint64_t hash) const {
  uint8_t least = kMax;
  for (int row = 0; row < kRows; ++row) {
    least = std::min(least, counters_[index(hash, row)].load(std::memory_order_relaxed));
  }
  return least;
}

void FrequencySketch::halve() {
  size_t n = (size_t{1} << width_bits_) * kRows;
  for (size_t i = 0; i < n; ++i) {
    counters_[i].store(counters_[i].load(std::memory_order_relaxed) / 2, std::memory_order_relaxed);
  }
  additions_.store(sample_ / 2, std::memory_order_relaxed);
}

}  // namespace cachet::store
