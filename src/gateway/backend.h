// Where the gateway's keys live. A Backend runs RESP commands: the in-process store
// (LocalBackend) or, later, remote cache servers. The API builds GET/SET/DEL/PTTL commands, so
// both kinds share every Redis semantic (TTLs, maxmemory, eviction).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "resp/reply.h"

namespace cachet::gateway {

class Backend {
 public:
  virtual ~Backend() = default;
  // Runs `commands` in order (pipelined where that applies) and fills one reply per command.
  // Returns false with `error` set when the backend could not answer at all (then the API
  // answers 503); a command's own error is a reply of type kError.
  virtual bool run(std::span<const std::vector<std::string_view>> commands,
                   std::vector<resp::Reply>& replies, std::string& error) = 0;
  // Whether the backend answers (for /readyz).
  virtual bool ready() = 0;
};

}  // namespace cachet::gateway
