#include "gateway/http_handler.h"

#include <chrono>
#include <ctime>

namespace cachet::gateway {
size_t HttpHandler::on_input(net::Connection& conn, std::string_view input) {
  size_t pos = 0;
  while (pos < input.size()) {
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
    std::string_view date = dates_.get(std::time(nullptr));
    auto start = std::chrono::steady_clock::now();
    if (s == http::ParseStatus::kError) {  // framing is in doubt: answer, then close
      response.status = parser_.error_status();
      api_.metrics().record(Metrics::kUnrouted, response.status, std::chrono::nanoseconds(0));
      error_body(response.status, parser_.error_message(), body_);
      response.body = body_.view();
      http::write_response(conn.output(), response, date, false, false);
      conn.close_after_reply();
      return input.size();
    }
    sent_continue_ = false;
    const http::Request& request = parser_.request();
    Metrics::Route route = api_.handle(request, response, body_);
    api_.metrics().record(route, response.status, std::chrono::steady_clock::now() - start);
    http::write_response(conn.output(), response, date, request.keep_alive,
                         request.method == "HEAD");
    pos += parser_.consumed();
    if (!request.keep_alive) {
      conn.close_after_reply();
      return input.size();
    }
  }
  return pos;
}

}  // namespace cachet::gateway
