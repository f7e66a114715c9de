// Where the gateway's keys live. A Backend runs RESP commands: the in-process store
// (LocalBackend) or remote cache servers (RemoteBackend). The API builds Redis commands (GET, SET,
// DEL, PTTL, SCAN, EVAL of its own scripts), so both kinds share every Redis semantic (TTLs,
// maxmemory, eviction).
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "resp/reply.h"

namespace cachet::net {
class Worker;
}

namespace cachet::gateway {

class EventSource;

using Command = std::vector<std::string_view>;

// What a backend call produced: one reply per command, or (ok == false) why there is no answer
// at all (the API then answers 503). A command's own error is a reply of type kError.
struct Outcome {
  bool ok = true;
  std::vector<resp::Reply> replies;
  std::string error;
};

// Receives a call's outcome, once, on the worker thread that made the call.
using Done = std::function<void(Outcome& outcome)>;

class Backend {
 public:
  virtual ~Backend() = default;
  // Runs `commands` (at least one) in order, pipelined where that applies, for a request on
  // `worker`'s thread, and passes the outcome to `done`, possibly before returning (an
  // in-process store) or from a later event on that worker. `commands` need only live during
  // the call. `user` is the ACL user the request authenticated as: a backend that knows the
  // cache's users runs the commands as that user (NOPERM replies for what it may not do); a
  // remote backend runs them as its own connections' user.
  virtual void run(net::Worker& worker, std::string_view user, std::span<const Command> commands,
                   Done done) = 0;
  // Whether the backend answers (for /readyz). Thread-safe.
  virtual bool ready() = 0;
  // The cache nodes behind it (keys are spread over them), for commands that are about a node
  // rather than a key (SCAN).
  virtual int nodes() const { return 1; }
  // run() on node `node` (0 <= node < nodes()), whatever the commands' keys.
  virtual void run_on_node(net::Worker& worker, std::string_view user, int /*node*/,
                           std::span<const Command> commands, Done done) {
    run(worker, user, commands, std::move(done));
  }
  // The key change events of the cache (GET /v1/events), or null when this backend cannot see
  // them.
  virtual EventSource* events() { return nullptr; }
};

}  // namespace cachet::gateway
