// Blocking a client and running its command again when it is served: the steps every blocking
// command (commands_blocking.cc, commands_streams.cc) shares. Defined in commands_blocking.cc.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/blocking.h"
#include "server/command.h"
#include "server/session.h"

namespace cachet::server {

// Whether the client of `ctx` may block now: not inside EXEC, and with a way to get the reply
// later (scripts and in-process callers have none). Otherwise a blocking command answers as if
// it timed out.
bool may_block(const Context& ctx);

// Blocks the client of `ctx` on `keys` (see blocking.h): its command `args` (as sent, or with
// values fixed at blocking time, like XREAD's "$") is served by `serve` when a write makes one of
// the keys ready, until `deadline_ms` (0: never), when it gets `timeout_reply`.
void block_client(Context& ctx, std::vector<std::string> args, std::vector<std::string> keys,
                  int64_t deadline_ms, ServeFn serve, std::string timeout_reply);

// A waiter's command as it runs when served: a session in the waiter's database and protocol,
// its arguments, and a context whose replies go to `out`.
struct WaiterCall {
  WaiterCall(Instance& instance, const Waiter& w, resp::Writer& out);
  WaiterCall(const WaiterCall&) = delete;
  WaiterCall& operator=(const WaiterCall&) = delete;

  Session session;
  std::vector<std::string_view> args;
  Context ctx;
};

}  // namespace cachet::server
