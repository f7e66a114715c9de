// A Backend over this process's cache (cachet-server --http-port): commands run on the
// server::Instance exactly as a RESP client's would.
#pragma once

#include "gateway/backend.h"
#include "server/instance.h"

namespace cachet::gateway {

class LocalBackend final : public Backend {
 public:
  explicit LocalBackend(server::Instance& instance) : instance_(instance) {}
  bool run(std::span<const std::vector<std::string_view>> commands,
           std::vector<resp::Reply>& replies, std::string& error) override;
  bool ready() override { return true; }

 private:
  server::Instance& instance_;
};

}  // namespace cachet::gateway
