#include "store/table.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "store/store.h"

namespace cachet::store {
namespace {

Entry* make(const std::string& key) { return new_entry(key, "v", 1); }
void add(Table& t, const std::string& key) { t.insert(make(key), hash32(key)); }

TEST(Table, InsertFindUnlinkAndGrow) {
  Table t;
  for (int i = 0; i < 1000; ++i) add(t, "k" + std::to_string(i));
  EXPECT_EQ(t.size(), 1000u);
  EXPECT_GE(t.bucket_count(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    std::string key = "k" + std::to_string(i);
    ASSERT_NE(t.find(key, static_cast<uint32_t>(hash_key(key))), nullptr);
  }
  for (int i = 0; i < 1000; ++i) {
    std::string key = "k" + std::to_string(i);
    free_entry(t.unlink(key, static_cast<uint32_t>(hash_key(key))));
    t.maybe_shrink();
  }
  EXPECT_EQ(t.size(), 0u);
  EXPECT_LE(t.bucket_count(), Table::kMinBuckets);
}

// Every key present for the whole scan is returned, even when the table grows or shrinks between
// steps (the reverse-binary cursor guarantee).
TEST(Table, ScanSurvivesResize) {
  for (bool grow : {true, false}) {
    Table t;
    int initial = grow ? 100 : 5000;
    for (int i = 0; i < initial; ++i) add(t, "k" + std::to_string(i));
    std::set<std::string> seen;
    uint64_t cursor = 0;
    int steps = 0;
    do {
      cursor = t.scan(cursor, [&](const Entry* e) { seen.emplace(e->key()); });
      if (++steps == 10) {
        if (grow) {
          for (int i = 0; i < 5000; ++i) add(t, "x" + std::to_string(i));
        } else {
          for (int i = 100; i < initial; ++i) {
            std::string key = "k" + std::to_string(i);
            free_entry(t.unlink(key, static_cast<uint32_t>(hash_key(key))));
          }
          t.maybe_shrink();
        }
      }
    } while (cursor != 0);
    for (int i = 0; i < 100; ++i) EXPECT_TRUE(seen.count("k" + std::to_string(i))) << i;
  }
}

}  // namespace
}  // namespace cachet::store
