#include "gateway/http_handler.h"

#include <chrono>
#include <ctime>

#include "gateway/events.h"

namespace cachet::gateway {

void HttpHandler::respond(net::Connection& conn, const http::Response& response) {
  api_.metrics().record(call_.route, response.status,
                        std::chrono::steady_clock::now() - call_.start);
  http::write_response(conn.output(), response, dates_.get(std::time(nullptr)), keep_alive_, head_);
  if (!keep_alive_) conn.close_after_reply();
}

bool HttpHandler::call_backend(net::Connection& conn, bool purge) {
  waiting_ = true;
  in_input_ = true;
  // The connection is found again by id: it may be gone when the outcome arrives.
  net::Worker& worker = conn.worker();
  uint64_t id = conn.id();
  Done done = [&worker, id](Outcome& outcome) {
    if (net::Connection* c = worker.find(id)) {
      static_cast<HttpHandler&>(c->handler()).complete(*c, outcome);
    }
  };
  if (purge) {
    run_purge(api_.backend(), worker, std::move(call_.purge), std::move(done));
  } else {
    api_.backend().run(worker, call_.user, call_.commands, std::move(done));
  }
  in_input_ = false;
  return !waiting_;
}

void HttpHandler::start_stream(net::Connection& conn) {
  api_.metrics().record(call_.route, 200, std::chrono::steady_clock::now() - call_.start);
  write_stream_head(conn.output(), dates_.get(std::time(nullptr)));
  if (head_) return conn.close_after_reply();
  streaming_ = true;
  conn.hold_until_event();
  api_.events()->open(conn, call_.prefix, call_.last_event_id);
}

void HttpHandler::on_close(net::Connection& conn) {
  if (streaming_) api_.events()->close(conn);
}

void HttpHandler::complete(net::Connection& conn, Outcome& outcome) {
  http::Response response;
  body_.clear();
  api_.finish(call_, outcome, response, body_);
  respond(conn, response);
  waiting_ = false;
  if (!in_input_) conn.worker().release(conn);
}

void HttpHandler::track_deadline(net::Connection& conn, size_t pending) {
  using Clock = std::chrono::steady_clock;
  if (pending == 0 || waiting_) {
    body_since_ = {};
    return conn.clear_deadline();
  }
  Clock::time_point now = Clock::now();
  if (!parser_.headers_complete()) {
    if (!conn.has_deadline()) conn.set_deadline(now + header_timeout_);
    return;
  }
  if (body_since_ == Clock::time_point{}) body_since_ = now;
  conn.set_deadline(body_since_ + body_timeout_ + std::chrono::seconds(pending / min_body_rate_));
}

size_t HttpHandler::on_input(net::Connection& conn, std::string_view input) {
  size_t pos = on_requests(conn, input);
  track_deadline(conn, input.size() - pos);
  return pos;
}

size_t HttpHandler::on_requests(net::Connection& conn, std::string_view input) {
  size_t pos = 0;
  while (pos < input.size()) {
    if (conn.pending_output() >= http::kPauseReadingOutput) {  // the rest waits for the client
      conn.defer_input();
      break;
    }
    http::ParseStatus s = parser_.parse(input.substr(pos));
    if (s == http::ParseStatus::kIncomplete) {
      if (parser_.headers_complete() && parser_.request().expect_continue && !sent_continue_) {
        conn.output() += "HTTP/1.1 100 Continue\r\n\r\n";
        sent_continue_ = true;
      }
      break;
    }
    http::Response response;
    body_.clear();
    // The peer is checked once per connection (it cannot change), as Redis checks at accept.
    if (s == http::ParseStatus::kComplete && !peer_checked_ &&
        api_.refuses(conn.peer_address(), response, body_)) {
      call_.route = Metrics::kUnrouted;
      call_.start = std::chrono::steady_clock::now();
      keep_alive_ = head_ = false;
      respond(conn, response);
      return input.size();
    }
    if (s == http::ParseStatus::kError) {  // framing is in doubt: answer, then close
      call_.route = Metrics::kUnrouted;
      call_.start = std::chrono::steady_clock::now();
      response.status = parser_.error_status();
      error_body(response.status, parser_.error_message(), body_);
      response.body = body_.view();
      keep_alive_ = head_ = false;
      respond(conn, response);
      return input.size();
    }
    sent_continue_ = false;
    peer_checked_ = true;
    conn.clear_deadline();  // the next request's head gets its own
    body_since_ = {};
    const http::Request& request = parser_.request();
    keep_alive_ = request.keep_alive;
    head_ = request.method == "HEAD";
    Api::Next next = api_.start(request, call_, response, body_);
    pos += parser_.consumed();
    if (next == Api::Next::kStream) {
      start_stream(conn);
      return input.size();
    }
    if (next == Api::Next::kRespond) {
      respond(conn, response);
    } else if (!call_backend(conn, next == Api::Next::kPurge)) {
      conn.hold();
      return keep_alive_ ? pos : input.size();
    }
    if (!keep_alive_) return input.size();
  }
  return pos;
}

}  // namespace cachet::gateway
