// The gateway's HTTP side: an Api (routes and endpoint functions) and the per-connection
// net::Handler that parses requests, dispatches them to the Api and writes responses in order.
//
// A request that needs the backend (or a purge, which takes many round trips) holds the
// connection (net::Connection::hold) until its outcome arrives; pipelined requests behind it
// wait in the input buffer, so responses keep their order. The worker thread meanwhile serves
// its other connections. GET /v1/events turns the connection into an event stream for good: it
// is held until it closes (hold_until_event), input after the request is ignored, and the Api's
// EventSource writes to it.
#pragma once

#include <algorithm>
#include <chrono>
#include <span>
#include <string_view>

#include "cachet/json/writer.h"
#include "gateway/api.h"
#include "http/parser.h"
#include "http/response.h"
#include "net/worker.h"

namespace cachet::gateway {

class HttpHandler final : public net::Handler {
 public:
  HttpHandler(const Api& api, const http::Limits& limits)
      : api_(api),
        parser_(limits),
        header_timeout_(limits.header_timeout),
        body_timeout_(limits.body_timeout),
        min_body_rate_(std::max<size_t>(limits.min_body_rate, 1)) {}
  size_t on_input(net::Connection& conn, std::string_view input) override;
  void on_close(net::Connection& conn) override;
  // Answers the held request with the backend's outcome and releases the connection.
  void complete(net::Connection& conn, Outcome& outcome);

 private:
  // Parses and answers the requests at the front of `input`; returns the bytes consumed.
  size_t on_requests(net::Connection& conn, std::string_view input);
  // Starts the backend call (commands, or a purge) for the request in call_; true if it finished
  // synchronously.
  bool call_backend(net::Connection& conn, bool purge);
  // Answers GET /v1/events with the stream head and hands the connection to the EventSource.
  void start_stream(net::Connection& conn);
  void respond(net::Connection& conn, const http::Response& response);
  // Gives a request in progress (`pending` bytes of it received, 0: none) its deadline: the head
  // header_timeout_ from its first byte; then the body body_timeout_ from its first byte plus a
  // second per min_body_rate_ bytes received.
  void track_deadline(net::Connection& conn, size_t pending);

  const Api& api_;
  http::Parser parser_;
  std::chrono::seconds header_timeout_, body_timeout_;
  size_t min_body_rate_;
  std::chrono::steady_clock::time_point body_since_{};  // the body in progress began; {}: none
  http::DateCache dates_;
  json::buffer body_;
  Call call_;
  bool keep_alive_ = true;  // of the request being answered
  bool head_ = false;
  bool waiting_ = false;        // call_ is at the backend
  bool in_input_ = false;       // inside on_input (a synchronous backend answers there)
  bool sent_continue_ = false;  // "100 Continue" already sent for the request in progress
  bool peer_checked_ = false;   // protected mode let this connection's peer in
  bool streaming_ = false;      // the connection is an event stream
};

}  // namespace cachet::gateway
