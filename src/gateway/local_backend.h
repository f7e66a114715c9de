// A Backend over this process's cache (cachet-server --http-port): commands run on the
// server::Instance exactly as a RESP client's would, synchronously; key change events come from
// its keyspace notifications (event_hub.h).
#pragma once

#include <mutex>

#include "gateway/api.h"
#include "gateway/backend.h"
#include "gateway/event_hub.h"
#include "server/instance.h"

namespace cachet::gateway {

// The embedded API's users: the cache's own (requirepass for the default user).
class InstanceAuthenticator final : public Authenticator {
 public:
  explicit InstanceAuthenticator(server::Instance& instance) : instance_(instance) {}
  bool required() const override { return instance_.password_required(); }
  bool check(std::string_view user, std::string_view password) const override {
    return instance_.authenticate(user, password) != nullptr;
  }
  bool refuses(std::string_view peer) const override { return instance_.refuses(peer); }

 private:
  server::Instance& instance_;
};

// Destroy after the HTTP server whose workers use it has stopped.
//
// Events: on the first stream it subscribes one connection-less PubSub subscriber (id
// kSubscriberId, a `sink` feeding the EventHub) to EventHub::kKeyeventPattern, so every change
// of a database-0 key reaches the hub: the API's own writes, RESP clients', active and lazy
// expiry, eviction. On every stream it turns on the notification classes the hub needs
// (keyevent channels, every write class, expired, evicted: "EA", merged into
// notify-keyspace-events, which CONFIG GET then shows; a later CONFIG SET that drops them is
// undone by the next stream).
class LocalBackend final : public Backend {
 public:
  static constexpr uint64_t kSubscriberId = UINT64_MAX;  // never a client's id

  explicit LocalBackend(server::Instance& instance)
      : instance_(instance), events_([this] { ensure_source(); }) {}
  ~LocalBackend() override;
  // Calls `done` before returning.
  void run(net::Worker& worker, std::string_view user, std::span<const Command> commands,
           Done done) override;
  bool ready() override { return true; }
  EventSource* events() override { return &events_; }

 private:
  // Turns the notifications on if they are off, and subscribes once.
  void ensure_source();

  server::Instance& instance_;
  std::once_flag subscribed_;
  server::Subscriptions subs_;  // the hub's subscription (set once, in ensure_source)
  EventHub events_;
};

}  // namespace cachet::gateway
