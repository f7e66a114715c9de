// The gateway's HTTP side: an Api (routes and endpoint functions) and the per-connection
// net::Handler that parses requests, dispatches them to the Api and writes responses in order.
#pragma once

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
  HttpHandler(const Api& api, const http::Limits& limits) : api_(api), parser_(limits) {}
  size_t on_input(net::Connection& conn, std::string_view input) override;

 private:
  const Api& api_;
  http::Parser parser_;
  http::DateCache dates_;
  json::buffer body_;
  bool sent_continue_ = false;  // "100 Continue" already sent for the request in progress
};

}  // namespace cachet::gateway
