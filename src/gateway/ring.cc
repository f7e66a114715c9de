#include "gateway/ring.h"

#include <xxhash.h>

#include <algorithm>

namespace cachet::gateway {

uint64_t ring_hash(std::string_view s) { return XXH3_64bits(s.data(), s.size()); }

void Ring::add(std::string_view node) {
  if (std::find(nodes_.begin(), nodes_.end(), node) != nodes_.end()) return;
  nodes_.emplace_back(node);
  rebuild();
}

void Ring::remove(std::string_view node) {
  auto it = std::find(nodes_.begin(), nodes_.end(), node);
  if (it == nodes_.end()) return;
  nodes_.erase(it);
  rebuild();
}

void Ring::rebuild() {
  points_.clear();
  for (int n = 0; n < static_cast<int>(nodes_.size()); ++n) {
    for (int i = 0; i < kPointsPerNode; ++i) {
      points_.push_back({ring_hash(nodes_[n] + "#" + std::to_string(i)), n});
    }
  }
  std::sort(points_.begin(), points_.end());
}

size_t Ring::first_at_or_after(uint64_t hash) const {
  auto it = std::lower_bound(points_.begin(), points_.end(), Point{hash, -1});
  return it == points_.end() ? 0 : static_cast<size_t>(it - points_.begin());
}

int Ring::owner(std::string_view key) const {
  return owner_if(key, [](int) { return true; });
}

}  // namespace cachet::gateway
