// A Backend over this process's cache (cachet-server --http-port): commands run on the
// server::Instance exactly as a RESP client's would, synchronously.
#pragma once

#include "gateway/backend.h"
#include "server/instance.h"

namespace cachet::gateway {

class LocalBackend final : public Backend {
 public:
  explicit LocalBackend(server::Instance& instance) : instance_(instance) {}
  // Calls `done` before returning.
  void run(net::Worker& worker, std::span<const Command> commands, Done done) override;
  bool ready() override { return true; }

 private:
  server::Instance& instance_;
};

}  // namespace cachet::gateway
