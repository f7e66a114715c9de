// The RESP protocol handler for one client connection: parses every complete command in the
// input, runs each through the Instance, and leaves all replies in the connection's output so they
// go out in one write (pipelining is the fast path).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "net/worker.h"
#include "server/instance.h"
#include "server/pubsub.h"

namespace cachet::server {

// Creates the handler for a newly accepted connection and registers the client.
std::unique_ptr<net::Handler> make_resp_handler(Instance& instance, net::Connection& conn);

// Appends a pushed message for a client speaking `protocol`: a RESP3 push (`>`) reaches a RESP2
// client as an array; anything else (MONITOR's `+` lines) is the same for both.
void append_push(std::string& out, std::string_view push, int protocol);
// Hands `message` to each of the RESP clients `ids` that `worker` still owns (to the client whose
// input the thread is handling, once that is done) and schedules the write, applying their output
// buffer limits. Worker thread only.
void deliver_pushes(net::Worker& worker, std::span<const uint64_t> ids,
                    std::shared_ptr<const Message> message);

}  // namespace cachet::server
