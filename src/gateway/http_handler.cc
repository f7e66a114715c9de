#include "gateway/http_handler.h"

#include <ctime>

namespace cachet::gateway {
namespace {

std::string_view error_code(int status) {
  switch (status) {
    case 400:
      return "bad_request";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 413:
      return "payload_too_large";
    case 414:
      return "uri_too_long";
    case 431:
      return "headers_too_large";
    case 501:
      return "not_implemented";
    case 503:
      return "unavailable";
    case 505:
      return "http_version_not_supported";
    default:
      return "error";
  }
}

}  // namespace

void error_body(int status, std::string_view message, json::buffer& body) {
  json::writer w(body);
  w.begin_object().key("error").begin_object();
  w.key("code").value(error_code(status)).key("message").value(message);
  w.end_object().end_object();
}

Api::Api() {
  router_.add("GET", "/json", kJson);
  router_.add("GET", "/healthz", kHealthz);
}

void Api::handle(const http::Request& request, http::Response& response, json::buffer& body) const {
  http::Router::Match m = router_.match(request.method, request.path);
  if (m.kind == http::Router::Match::kNotFound) {
    response.status = 404;
    error_body(404, "no route for " + std::string(request.path), body);
  } else if (m.kind == http::Router::Match::kMethodNotAllowed) {
    response.status = 405;
    response.headers.emplace_back("Allow", m.allow);
    error_body(405, std::string(request.method) + " is not allowed here; allowed: " + m.allow,
               body);
  } else if (m.id == kJson) {
    json::writer w(body);  // built per request, as the TechEmpower JSON test requires
    w.begin_object().key("message").value("Hello, World!").end_object();
  } else {
    json::writer w(body);
    w.begin_object().key("status").value("ok").end_object();
  }
  response.body = body.view();
}

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
