// The RESP protocol handler for one client connection: parses every complete command in the
// input, runs each through the Instance, and leaves all replies in the connection's output so they
// go out in one write (pipelining is the fast path).
#pragma once

#include <memory>

#include "net/worker.h"
#include "server/instance.h"

namespace cachet::server {

// Creates the handler for a newly accepted connection and registers the client.
std::unique_ptr<net::Handler> make_resp_handler(Instance& instance, net::Connection& conn);

}  // namespace cachet::server
