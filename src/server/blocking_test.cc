// Blocking list commands driven in-process: a blocked session gets its reply through
// Session::deliver when another session pushes, when its deadline passes (injected clock) or
// when CLIENT UNBLOCK ends the wait.
#include <chrono>
#include <string>
#include <vector>

#include "server/test_session.h"

namespace cachet::server {
namespace {

using namespace std::chrono_literals;

class BlockingTest : public CommandsTest {
 protected:
  BlockingTest() {
    session_.info = std::make_shared<ClientInfo>();
    session_.info->id = 7;
    session_.deliver = [this](std::string reply) {
      session_.waiter.reset();
      delivered_ += reply;
    };
    other_.authenticated = true;
  }

  // Runs a command as a second client.
  std::string run_other(std::vector<std::string> words) {
    std::vector<std::string_view> args(words.begin(), words.end());
    std::string out;
    resp::Writer writer(out, other_.protocol);
    instance_.execute(other_, args, writer);
    return out;
  }

  bool blocked() const { return session_.waiter != nullptr; }

  Session other_;
  std::string delivered_;
};

TEST_F(BlockingTest, ServesAtOnceWhenAListHasElements) {
  EXPECT_EQ(run({"RPUSH", "b", "x", "y"}), ":2\r\n");
  EXPECT_EQ(run({"BLPOP", "a", "b", "0"}), "*2\r\n$1\r\nb\r\n$1\r\nx\r\n");
  EXPECT_EQ(run({"BRPOP", "b", "0"}), "*2\r\n$1\r\nb\r\n$1\r\ny\r\n");
  EXPECT_FALSE(blocked());
}

TEST_F(BlockingTest, APushOnAnotherClientWakesTheBlockedOne) {
  EXPECT_EQ(run({"BLPOP", "q", "0"}), "");
  EXPECT_TRUE(blocked());
  EXPECT_EQ(instance_.blocking().blocked_clients(), 1u);
  EXPECT_EQ(run_other({"LPUSH", "q", "job"}), ":1\r\n");
  EXPECT_EQ(delivered_, "*2\r\n$1\r\nq\r\n$3\r\njob\r\n");
  EXPECT_FALSE(blocked());
  EXPECT_EQ(instance_.blocking().blocked_clients(), 0u);
  EXPECT_EQ(run_other({"EXISTS", "q"}), ":0\r\n");  // the element went to the waiter
}

TEST_F(BlockingTest, BlockedOnSeveralKeysIsServedOnce) {
  EXPECT_EQ(run({"BRPOP", "a", "b", "0"}), "");
  EXPECT_EQ(run_other({"MULTI"}), "+OK\r\n");
  run_other({"RPUSH", "b", "1"});
  run_other({"RPUSH", "a", "2"});
  EXPECT_EQ(run_other({"EXEC"}), "*2\r\n:1\r\n:1\r\n");
  EXPECT_EQ(delivered_, "*2\r\n$1\r\nb\r\n$1\r\n1\r\n");  // from the key pushed first
  EXPECT_EQ(run_other({"LLEN", "a"}), ":1\r\n");
}

TEST_F(BlockingTest, TimesOutWithTheInjectedClock) {
  EXPECT_EQ(run({"BLMOVE", "src", "dst", "LEFT", "RIGHT", "1.5"}), "");
  clock_.advance(1499ms);
  instance_.blocking().expire(clock_.now_ms());
  EXPECT_TRUE(blocked());
  clock_.advance(1ms);
  instance_.blocking().expire(clock_.now_ms());
  EXPECT_EQ(delivered_, "$-1\r\n");
  EXPECT_FALSE(blocked());
}

TEST_F(BlockingTest, MoveIsServedIntoTheDestination) {
  EXPECT_EQ(run({"BRPOPLPUSH", "src", "dst", "0"}), "");
  EXPECT_EQ(run_other({"RPUSH", "src", "a", "b"}), ":2\r\n");
  EXPECT_EQ(delivered_, "$1\r\nb\r\n");
  EXPECT_EQ(run_other({"LRANGE", "dst", "0", "-1"}), "*1\r\n$1\r\nb\r\n");
}

TEST_F(BlockingTest, AServedMoveWakesAClientBlockedOnItsDestination) {
  EXPECT_EQ(run({"BLMOVE", "stage1", "stage2", "LEFT", "RIGHT", "0"}), "");
  Session third;
  third.authenticated = true;
  third.info = std::make_shared<ClientInfo>();
  third.info->id = 9;
  std::string third_got;
  third.deliver = [&](std::string reply) {
    third.waiter.reset();
    third_got += reply;
  };
  std::string out;
  resp::Writer writer(out, 2);
  std::vector<std::string_view> args = {"BLPOP", "stage2", "0"};
  instance_.execute(third, args, writer);
  EXPECT_EQ(out, "");
  EXPECT_EQ(run_other({"RPUSH", "stage1", "job"}), ":1\r\n");
  EXPECT_EQ(delivered_, "$3\r\njob\r\n");
  EXPECT_EQ(third_got, "*2\r\n$6\r\nstage2\r\n$3\r\njob\r\n");
  EXPECT_EQ(run_other({"EXISTS", "stage1", "stage2"}), ":0\r\n");
}

TEST_F(BlockingTest, MultiPopWithCount) {
  EXPECT_EQ(run({"BLMPOP", "0", "2", "a", "b", "RIGHT", "COUNT", "2"}), "");
  EXPECT_EQ(run_other({"RPUSH", "b", "1", "2", "3"}), ":3\r\n");
  EXPECT_EQ(delivered_, "*2\r\n$1\r\nb\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n");
}

TEST_F(BlockingTest, ClientUnblockEndsTheWait) {
  EXPECT_EQ(run({"BLPOP", "q", "0"}), "");
  EXPECT_EQ(run_other({"CLIENT", "UNBLOCK", "7", "ERROR"}), ":1\r\n");
  EXPECT_EQ(delivered_, "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
  EXPECT_EQ(run_other({"CLIENT", "UNBLOCK", "7"}), ":0\r\n");
  EXPECT_EQ(run({"BLPOP", "q", "0"}), "");
  EXPECT_EQ(run_other({"CLIENT", "UNBLOCK", "7", "TIMEOUT"}), ":1\r\n");
  EXPECT_EQ(delivered_.substr(delivered_.size() - 5), "*-1\r\n");
  EXPECT_EQ(run_other({"CLIENT", "UNBLOCK", "7", "NOW"}),
            "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n");
}

TEST_F(BlockingTest, InsideExecNeverBlocks) {
  EXPECT_EQ(run({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(run({"BLPOP", "q", "0"}), "+QUEUED\r\n");
  EXPECT_EQ(run({"EXEC"}), "*1\r\n*-1\r\n");
  EXPECT_FALSE(blocked());
}

// Regression: the waiter's command is parsed again when it is served, and a timeout that was just
// in range when it blocked could read as out of range later; that re-parse must not fail.
TEST_F(BlockingTest, ATimeoutAtTheEdgeOfTheRangeIsServedLater) {
  int64_t edge_ms = INT64_MAX - clock_.now_ms() - 1;  // now + edge_ms is just representable
  std::string seconds = std::to_string(edge_ms / 1000);
  EXPECT_EQ(run({"BLPOP", "q", seconds}), "");
  clock_.advance(10s);
  EXPECT_EQ(run_other({"RPUSH", "q", "v"}), ":1\r\n");
  EXPECT_EQ(delivered_, "*2\r\n$1\r\nq\r\n$1\r\nv\r\n");
}

TEST_F(BlockingTest, BadTimeoutsGetRedisErrors) {
  EXPECT_EQ(run({"BLPOP", "q", "abc"}), "-ERR timeout is not a float or out of range\r\n");
  EXPECT_EQ(run({"BLPOP", "q", "-1"}), "-ERR timeout is negative\r\n");
  EXPECT_EQ(run({"BLPOP", "q", "1e300"}), "-ERR timeout is negative\r\n");
  EXPECT_EQ(run({"BLMOVE", "a", "b", "LEFT", "UP", "0"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"BLMPOP", "0", "1", "k", "LEFT", "COUNT", "0"}),
            "-ERR count should be greater than 0\r\n");
  EXPECT_FALSE(blocked());
}

TEST_F(BlockingTest, WrongTypeIsReportedNotWaitedOn) {
  EXPECT_EQ(run({"SET", "s", "v"}), "+OK\r\n");
  EXPECT_EQ(run({"BLPOP", "s", "0"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_FALSE(blocked());
}

// Redis reads BLMPOP's and BZMPOP's timeout after their other arguments.
TEST_F(BlockingTest, MultiPopsReadTheTimeoutLast) {
  EXPECT_EQ(run({"BLMPOP", "x", "x", "k", "LEFT"}), "-ERR numkeys should be greater than 0\r\n");
  EXPECT_EQ(run({"BLMPOP", "x", "1", "k", "UP"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"BLMPOP", "x", "1", "k", "LEFT"}),
            "-ERR timeout is not a float or out of range\r\n");
  EXPECT_EQ(run({"BZMPOP", "x", "x", "k", "MIN"}), "-ERR numkeys should be greater than 0\r\n");
  EXPECT_EQ(run({"BZMPOP", "x", "1", "k", "LEFT"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"BZMPOP", "x", "1", "k", "MIN", "COUNT", "0"}),
            "-ERR count should be greater than 0\r\n");
  EXPECT_EQ(run({"BZMPOP", "-1", "1", "k", "MIN"}), "-ERR timeout is negative\r\n");
  EXPECT_FALSE(blocked());
}

// ---- Sorted sets: BZPOPMIN BZPOPMAX BZMPOP

TEST_F(BlockingTest, ZsetPopsServeAtOnce) {
  EXPECT_EQ(run({"ZADD", "z", "1", "a", "2", "b", "3", "c"}), ":3\r\n");
  EXPECT_EQ(run({"BZPOPMIN", "none", "z", "0"}), "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_EQ(run({"BZPOPMAX", "z", "0"}), "*3\r\n$1\r\nz\r\n$1\r\nc\r\n$1\r\n3\r\n");
  EXPECT_EQ(run({"BZMPOP", "0", "1", "z", "MAX", "COUNT", "5"}),
            "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
  EXPECT_EQ(run({"EXISTS", "z"}), ":0\r\n");
  EXPECT_EQ(run({"SET", "s", "v"}), "+OK\r\n");
  EXPECT_EQ(run({"BZPOPMIN", "none", "s", "0"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(run({"BZPOPMIN", "s", "x"}), "-ERR timeout is not a float or out of range\r\n");
  EXPECT_FALSE(blocked());
}

TEST_F(BlockingTest, AZaddOnAnotherClientWakesBzpopmin) {
  EXPECT_EQ(run({"BZPOPMIN", "q1", "q2", "0"}), "");
  EXPECT_TRUE(blocked());
  EXPECT_EQ(run_other({"ZADD", "q2", "2", "b", "1", "a"}), ":2\r\n");
  EXPECT_EQ(delivered_, "*3\r\n$2\r\nq2\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_FALSE(blocked());
  EXPECT_EQ(run_other({"ZRANGE", "q2", "0", "-1"}), "*1\r\n$1\r\nb\r\n");
}

TEST_F(BlockingTest, BzpopmaxInResp3) {
  session_.protocol = 3;
  EXPECT_EQ(run({"BZPOPMAX", "q", "0"}), "");
  EXPECT_EQ(run_other({"ZADD", "q", "1.5", "a", "2.5", "b"}), ":2\r\n");
  EXPECT_EQ(delivered_, "*3\r\n$1\r\nq\r\n$1\r\nb\r\n,2.5\r\n");
}

TEST_F(BlockingTest, BzmpopIsServedByAStore) {
  run_other({"ZADD", "src", "1", "a", "2", "b", "3", "c"});
  EXPECT_EQ(run({"BZMPOP", "0", "2", "x", "dst", "MIN", "COUNT", "2"}), "");
  EXPECT_EQ(run_other({"ZUNIONSTORE", "dst", "1", "src", "WEIGHTS", "2"}), ":3\r\n");
  EXPECT_EQ(delivered_,
            "*2\r\n$3\r\ndst\r\n*2\r\n*2\r\n$1\r\na\r\n$1\r\n2\r\n*2\r\n$1\r\nb\r\n$1\r\n4\r\n");
  EXPECT_EQ(run_other({"ZCARD", "dst"}), ":1\r\n");
}

TEST_F(BlockingTest, OnlyASortedSetWakesAZsetPop) {
  EXPECT_EQ(run({"BZPOPMIN", "q", "0"}), "");
  EXPECT_EQ(run_other({"RPUSH", "q", "x"}), ":1\r\n");
  EXPECT_TRUE(blocked());  // a list is not what it waits for
  EXPECT_EQ(run_other({"DEL", "q"}), ":1\r\n");
  EXPECT_EQ(run_other({"ZADD", "q", "1", "m"}), ":1\r\n");
  EXPECT_EQ(delivered_, "*3\r\n$1\r\nq\r\n$1\r\nm\r\n$1\r\n1\r\n");
}

// Redis serves the clients that pop the type a key now holds, passing over the others.
TEST_F(BlockingTest, AWaiterForAnotherTypeDoesNotHoldUpTheQueue) {
  Session list_client;
  list_client.authenticated = true;
  list_client.info = std::make_shared<ClientInfo>();
  list_client.info->id = 8;
  std::string list_got;
  list_client.deliver = [&](std::string reply) {
    list_client.waiter.reset();
    list_got += reply;
  };
  std::string out;
  resp::Writer writer(out, 2);
  std::vector<std::string_view> blpop = {"BLPOP", "q", "0"};
  instance_.execute(list_client, blpop, writer);
  EXPECT_EQ(run({"BZPOPMIN", "q", "0"}), "");
  EXPECT_EQ(run_other({"ZADD", "q", "1", "m"}), ":1\r\n");
  EXPECT_EQ(delivered_, "*3\r\n$1\r\nq\r\n$1\r\nm\r\n$1\r\n1\r\n");
  EXPECT_EQ(list_got, "");
  EXPECT_EQ(run_other({"RPUSH", "q", "x"}), ":1\r\n");
  EXPECT_EQ(list_got, "*2\r\n$1\r\nq\r\n$1\r\nx\r\n");
}

TEST_F(BlockingTest, ZsetPopTimesOut) {
  EXPECT_EQ(run({"BZPOPMIN", "q", "0.5"}), "");
  clock_.advance(500ms);
  instance_.blocking().expire(clock_.now_ms());
  EXPECT_EQ(delivered_, "*-1\r\n");
  EXPECT_FALSE(blocked());
}

TEST_F(BlockingTest, ZsetPopsInsideExecNeverBlock) {
  session_.protocol = 3;
  EXPECT_EQ(run({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(run({"BZPOPMIN", "q", "0"}), "+QUEUED\r\n");
  EXPECT_EQ(run({"BZMPOP", "0", "1", "q", "MIN"}), "+QUEUED\r\n");
  EXPECT_EQ(run({"EXEC"}), "*2\r\n_\r\n_\r\n");
  EXPECT_FALSE(blocked());
}

}  // namespace
}  // namespace cachet::server
