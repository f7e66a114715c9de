#include "gateway/ring.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace cachet::gateway {
namespace {

std::vector<std::string> owners(const Ring& ring, int keys) {
  std::vector<std::string> out;
  for (int i = 0; i < keys; ++i)
    out.push_back(ring.nodes()[ring.owner("key:" + std::to_string(i))]);
  return out;
}

TEST(Ring, BalancedAcrossNodes) {
  Ring ring;
  for (const char* n : {"10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379"}) ring.add(n);
  std::map<std::string, int> count;
  for (const std::string& o : owners(ring, 300000)) ++count[o];
  for (const auto& [node, n] : count) {
    EXPECT_GT(n, 100000 * 8 / 10) << node;  // within 20% of a fair third
    EXPECT_LT(n, 100000 * 12 / 10) << node;
  }
}

// Adding a fourth node moves about a quarter of the keys, all of them to the new node.
TEST(Ring, AddingANodeMovesAboutOneNth) {
  Ring ring;
  for (const char* n : {"a:1", "b:1", "c:1"}) ring.add(n);
  constexpr int kKeys = 200000;
  std::vector<std::string> before = owners(ring, kKeys);
  ring.add("d:1");
  std::vector<std::string> after = owners(ring, kKeys);
  int moved = 0;
  for (int i = 0; i < kKeys; ++i) {
    if (before[i] != after[i]) {
      ++moved;
      EXPECT_EQ(after[i], "d:1");
    }
  }
  double fraction = double(moved) / kKeys;
  EXPECT_GT(fraction, 0.20);
  EXPECT_LT(fraction, 0.30);
  ring.remove("d:1");
  EXPECT_EQ(owners(ring, kKeys), before);  // removing it restores the old placement
}

TEST(Ring, OwnerIfSkipsUnusableNodesAndEmptyRing) {
  Ring ring;
  EXPECT_EQ(ring.owner("k"), -1);
  ring.add("a:1");
  ring.add("b:1");
  for (int i = 0; i < 1000; ++i) {
    std::string key = "k" + std::to_string(i);
    EXPECT_EQ(ring.owner_if(key, [](int n) { return n == 1; }), 1);
  }
  EXPECT_EQ(ring.owner_if("k", [](int) { return false; }), -1);
}

}  // namespace
}  // namespace cachet::gateway
