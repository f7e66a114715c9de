// The gateway's HTTP API (v1): routes and endpoint functions, over a Backend.
//
//   GET /json                -> {"message":"Hello, World!"} (built per request)
//   GET /healthz, /readyz    -> liveness; readiness (the backend answers)
//   PUT /v1/kv/{key}[?ttl=S] -> body must be JSON; stored minified; 204
//   GET /v1/kv/{key}[?pointer=/a/b] -> 200 with the document (or the part at the JSON Pointer),
//                               ETag, Cache-Control: max-age from the remaining TTL;
//                               If-None-Match -> 304; missing -> 404
//   DELETE /v1/kv/{key}      -> 204, or 404
// Errors are {"error":{"code":"...","message":"..."}} (invalid JSON adds line, column, offset).
#pragma once

#include <string_view>

#include "cachet/json/writer.h"
#include "gateway/backend.h"
#include "http/parser.h"
#include "http/response.h"
#include "http/router.h"

namespace cachet::gateway {

// Answers routed requests. Thread-safe if the backend is: one Api serves every worker.
class Api {
 public:
  // `backend` may be null (the key-value routes then answer 503).
  explicit Api(Backend* backend = nullptr);
  // Fills `response` (its body lives in `body`) for `request`.
  void handle(const http::Request& request, http::Response& response, json::buffer& body) const;

 private:
  enum Route : int { kJson, kHealthz, kReadyz, kPut, kGet, kDelete };
  void put(const http::Request& request, std::string_view key, http::Response& response,
           json::buffer& body) const;
  void get(const http::Request& request, std::string_view key, http::Response& response,
           json::buffer& body) const;
  void remove(std::string_view key, http::Response& response, json::buffer& body) const;
  // Runs commands on the backend; on failure fills a 503 response and returns false.
  bool run(std::span<const std::vector<std::string_view>> commands,
           std::vector<resp::Reply>& replies, http::Response& response, json::buffer& body) const;

  http::Router router_;
  Backend* backend_;
};

// Writes the API's error body {"error":{"code":...,"message":...}} for `status` into `body`.
void error_body(int status, std::string_view message, json::buffer& body);

// RFC 3986 percent-decoding of a path segment or query value; false if malformed.
bool percent_decode(std::string_view in, std::string& out);

}  // namespace cachet::gateway
