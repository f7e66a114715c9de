// Client-side caching (CLIENT TRACKING): which clients may hold which keys, and the invalidation
// messages sent when those keys change.
//
// As in Redis, the table of tracked keys ignores databases (a write of `k` in any database
// invalidates every client that read `k`). Default mode: a tracking client's reads remember
// (key -> client) in the table; a modification of the key forgets it and sends each remembered
// client one `invalidate` message. BCAST mode: no table; every modified key that starts with a
// registered prefix is sent to the prefix's clients, batched as Redis does in beforeSleep: the keys
// a worker thread's commands modify during one event-loop turn go out when the turn ends, after
// the turn's replies, in one message per prefix (keys in byte order, each once). A client whose
// REDIRECT target has disconnected gets a `tracking-redir-broken` push instead of each message
// (RESP3 only, as Redis).
//
// Thread-safety: every method may be called from any thread (BCAST batches are per thread). The
// table is spread over 64 shards, each with its own mutex, so the read path of tracking clients
// shares no lock across keys; the clients and prefixes are behind one reader-writer lock taken for
// reading on the write path. The write path costs nothing while no client tracks (the store's
// ModifiedHook is inactive). Lock order: store shard -> table shard -> clients lock -> a worker's
// task list.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/pubsub.h"

namespace cachet::store {
struct ModifiedHook;
}

namespace cachet::server {

struct ClientInfo;

// A client's CLIENT TRACKING settings, kept by its session (owner thread only) and mirrored in
// the registry while tracking is on.
struct TrackingOptions {
  bool on = false;
  bool bcast = false, optin = false, optout = false, noloop = false;
  uint64_t redirect = 0;  // client receiving the invalidations (0: the client itself)
  std::vector<std::string> prefixes;
  // CLIENT CACHING yes/no for the next command (OPTIN / OPTOUT): -1 unset.
  int caching = -1;
};

// Where a tracking client's invalidations go.
struct TrackingRoute {
  std::shared_ptr<Subscriber> endpoint;  // the tracking client
  std::shared_ptr<ClientInfo> client;    // its registry entry (null in tests): flags R
  std::shared_ptr<Subscriber> target;    // its REDIRECT client, by id (null: the endpoint itself)
  std::shared_ptr<const ClientInfo> target_client;  // the target's entry: `closed` once it left
};

class Tracking {
 public:
  // Activates `hook` (the store's) while any client tracks, and feeds it to this table.
  explicit Tracking(store::ModifiedHook& hook);

  // Turns tracking on for the client of `route` (its id, worker and protocol in its endpoint)
  // with `options`, replacing earlier options and clearing a broken redirection. Turning it off
  // forgets the client's prefixes (its table entries are dropped lazily).
  void enable(TrackingRoute route, const TrackingOptions& options);
  void disable(uint64_t client);

  // Remembers that `client` read `key` (a tracking client's read-only command).
  void remember(uint64_t client, std::string_view key);
  // A key was modified by the command of `writer` (0: by the server: expiry, eviction): sends the
  // invalidations.
  void modified(std::string_view key, uint64_t writer);
  // FLUSHDB / FLUSHALL: every tracking client gets the null invalidation; the table is emptied.
  void flushed();

  size_t clients() const { return client_count_.load(std::memory_order_relaxed); }
  size_t keys() const { return key_count_.load(std::memory_order_relaxed); }
  // (key, client) pairs remembered (INFO tracking_total_items).
  size_t items() const { return item_count_.load(std::memory_order_relaxed); }
  size_t prefixes() const;
  // tracking-table-max-keys (0: unlimited): past it, remembered keys are invalidated to make room.
  void set_max_keys(size_t max) { max_keys_.store(max, std::memory_order_relaxed); }

  // Whether modifications are being watched (some client tracks, or remembered keys remain).
  bool active() const;

  // While one lives, the keys the current command on this thread modifies are gathered, and each
  // is invalidated once when it ends (after the command, outside the store's locks) as written by
  // `writer` (for NOLOOP). Modifications outside commands (active expiry) are sent at once. BCAST
  // clients get the keys at the end of the worker's turn (at once on a thread without a worker).
  class CommandScope {
   public:
    CommandScope(Tracking& tracking, uint64_t writer);
    ~CommandScope();
    CommandScope(const CommandScope&) = delete;
    CommandScope& operator=(const CommandScope&) = delete;

   private:
    Tracking& tracking_;
    uint64_t writer_;
    std::vector<std::string> keys_;
    std::vector<std::string>* outer_;
  };

 private:
  struct Client {
    TrackingRoute route;
    bool bcast, noloop;
    std::vector<std::string> prefixes;
  };
  // Modified keys, each with the client that modified it last (0: the server), in byte order.
  using KeyWriters = std::map<std::string, uint64_t, std::less<>>;
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view k) const { return std::hash<std::string_view>()(k); }
  };
  struct alignas(64) Shard {
    std::mutex mutex;
    // Key -> the clients that read it; guarded by mutex.
    std::unordered_map<std::string, std::vector<uint64_t>, KeyHash, std::equal_to<>> keys;
  };
  static constexpr size_t kShards = 64;

  // Sends `key`'s invalidation (null: the flush one) to each of `clients` but `writer` when it
  // asked for NOLOOP. Takes the clients lock for reading.
  void send(std::span<const uint64_t> clients, const std::string_view* key, uint64_t writer);
  // Queues `keys` (modified by `writer`) for the BCAST clients: sent when this worker's turn ends.
  void broadcast_later(std::span<const std::string_view> keys, uint64_t writer);
  // Sends each BCAST prefix's clients the keys under it, in one message per prefix (a NOLOOP
  // client's leaves out the keys it modified last). Takes the clients lock for reading.
  void broadcast(const KeyWriters& keys);
  // The keys of [first, last) but those `but` modified last (0: all of them).
  static std::vector<std::string_view> keys_in(KeyWriters::const_iterator first,
                                               KeyWriters::const_iterator last, uint64_t but);
  // Sends the NOLOOP client `id` the keys of [first, last) others modified last, if any.
  static void send_others(const Client& c, uint64_t id, KeyWriters::const_iterator first,
                          KeyWriters::const_iterator last);
  // Hands `message` to the client's target, or a tracking-redir-broken push to the client itself
  // when its REDIRECT target has disconnected.
  static void deliver(const Client& client, std::shared_ptr<const Message> message);
  // Forgets `key` in the table and sends the invalidation to the clients that had read it.
  void forget(std::string_view key, uint64_t writer);
  // Drops one remembered key (with its invalidation) while over tracking-table-max-keys.
  void make_room();

  store::ModifiedHook& hook_;
  std::array<Shard, kShards> shards_;
  mutable std::shared_mutex clients_mutex_;
  std::unordered_map<uint64_t, Client> clients_;  // guarded by clients_mutex_
  std::atomic<size_t> client_count_{0}, key_count_{0}, item_count_{0}, bcast_count_{0};
  std::atomic<size_t> max_keys_{1000000};
  std::atomic<size_t> evict_cursor_{0};
};

// The invalidation message for `keys` (none: every key, after a flush), as a RESP3 push with its
// RESP2 form (a message on __redis__:invalidate, for a redirection target in subscribed mode).
std::shared_ptr<const Message> invalidation_message(
    std::optional<std::span<const std::string_view>> keys);

}  // namespace cachet::server
