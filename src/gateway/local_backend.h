// A Backend over this process's cache (cachet-server --http-port): commands run on the
// server::Instance exactly as a RESP client's would, synchronously; key change events come from
// its keyspace notifications (event_hub.h).
#pragma once

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
class LocalBackend final : public Backend {
 public:
  explicit LocalBackend(server::Instance& instance) : instance_(instance), events_(instance) {}
  // Calls `done` before returning.
  void run(net::Worker& worker, std::string_view user, std::span<const Command> commands,
           Done done) override;
  bool ready() override { return true; }
  EventSource* events() override { return &events_; }

 private:
  server::Instance& instance_;
  EventHub events_;
};

}  // namespace cachet::gateway
