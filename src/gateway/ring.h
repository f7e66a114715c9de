// Consistent hashing of keys onto cache nodes (Karger et al.; the "ketama" layout memcached
// clients use): each node owns kPointsPerNode points on a 64-bit ring at hash("<node>#<i>"), and
// a key belongs to the node of the first point at or after hash(key), wrapping around. Adding a
// node takes over about 1/(N+1) of the keys, all from other nodes; removing one hands only its
// own keys to the others.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cachet::gateway {

class Ring {
 public:
  static constexpr int kPointsPerNode = 160;

  // Adds a node (its name, e.g. "10.0.0.5:6379", fixes its points); no-op if present.
  void add(std::string_view node);
  void remove(std::string_view node);
  // The index into nodes() of the owner of `key`; -1 when the ring is empty.
  int owner(std::string_view key) const;
  // Like owner(), skipping nodes for which `usable(index)` is false (for remapping around an
  // ejected node); -1 if none is usable.
  template <typename Usable>
  int owner_if(std::string_view key, Usable&& usable) const;
  const std::vector<std::string>& nodes() const { return nodes_; }

 private:
  struct Point {
    uint64_t hash;
    int node;
    bool operator<(const Point& o) const {
      return hash < o.hash || (hash == o.hash && node < o.node);
    }
  };
  size_t first_at_or_after(uint64_t hash) const;
  void rebuild();

  std::vector<std::string> nodes_;
  std::vector<Point> points_;  // sorted
};

uint64_t ring_hash(std::string_view s);

template <typename Usable>
int Ring::owner_if(std::string_view key, Usable&& usable) const {
  if (points_.empty()) return -1;
  size_t start = first_at_or_after(ring_hash(key));
  for (size_t i = 0; i < points_.size(); ++i) {
    const Point& p = points_[(start + i) % points_.size()];
    if (usable(p.node)) return p.node;
  }
  return -1;
}

}  // namespace cachet::gateway
