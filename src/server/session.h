// Per-connection state of a RESP client, owned by its connection's worker thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "server/acl.h"
#include "server/pubsub.h"
#include "server/tracking.h"
#include "store/store.h"

namespace cachet::net {
class Connection;
}

namespace cachet::server {

struct ClientInfo;
struct Waiter;

struct Session {
  net::Connection* connection = nullptr;  // null in in-process tests
  std::shared_ptr<ClientInfo> info;       // the registry's view of this client
  int db = 0;
  int protocol = 2;
  bool authenticated = false;
  // The ACL user the client acts as (the default user until AUTH), and the ACL version it was
  // read at (re-read when the table changed). Null: an internal client ACLs do not apply to
  // (scripts check their caller's user themselves, in-process tests).
  std::shared_ptr<const AclUser> user;
  uint64_t acl_version = 0;
  // kMulti while EXEC runs its commands, kLua for a script's own client.
  AclContext acl_context = AclContext::kTopLevel;
  bool close_after_reply = false;

  // MULTI: commands queued for EXEC (owned copies of their arguments).
  bool in_multi = false;
  bool multi_failed = false;  // a command failed to queue: EXEC answers EXECABORT
  std::vector<std::vector<std::string>> queued;

  // WATCH: the keys (database, key) this client watches, and the flag their shards set.
  std::vector<std::pair<int, std::string>> watched;
  std::shared_ptr<store::WatchFlag> watch_flag;

  // Blocking commands: while `waiter` is set the client is blocked (no further command runs and
  // no reply is pending). `deliver` hands a reply to the client from any thread and ends the
  // block (set by whoever owns the connection).
  std::shared_ptr<Waiter> waiter;
  std::function<void(std::string reply)> deliver;

  // Pub/Sub: the channels, patterns and shard channels this client listens on. A RESP2 client
  // with any is in subscribed mode (only kSubscribedContext commands run).
  Subscriptions subs;
  // Fills subs.subscriber on the first subscription (set by whoever owns the connection; tests
  // get a subscriber whose messages go to their sink).
  std::function<std::shared_ptr<Subscriber>()> make_subscriber;

  // CLIENT TRACKING settings (tracking.on: reads are remembered for invalidation).
  TrackingOptions tracking;

  bool monitor = false;      // in MONITOR mode: gets every command other clients run
  bool replies_off = false;  // CLIENT REPLY OFF
  int skip_replies = 0;      // CLIENT REPLY SKIP: the next command's reply is dropped
  bool no_evict = false;     // CLIENT NO-EVICT (reported; cachet never evicts clients)
};

}  // namespace cachet::server
