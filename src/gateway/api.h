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
//   GET /metrics             -> Prometheus text; GET /openapi.json -> this API in OpenAPI 3.1
// Errors are {"error":{"code":"...","message":"..."}} (invalid JSON adds line, column, offset).
#pragma once

#include <string_view>

#include "cachet/json/writer.h"
#include "gateway/backend.h"
#include "gateway/metrics.h"
#include "http/parser.h"
#include "http/response.h"
#include "http/router.h"

namespace cachet::gateway {

// Answers routed requests. Thread-safe if the backend is: one Api serves every worker.
class Api {
 public:
  // `backend` may be null (the key-value routes then answer 503).
  explicit Api(Backend* backend = nullptr);
  // Fills `response` (its body lives in `body`) for `request`; returns the route it took.
  Metrics::Route handle(const http::Request& request, http::Response& response,
                        json::buffer& body) const;
  Metrics& metrics() const { return metrics_; }

 private:
  void put(const http::Request& request, std::string_view key, http::Response& response,
           json::buffer& body) const;
  void get(const http::Request& request, std::string_view key, http::Response& response,
           json::buffer& body) const;
  void remove(std::string_view key, http::Response& response, json::buffer& body) const;
  void batch(const http::Request& request, http::Response& response, json::buffer& body) const;
  void route(Metrics::Route id, const http::Request& request, std::string_view key,
             http::Response& response, json::buffer& body) const;
  // Runs commands on the backend; on failure fills a 503 response and returns false.
  bool run(std::span<const std::vector<std::string_view>> commands,
           std::vector<resp::Reply>& replies, http::Response& response, json::buffer& body) const;

  http::Router router_;
  Backend* backend_;
  mutable Metrics metrics_;
};

// The OpenAPI 3.1 description of this API (openapi.cc).
std::string_view openapi_document();

// Writes the API's error body {"error":{"code":...,"message":...}} for `status` into `body`.
void error_body(int status, std::string_view message, json::buffer& body);

// RFC 3986 percent-decoding of a path segment or query value; false if malformed.
bool percent_decode(std::string_view in, std::string& out);

}  // namespace cachet::gateway
