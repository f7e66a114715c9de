// A count-min sketch of recent key popularity (TinyLFU's frequency estimate): four rows of
// 4-bit-style saturating counters (max 15), incremented conservatively (only the rows at the
// key's current minimum grow, which keeps colliding keys from inflating each other). After
// `sample` additions every counter is halved, so estimates follow the recent past. Thread-safe and
// lock-free; concurrent increments may be lost, which only makes an estimate slightly low.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace cachet::store {

class FrequencySketch {
 public:
  // Sized for about `capacity` cached keys (width rounded up to a power of two).
  explicit FrequencySketch(size_t capacity);
  // The counter row width a sketch for `capacity` keys gets (a power of two).
  static size_t width_for(size_t capacity);
  size_t width() const { return size_t{1} << width_bits_; }

  void increment(uint64_t hash);
  uint8_t estimate(uint64_t hash) const;

 private:
  static constexpr int kRows = 4;
  static constexpr uint8_t kMax = 15;
  size_t index(uint64_t hash, int row) const;
  void halve();

  std::unique_ptr<std::atomic<uint8_t>[]> counters_;
  size_t width_bits_;
  uint64_t sample_;
  std::atomic<uint64_t> additions_{0};
};

}  // namespace cachet::store
