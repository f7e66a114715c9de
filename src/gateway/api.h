// The gateway's HTTP API (v1): routes and endpoint functions, over a Backend.
//
//   GET /json                -> {"message":"Hello, World!"} (built per request)
//   GET /healthz, /readyz    -> liveness; readiness (the backend answers)
//   PUT /v1/kv/{key}[?ttl=S] -> body must be JSON; stored minified; 204
//   GET /v1/kv/{key}[?pointer=/a/b] -> 200 with the document (or the part at the JSON Pointer),
//                               ETag, Cache-Control: max-age from the remaining TTL;
//                               If-None-Match -> 304; missing -> 404
//   DELETE /v1/kv/{key}      -> 204, or 404
//   POST /v1/batch           -> {"set":{k:v}, "get":[k], "delete":[k]} run as sets, then gets,
//                               then deletes (pipelined); {"set":n,"get":{k:doc|null},"deleted":n}
//   PUT /v1/kv/{key}?tags=a,b -> also records the key under each tag (invalidation.h)
//   POST /v1/invalidate      -> {"tags":[t], "keys":[k], "prefix":"p"} (any subset) deletes every
//                               matching key, incrementally; {"deleted":n}
//   GET /v1/events[?prefix=p] -> text/event-stream of changed/deleted/expired/evicted events
//                               (events.h, event_hub.h), from either backend
//   GET /metrics             -> Prometheus text; GET /openapi.json -> this API in OpenAPI 3.1
// With a password set (see Authenticator), everything but /healthz needs credentials (401).
// Errors are {"error":{"code":"...","message":"..."}} (invalid JSON adds line, column, offset).
#pragma once

#include <chrono>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "cachet/json/writer.h"
#include "gateway/backend.h"
#include "gateway/invalidation.h"
#include "gateway/metrics.h"
#include "http/parser.h"
#include "http/response.h"
#include "http/router.h"

namespace cachet::gateway {

// A request that waits for the backend: its commands and everything its answer needs, owned,
// because the request's bytes are gone by the time the replies arrive. Reused across requests.
struct Call {
  Metrics::Route route = Metrics::kUnrouted;
  std::chrono::steady_clock::time_point start;
  std::string key;      // percent-decoded key of a /v1/kv route
  std::string pointer;  // ?pointer= (GET), when has_pointer
  bool has_pointer = false;
  std::string if_none_match;
  std::deque<std::string> args;   // command arguments (a deque: views stay valid)
  size_t sets = 0, gets = 0;      // batch: commands are its SETs, then GETs, then DELs
  std::vector<Command> commands;  // views into the strings above
  PurgeSpec purge;                // POST /v1/invalidate
  std::string prefix;             // GET /v1/events: ?prefix=
  std::string last_event_id;      // GET /v1/events: Last-Event-ID
  std::string user = "default";   // the ACL user the credentials name

  void clear();
  std::string_view own(std::string_view arg) { return args.emplace_back(arg); }
};

// Who may use the API: the cache's own users, when it has a password. Thread-safe.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Whether requests must carry credentials at all.
  virtual bool required() const = 0;
  // Whether `user` with `password` may use the API (AUTH's rule).
  virtual bool check(std::string_view user, std::string_view password) const = 0;
  // Whether a client at `peer` (net::peer_address) is refused outright (protected mode).
  virtual bool refuses(std::string_view /*peer*/) const { return false; }
};

// Answers routed requests. Thread-safe if the backend is: one Api serves every worker.
class Api {
 public:
  // `backend` may be null (the key-value routes then answer 503). With an `auth` that requires
  // credentials, every route but /healthz needs `Authorization: Basic` (user:password) or
  // `Authorization: Bearer <password>` (the default user) and answers 401 with
  // WWW-Authenticate otherwise.
  explicit Api(Backend* backend = nullptr, const Authenticator* auth = nullptr);
  // What the handler does after start().
  enum class Next {
    kRespond,  // `response` (its body in `body`) is complete
    kRun,      // run call.commands on backend(), then finish() writes the response
    kPurge,    // run_purge(call.purge) on backend(), then finish()
    kStream,   // write the event-stream head, then events()->open(call.prefix, call.last_event_id)
  };
  // Routes `request` and records the route in call.route.
  Next start(const http::Request& request, Call& call, http::Response& response,
             json::buffer& body) const;
  void finish(Call& call, Outcome& outcome, http::Response& response, json::buffer& body) const;
  // The backend's key change events; null when it has none (or there is no backend).
  EventSource* events() const { return backend_ ? backend_->events() : nullptr; }
  // Whether the client at `peer` is refused outright; then `response` is the 403 to send.
  bool refuses(std::string_view peer, http::Response& response, json::buffer& body) const;
  Backend& backend() const { return *backend_; }
  Metrics& metrics() const { return metrics_; }

 private:
  bool put(const http::Request& request, Call& call, http::Response& response,
           json::buffer& body) const;
  bool get(const http::Request& request, Call& call) const;
  bool batch(const http::Request& request, Call& call, http::Response& response,
             json::buffer& body) const;
  // Parses the body into call.purge; false when `response` is a 400/413.
  bool invalidate(const http::Request& request, Call& call, http::Response& response,
                  json::buffer& body) const;
  // GET /v1/events: the stream's parameters, or a 501 for a Backend without an EventSource.
  Next stream(const http::Request& request, Call& call, http::Response& response,
              json::buffer& body) const;
  // Adds the tag index updates of a PUT (`value` is what the SET stores); false with a 400.
  bool tag(std::string_view tags, std::string_view value, uint64_t ttl, Call& call,
           http::Response& response, json::buffer& body) const;
  // Whether the request may proceed; else fills a 401 response.
  bool authorized(const http::Request& request, std::string& user, http::Response& response,
                  json::buffer& body) const;
  Next route(const http::Request& request, Call& call, http::Response& response,
             json::buffer& body) const;
  void answer_get(Call& call, std::vector<resp::Reply>& replies, http::Response& response,
                  json::buffer& body) const;
  void answer_batch(Call& call, std::vector<resp::Reply>& replies, json::buffer& body) const;
  // Whether the outcome holds replies and none is an error; else fills a 503 response.
  bool answered(const Outcome& outcome, http::Response& response, json::buffer& body) const;

  http::Router router_;
  Backend* backend_;
  const Authenticator* auth_;
  mutable Metrics metrics_;
};

// The OpenAPI 3.1 description of this API (openapi.cc).
std::string_view openapi_document();

// Writes the API's error body {"error":{"code":...,"message":...}} for `status` into `body`.
void error_body(int status, std::string_view message, json::buffer& body);

// `s` with every byte that is not part of well-formed UTF-8 replaced by U+FFFD, so JSON bodies
// stay valid UTF-8 (RFC 8259) whatever bytes a key, message or RESP-written value holds.
std::string valid_utf8(std::string_view s);
// RFC 4648 base64 (with padding, no line breaks); false if malformed.
bool base64_decode(std::string_view in, std::string& out);
// RFC 3986 percent-decoding of a path segment or query value; false if malformed.
bool percent_decode(std::string_view in, std::string& out);

}  // namespace cachet::gateway
