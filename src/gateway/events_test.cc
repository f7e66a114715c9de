// The pure parts of tags, purges and event streams: event classification, the replay ring,
// Last-Event-ID parsing, the SSE encoding, tag lists and prefix globs.
#include "gateway/events.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway/invalidation.h"
#include "store/glob.h"

namespace cachet::gateway {
namespace {

TEST(ClassifyKeyevent, MapsWritesDeletesAndIgnoresTtlChanges) {
  EXPECT_EQ(classify_keyevent("set"), EventType::kChanged);
  EXPECT_EQ(classify_keyevent("hset"), EventType::kChanged);
  EXPECT_EQ(classify_keyevent("rename_to"), EventType::kChanged);
  EXPECT_EQ(classify_keyevent("del"), EventType::kDeleted);
  EXPECT_EQ(classify_keyevent("rename_from"), EventType::kDeleted);
  EXPECT_EQ(classify_keyevent("expired"), EventType::kExpired);
  EXPECT_EQ(classify_keyevent("evicted"), EventType::kEvicted);
  for (const char* none : {"expire", "persist", "keymiss", "new"}) {
    EXPECT_FALSE(classify_keyevent(none)) << none;
  }
}

std::vector<uint64_t> seqs(const std::vector<Event>& events) {
  std::vector<uint64_t> out;
  for (const Event& e : events) out.push_back(e.seq);
  return out;
}

TEST(EventRing, ReplaysTheGapWhileItIsHeldAndRefusesOnceDropped) {
  EventRing ring(3);
  std::vector<Event> out;
  EXPECT_EQ(ring.last(), 0u);
  EXPECT_TRUE(ring.since(0, out));
  EXPECT_TRUE(out.empty());
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(ring.append(EventType::kChanged, "k"), uint64_t(i));
  EXPECT_EQ(ring.last(), 5u);
  ASSERT_TRUE(ring.since(2, out));  // 3, 4, 5 are held
  EXPECT_EQ(seqs(out), (std::vector<uint64_t>{3, 4, 5}));
  out.clear();
  ASSERT_TRUE(ring.since(5, out));  // up to date
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(ring.since(1, out));  // 2 was dropped
  EXPECT_FALSE(ring.since(6, out));  // from the future
  EXPECT_TRUE(out.empty());
}

TEST(EventRing, ForgetRefusesEveryEarlierPositionAndResumesAfterIt) {
  EventRing ring(10);
  ring.append(EventType::kChanged, "a");
  ring.append(EventType::kDeleted, "b");
  EXPECT_EQ(ring.forget(), 3u);
  EXPECT_EQ(ring.last(), 3u);
  std::vector<Event> out;
  EXPECT_FALSE(ring.since(2, out));  // up to date before the gap: still lost
  EXPECT_FALSE(ring.since(0, out));
  ASSERT_TRUE(ring.since(3, out));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(ring.append(EventType::kChanged, "c"), 4u);
  ASSERT_TRUE(ring.since(3, out));
  EXPECT_EQ(seqs(out), std::vector<uint64_t>{4});
}

TEST(EventId, ParsesOnlyThisBootsIds) {
  EXPECT_EQ(parse_event_id("77.12", "77"), 12u);
  EXPECT_EQ(parse_event_id("77.0", "77"), 0u);
  for (const char* bad : {"78.12", "77.", "77.1x", "7712", "", "77.-1", ".12"}) {
    EXPECT_FALSE(parse_event_id(bad, "77")) << bad;
  }
}

TEST(SseEncoding, WritesIdEventAndOneJsonDataLine) {
  std::string out;
  write_event(out, "9", {4, EventType::kDeleted, "user:\"1\"\n"});
  EXPECT_EQ(out, "id: 9.4\nevent: deleted\ndata: {\"key\":\"user:\\\"1\\\"\\n\"}\n\n");
  out.clear();
  write_reset(out, "9", 7, "lost");
  EXPECT_EQ(out, "id: 9.7\nevent: reset\ndata: {\"reason\":\"lost\"}\n\n");
  out.clear();
  write_comment(out, "heartbeat");
  EXPECT_EQ(out, ": heartbeat\n\n");
}

TEST(Tags, ParsesCommaListsAndRejectsEmptyNames) {
  std::vector<std::string> tags;
  std::string error;
  ASSERT_TRUE(parse_tags("a,b,a", tags, error));
  EXPECT_EQ(tags, (std::vector<std::string>{"a", "b"}));
  for (const char* bad : {"", ",", "a,", ",a", "a,,b"}) {
    EXPECT_FALSE(parse_tags(bad, tags, error)) << bad;
  }
  std::string many;
  for (size_t i = 0; i <= kMaxTags; ++i) many += (i ? "," : "") + std::to_string(i);
  EXPECT_FALSE(parse_tags(many, tags, error));
  EXPECT_EQ(tag_key("news"), "__tag:news");
  EXPECT_TRUE(reserved_key("__tag:news"));
  EXPECT_FALSE(reserved_key("_tag:news"));
}

TEST(PrefixGlob, MatchesThePrefixLiterally) {
  std::string glob = prefix_glob("a*b?[c]\\");
  EXPECT_TRUE(store::glob_match(glob, "a*b?[c]\\"));
  EXPECT_TRUE(store::glob_match(glob, "a*b?[c]\\rest"));
  EXPECT_FALSE(store::glob_match(glob, "axb?[c]\\"));
  EXPECT_FALSE(store::glob_match(glob, "a*bx[c]\\"));
  EXPECT_FALSE(store::glob_match(glob, "a*b?c\\"));
  EXPECT_TRUE(store::glob_match(prefix_glob("user:"), "user:1"));
  EXPECT_FALSE(store::glob_match(prefix_glob("user:"), "users:1"));
}

}  // namespace
}  // namespace cachet::gateway
