#include "gateway/http_handler.h"

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
    if (s == http::ParseStatus::kError) {  // framing is in doubt: answer, then close
      response.status = parser_.error_status();
      error_body(response.status, parser_.error_message(), body_);
      response.body = body_.view();
      http::write_response(conn.output(), response, date, false, false);
      conn.close_after_reply();
      return input.size();
    }
    sent_continue_ = false;
    const http::Request& request = parser_.request();
    api_.handle(request, response, body_);
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
