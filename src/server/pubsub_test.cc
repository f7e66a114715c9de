// Pub/Sub commands in process: replies byte for byte as Redis 7.0.15 sends them (checked against
// redis-server), delivery to subscribers, subscribed mode, and the PUBSUB introspection.
#include <gtest/gtest.h>

#include <string>

#include "server/command.h"
#include "server/test_session.h"

namespace cachet::server {
namespace {

class PubSubTest : public CommandsTest {
 protected:
  PubSubTest() {
    listen(session_, own_);
    listen(alice_, alice_inbox_);
    listen(bob_, bob_inbox_);
  }

  std::string own_, alice_inbox_, bob_inbox_;
  Session alice_, bob_;
};

TEST_F(PubSubTest, SubscribeRepliesCountChannelsAndPatternsTogether) {
  EXPECT_EQ(run({"SUBSCRIBE", "a", "b", "a"}),
            "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"
            "*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"
            "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:2\r\n");
  EXPECT_EQ(run({"PSUBSCRIBE", "p*"}), "*3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:3\r\n");
  // Shard channels are counted on their own.
  EXPECT_EQ(run({"SSUBSCRIBE", "s"}), "*3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n");
  EXPECT_EQ(run({"UNSUBSCRIBE", "zz"}), "*3\r\n$11\r\nunsubscribe\r\n$2\r\nzz\r\n:3\r\n");
  EXPECT_EQ(run({"UNSUBSCRIBE"}),
            "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:2\r\n"
            "*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:1\r\n");
  EXPECT_EQ(run({"PUNSUBSCRIBE"}), "*3\r\n$12\r\npunsubscribe\r\n$2\r\np*\r\n:0\r\n");
  EXPECT_EQ(run({"SUNSUBSCRIBE"}), "*3\r\n$12\r\nsunsubscribe\r\n$1\r\ns\r\n:0\r\n");
}

TEST_F(PubSubTest, UnsubscribingWithNothingSubscribedNamesNoChannel) {
  EXPECT_EQ(run({"UNSUBSCRIBE"}), "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
  EXPECT_EQ(run({"PUNSUBSCRIBE"}), "*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n");
  session_.protocol = 3;
  EXPECT_EQ(run({"SUNSUBSCRIBE"}), ">3\r\n$12\r\nsunsubscribe\r\n_\r\n:0\r\n");
}

TEST_F(PubSubTest, SubscribedResp2ClientRunsOnlyPubSubCommandsAndPing) {
  run({"SUBSCRIBE", "a"});
  EXPECT_EQ(run({"GET", "a"}),
            "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
            "RESET are allowed in this context\r\n");
  EXPECT_EQ(run({"PUBSUB", "NUMSUB", "a"}),
            "-ERR Can't execute 'pubsub|numsub': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / "
            "QUIT / RESET are allowed in this context\r\n");
  EXPECT_EQ(run({"PING"}), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
  EXPECT_EQ(run({"PING", "x"}), "*2\r\n$4\r\npong\r\n$1\r\nx\r\n");
  EXPECT_EQ(run({"RESET"}), "+RESET\r\n");  // leaves every subscription
  EXPECT_EQ(run({"PING"}), "+PONG\r\n");
  EXPECT_EQ(run_as(alice_, {"PUBLISH", "a", "m"}), ":0\r\n");
}

TEST_F(PubSubTest, PublishReachesChannelAndPatternSubscribers) {
  run_as(alice_, {"SUBSCRIBE", "news"});
  run_as(bob_, {"PSUBSCRIBE", "n*", "x*"});
  EXPECT_EQ(run({"PUBLISH", "news", "hello"}), ":2\r\n");
  EXPECT_EQ(alice_inbox_, "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n");
  EXPECT_EQ(bob_inbox_, "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$5\r\nhello\r\n");
  EXPECT_EQ(run({"PUBLISH", "other", "x"}), ":0\r\n");
  // SPUBLISH goes to shard-channel subscribers only.
  EXPECT_EQ(run({"SPUBLISH", "news", "s"}), ":0\r\n");
  run_as(alice_, {"SSUBSCRIBE", "news"});
  EXPECT_EQ(run({"SPUBLISH", "news", "s"}), ":1\r\n");
  EXPECT_TRUE(alice_inbox_.ends_with("*3\r\n$8\r\nsmessage\r\n$4\r\nnews\r\n$1\r\ns\r\n"));
}

TEST_F(PubSubTest, ClientSubscribedToChannelAndMatchingPatternCountsTwice) {
  run_as(alice_, {"SUBSCRIBE", "ch"});
  run_as(alice_, {"PSUBSCRIBE", "c?"});
  EXPECT_EQ(run({"PUBLISH", "ch", "m"}), ":2\r\n");
  EXPECT_EQ(alice_inbox_,
            "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n"
            "*4\r\n$8\r\npmessage\r\n$2\r\nc?\r\n$2\r\nch\r\n$1\r\nm\r\n");
}

TEST_F(PubSubTest, Resp3SubscriberGetsItsOwnMessageBeforeThePublishReply) {
  session_.protocol = 3;
  EXPECT_EQ(run({"SUBSCRIBE", "x"}), ">3\r\n$9\r\nsubscribe\r\n$1\r\nx\r\n:1\r\n");
  EXPECT_EQ(run({"PUBLISH", "x", "hi"}), ">3\r\n$7\r\nmessage\r\n$1\r\nx\r\n$2\r\nhi\r\n:1\r\n");
  EXPECT_EQ(run({"GET", "k"}), "_\r\n");  // RESP3 clients keep running ordinary commands
}

TEST_F(PubSubTest, UnsubscribedClientsGetNothing) {
  run_as(alice_, {"SUBSCRIBE", "a", "b"});
  run_as(alice_, {"UNSUBSCRIBE", "a"});
  EXPECT_EQ(run({"PUBLISH", "a", "m"}), ":0\r\n");
  EXPECT_EQ(run({"PUBLISH", "b", "m"}), ":1\r\n");
  unsubscribe_all(instance_, alice_);
  EXPECT_EQ(run({"PUBLISH", "b", "m"}), ":0\r\n");
  EXPECT_EQ(run({"PUBSUB", "CHANNELS"}), "*0\r\n");
}

TEST_F(PubSubTest, PubSubIntrospection) {
  run_as(alice_, {"SUBSCRIBE", "news.tech", "news.art"});
  run_as(bob_, {"SUBSCRIBE", "news.tech"});
  run_as(bob_, {"PSUBSCRIBE", "a*", "b*"});
  run_as(alice_, {"PSUBSCRIBE", "a*"});
  run_as(alice_, {"SSUBSCRIBE", "shard1"});
  EXPECT_EQ(sorted_members(run({"PUBSUB", "CHANNELS"})),
            (std::vector<std::string>{"news.art", "news.tech"}));
  EXPECT_EQ(run({"PUBSUB", "CHANNELS", "*tech"}), "*1\r\n$9\r\nnews.tech\r\n");
  EXPECT_EQ(run({"PUBSUB", "NUMSUB", "news.tech", "none"}),
            "*4\r\n$9\r\nnews.tech\r\n:2\r\n$4\r\nnone\r\n:0\r\n");
  EXPECT_EQ(run({"PUBSUB", "NUMSUB"}), "*0\r\n");
  EXPECT_EQ(run({"PUBSUB", "NUMPAT"}), ":2\r\n");  // distinct patterns
  EXPECT_EQ(run({"PUBSUB", "SHARDCHANNELS"}), "*1\r\n$6\r\nshard1\r\n");
  EXPECT_EQ(run({"PUBSUB", "SHARDNUMSUB", "shard1"}), "*2\r\n$6\r\nshard1\r\n:1\r\n");
  EXPECT_EQ(run({"PUBSUB", "NUMPAT", "x"}),
            "-ERR wrong number of arguments for 'pubsub|numpat' command\r\n");
  EXPECT_EQ(run({"PUBSUB", "FOO"}), "-ERR unknown subcommand 'FOO'. Try PUBSUB HELP.\r\n");
  EXPECT_EQ(run({"PUBSUB", "CHANNELS", "a", "b"}),
            "-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB "
            "HELP.\r\n");
}

TEST_F(PubSubTest, ArityErrors) {
  EXPECT_EQ(run({"SUBSCRIBE"}), "-ERR wrong number of arguments for 'subscribe' command\r\n");
  EXPECT_EQ(run({"PUBLISH", "a"}), "-ERR wrong number of arguments for 'publish' command\r\n");
  EXPECT_EQ(run({"SPUBLISH", "a", "b", "c"}),
            "-ERR wrong number of arguments for 'spublish' command\r\n");
}

}  // namespace
}  // namespace cachet::server
