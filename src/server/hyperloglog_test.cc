// Command-level tests of PFADD PFCOUNT PFMERGE PFSELFTEST. Every expected reply is what
// redis-server 7.0.15 sent for the same session.
#include <string>

#include "server/test_session.h"

namespace cachet::server {
namespace {

using namespace std::string_literals;

const std::string kStaleHeader = "HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80"s;
const std::string kEmpty = kStaleHeader + "\x7f\xff";
const std::string kAbc =
    "`\xf3\x80P\xb1\x84K\xfb\x80"
    "BZ";  // registers after PFADD k a b c

std::string bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}

TEST_F(CommandsTest, PfaddReportsCreationAndRegisterChanges) {
  EXPECT_EQ(run({"PFADD", "k", "a", "b", "c"}), ":1\r\n");
  EXPECT_EQ(run({"PFADD", "k", "a"}), ":0\r\n");
  EXPECT_EQ(run({"PFADD", "k"}), ":0\r\n");
  EXPECT_EQ(run({"GET", "k"}), bulk(kStaleHeader + kAbc));
  EXPECT_EQ(run({"PFADD", "new"}), ":1\r\n");
  EXPECT_EQ(run({"GET", "new"}), bulk(kEmpty));
}

TEST_F(CommandsTest, PfcountCachesTheCardinalityInTheValue) {
  run({"PFADD", "k", "a", "b", "c"});
  EXPECT_EQ(run({"PFCOUNT", "k"}), ":3\r\n");
  EXPECT_EQ(run({"GET", "k"}), bulk("HYLL\x01\0\0\0\x03\0\0\0\0\0\0\0"s + kAbc));
  EXPECT_EQ(run({"PFCOUNT", "missing"}), ":0\r\n");
  EXPECT_EQ(run({"PFCOUNT", "k", "missing"}), ":3\r\n");
}

TEST_F(CommandsTest, PfcountWritingTheCacheTouchesWatchedKey) {
  run({"PFADD", "k", "a"});
  run({"WATCH", "k"});
  EXPECT_EQ(run({"PFCOUNT", "k"}), ":1\r\n");  // refreshes the cache: a change
  run({"MULTI"});
  run({"PING"});
  EXPECT_EQ(run({"EXEC"}), "*-1\r\n");
  run({"WATCH", "k"});
  EXPECT_EQ(run({"PFCOUNT", "k"}), ":1\r\n");  // cached: no change
  run({"MULTI"});
  run({"PING"});
  EXPECT_EQ(run({"EXEC"}), "*1\r\n+PONG\r\n");
}

TEST_F(CommandsTest, PfmergeCreatesDestinationEvenWithoutSources) {
  EXPECT_EQ(run({"PFMERGE", "d"}), "+OK\r\n");
  EXPECT_EQ(run({"GET", "d"}), bulk(kEmpty));
  run({"PFADD", "k", "a", "b", "c"});
  EXPECT_EQ(run({"PFMERGE", "d", "k"}), "+OK\r\n");
  EXPECT_EQ(run({"GET", "d"}), bulk(kStaleHeader + kAbc));
  EXPECT_EQ(run({"PFCOUNT", "d"}), ":3\r\n");
}

TEST_F(CommandsTest, HllCommandsKeepTheTtl) {
  EXPECT_EQ(run({"PFADD", "h", "x"}), ":1\r\n");
  run({"EXPIRE", "h", "100"});
  EXPECT_EQ(run({"PFADD", "h", "y"}), ":1\r\n");
  EXPECT_EQ(run({"TTL", "h"}), ":100\r\n");
  run({"PFADD", "k", "a", "b", "c"});
  EXPECT_EQ(run({"PFMERGE", "h", "k"}), "+OK\r\n");
  EXPECT_EQ(run({"TTL", "h"}), ":100\r\n");
  EXPECT_EQ(run({"PFCOUNT", "h"}), ":5\r\n");
  EXPECT_EQ(run({"TTL", "h"}), ":100\r\n");
}

TEST_F(CommandsTest, HllCommandsRejectOtherValues) {
  run({"SET", "s", "12345"});
  EXPECT_EQ(run({"PFADD", "s", "x"}),
            "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n");
  run({"HSET", "h", "f", "v"});
  const std::string wrong =
      "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
  EXPECT_EQ(run({"PFCOUNT", "h"}), wrong);
  EXPECT_EQ(run({"PFMERGE", "d", "h"}), wrong);
  EXPECT_EQ(run({"EXISTS", "d"}), ":0\r\n");
}

TEST_F(CommandsTest, CorruptHllIsReportedNotTrusted) {
  run({"SET", "c", kStaleHeader + "\x7f\xfe"});  // covers 16383 registers
  const std::string corrupt = "-INVALIDOBJ Corrupted HLL object detected\r\n";
  EXPECT_EQ(run({"PFCOUNT", "c"}), corrupt);
  EXPECT_EQ(run({"PFMERGE", "d", "c"}), corrupt);
  EXPECT_EQ(run({"PFADD", "c", "elem-0"}), ":1\r\n");  // the register it needs is there
}

TEST_F(CommandsTest, HllWrittenByRedisReadsBack) {
  // GET of PFADD r elem-0 .. elem-9 on redis-server, cache refreshed by PFCOUNT.
  const std::string redis10 =
      "HYLL\x01\0\0\0\x0a\0\0\0\0\0\0\0"s
      "\x4a\xef\x8c\x40\xc3\x80\x40\x9d\x8c\x4f\x0d\x8c\x40\x80\x94\x48\x14\x80\x44\xc8\x80\x48"
      "\xe5\x88\x43\xcb\x88\x43\x14\x80\x47\x6f"s;
  run({"SET", "r", redis10});
  EXPECT_EQ(run({"PFCOUNT", "r"}), ":10\r\n");
  EXPECT_EQ(run({"PFADD", "r", "elem-3"}), ":0\r\n");
  EXPECT_EQ(run({"GET", "r"}), bulk(redis10));
}

TEST_F(CommandsTest, PfselftestPasses) { EXPECT_EQ(run({"PFSELFTEST"}), "+OK\r\n"); }

}  // namespace
}  // namespace cachet::server
