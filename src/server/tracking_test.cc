// Tracking in process, without a worker (BCAST keys go out when each command ends): the bytes
// of BCAST batches and of a broken redirection, as Redis 7.0.15 sends them.
#include "server/tracking.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <string>

#include "server/clients.h"
#include "store/store.h"

namespace cachet::server {
namespace {

std::string invalidate(std::initializer_list<std::string_view> keys) {
  std::string out = ">2\r\n$10\r\ninvalidate\r\n*" + std::to_string(keys.size()) + "\r\n";
  for (std::string_view k : keys)
    out += "$" + std::to_string(k.size()) + "\r\n" + std::string(k) + "\r\n";
  return out;
}

class TrackingTest : public ::testing::Test {
 protected:
  // A client with `id` speaking `protocol` whose messages land in `inbox`.
  std::shared_ptr<Subscriber> client(uint64_t id, int protocol, std::string& inbox) {
    auto s = std::make_shared<Subscriber>();
    s->id = id;
    s->protocol = protocol;
    s->sink = [&inbox](std::string_view m) { inbox += m; };
    return s;
  }

  // One command of `writer` modifying `keys`.
  void write(uint64_t writer, std::initializer_list<std::string_view> keys) {
    Tracking::CommandScope scope(tracking_, writer);
    for (std::string_view k : keys) hook_.fn(0, k);
  }

  store::ModifiedHook hook_;
  Tracking tracking_{hook_};
};

TEST_F(TrackingTest, BcastSendsOnePushPerPrefixInByteOrder) {
  std::string inbox;
  TrackingOptions options{.on = true, .bcast = true, .prefixes = {"b", "a"}};
  tracking_.enable({.endpoint = client(7, 3, inbox)}, options);
  write(1, {"b2", "a1", "x", "b1", "b2"});
  EXPECT_EQ(inbox, invalidate({"a1"}) + invalidate({"b1", "b2"}));
}

TEST_F(TrackingTest, BcastNoloopLeavesOutItsOwnWrites) {
  std::string inbox;
  TrackingOptions options{.on = true, .bcast = true, .noloop = true};
  tracking_.enable({.endpoint = client(7, 3, inbox)}, options);
  write(7, {"mine"});
  EXPECT_EQ(inbox, "");
  write(1, {"theirs"});
  EXPECT_EQ(inbox, invalidate({"theirs"}));
}

TEST_F(TrackingTest, GoneRedirectTargetMeansTrackingRedirBroken) {
  std::string inbox, target_inbox, resp2_inbox;
  auto target_client = std::make_shared<ClientInfo>();
  auto info = std::make_shared<ClientInfo>(), resp2_info = std::make_shared<ClientInfo>();
  TrackingOptions options{.on = true, .bcast = true, .redirect = 9};
  tracking_.enable({.endpoint = client(7, 3, inbox),
                    .client = info,
                    .target = client(9, 3, target_inbox),
                    .target_client = target_client},
                   options);
  tracking_.enable({.endpoint = client(8, 2, resp2_inbox),
                    .client = resp2_info,
                    .target = client(9, 3, target_inbox),
                    .target_client = target_client},
                   options);
  write(1, {"k"});
  EXPECT_EQ(target_inbox, invalidate({"k"}) + invalidate({"k"}));
  EXPECT_FALSE(info->tracking_redirect_broken.load());
  target_client->closed = true;
  write(1, {"k"});
  tracking_.flushed();
  EXPECT_EQ(inbox,
            ">2\r\n$21\r\ntracking-redir-broken\r\n:9\r\n"
            ">2\r\n$21\r\ntracking-redir-broken\r\n:9\r\n");
  EXPECT_EQ(resp2_inbox, "");  // RESP2: nothing, but the flag
  EXPECT_TRUE(info->tracking_redirect_broken.load());
  EXPECT_TRUE(resp2_info->tracking_redirect_broken.load());
  tracking_.enable({.endpoint = client(7, 3, inbox), .client = info}, TrackingOptions{.on = true});
  EXPECT_FALSE(info->tracking_redirect_broken.load());
}

}  // namespace
}  // namespace cachet::server
