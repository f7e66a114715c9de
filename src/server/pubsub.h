// Pub/Sub: which clients listen on which channels and patterns, and delivery of published
// messages to them on their own worker threads.
//
// Thread-safety: every PubSub method may be called from any thread. Channels are spread over
// shards, each behind its own reader-writer lock, so concurrent PUBLISHes to different channels
// share no lock and PUBLISHes to one channel only share it for reading; patterns have one
// reader-writer lock. A publish with nobody subscribed anywhere takes no lock at all (one atomic
// load), which keyspace notifications rely on. Lock order: a caller may hold shard locks of the
// store; PubSub takes no other lock than its own and a worker's task-list mutex.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cachet::net {
class Worker;
}

namespace cachet::server {

// The three namespaces of Redis's pub/sub: channels (SUBSCRIBE), patterns (PSUBSCRIBE) and shard
// channels (SSUBSCRIBE, SPUBLISH; a namespace of its own even without a cluster).
enum class Space : uint8_t { kChannel, kPattern, kShard };

// One subscribing client as the registry sees it. Created by its session on its first
// subscription; `id` and `worker` never change.
struct Subscriber {
  uint64_t id = 0;
  // The worker owning the client's connection: messages are posted to it. Null for clients
  // without a connection (in-process tests), which get their messages through `sink` at once.
  net::Worker* worker = nullptr;
  std::function<void(std::string_view message)> sink;
  // RESP protocol of the client, for `sink` (connections know their own).
  std::atomic<int> protocol{2};
};

// A message to deliver, encoded once as a RESP3 push (`>3` or `>4`...); a RESP2 client gets the
// same bytes with `*` for the first one.
struct Message {
  std::string push;
  // When set, what a RESP2 client gets instead, and only while it is subscribed (CLIENT
  // TRACKING's invalidations redirected to __redis__:invalidate); others get nothing.
  std::string resp2;
  bool resp3_only = false;  // a RESP2 client gets nothing (tracking-redir-broken)
};

// Hands `message` to one subscriber (its worker's task list, or at once on its own thread).
void deliver_push(const Subscriber& subscriber, std::shared_ptr<const Message> message);

// A client's own subscriptions, kept by its session (owner thread only).
struct Subscriptions {
  std::shared_ptr<Subscriber> subscriber;  // set from the first subscription on
  std::vector<std::string> channels, patterns, shard_channels;  // in subscription order

  std::vector<std::string>& of(Space space);
  // Channels plus patterns: what (P)SUBSCRIBE replies count (SSUBSCRIBE counts its own).
  size_t count() const { return channels.size() + patterns.size(); }
  size_t total() const { return count() + shard_channels.size(); }
};

class PubSub {
 public:
  PubSub();

  // Adds `channel` (or pattern) to the client's subscriptions; false if it was there already.
  bool subscribe(Subscriptions& subs, Space space, std::string_view channel);
  // Removes it; false if the client was not subscribed to it.
  bool unsubscribe(Subscriptions& subs, Space space, std::string_view channel);

  // The client with `id` that is publishing, when it runs on the publishing thread outside any
  // transaction: its own messages go straight into its reply buffer (before the command's own
  // reply, as Redis orders them) instead of through its worker's task list.
  struct Local {
    uint64_t id;
    std::string* out;
    int protocol;
  };
  // Delivers `message` on `channel` to its subscribers and to every client with a matching pattern
  // (PUBLISH), or to the shard channel's subscribers (SPUBLISH: space kShard). Returns how many
  // deliveries were made, a client subscribed to the channel and to a matching pattern counting
  // twice, as in Redis. Messages from one thread reach each client in the order published; the
  // clients of one worker get them in one task.
  size_t publish(Space space, std::string_view channel, std::string_view message,
                 const Local* local = nullptr);

  // PUBSUB CHANNELS / SHARDCHANNELS: the active channels matching `pattern` (empty: all).
  std::vector<std::string> channels(Space space, std::string_view pattern) const;
  // PUBSUB NUMSUB / SHARDNUMSUB: the subscriber count of one channel.
  size_t subscribers(Space space, std::string_view channel) const;
  // PUBSUB NUMPAT: distinct patterns subscribed to.
  size_t pattern_count() const;
  // INFO: distinct channels (or shard channels) with subscribers.
  size_t channel_count(Space space) const;

 private:
  using Members = std::vector<std::shared_ptr<Subscriber>>;
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view k) const { return std::hash<std::string_view>()(k); }
  };
  using Map = std::unordered_map<std::string, Members, KeyHash, std::equal_to<>>;
  struct alignas(64) Shard {
    mutable std::shared_mutex mutex;
    Map map;  // guarded by mutex
  };
  static constexpr size_t kShards = 16;
  struct Table {
    std::array<Shard, kShards> shards;
    std::atomic<size_t> names{0};  // distinct names with subscribers
  };

  Table& table(Space space);
  const Table& table(Space space) const;
  static size_t shard_index(std::string_view name);
  // Collects the deliveries of a publish, grouped by worker, and hands them over.
  class Fanout;

  std::array<Table, 3> tables_;           // by Space
  std::atomic<size_t> subscriptions_{0};  // all subscriptions of all clients
  std::atomic<size_t> pattern_subscriptions_{0};
};

// The clients in MONITOR mode and the feed of executed commands to them.
class Monitors {
 public:
  void add(std::shared_ptr<Subscriber> client);
  void remove(uint64_t id);
  bool any() const { return count_.load(std::memory_order_relaxed) != 0; }
  // Sends every monitor Redis's line for a command: `+<unix s>.<us> [<db> <addr>] "arg" ...`,
  // AUTH's and HELLO AUTH's credentials shown as "(redacted)".
  void feed(int db, std::string_view addr, std::span<const std::string_view> args);

 private:
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<Subscriber>> clients_;  // guarded by mutex_
  std::atomic<size_t> count_{0};
};

// RESP3 push encodings of what subscribers receive and what (un)subscribing answers.
std::string encode_message(std::string_view kind, std::span<const std::string_view> parts);

}  // namespace cachet::server
