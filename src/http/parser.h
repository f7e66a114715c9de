// HTTP/1.1 request parser (RFC 9112 message syntax, RFC 9110 semantics): turns the bytes a
// client sent into requests.
//
// Pure and incremental: no sockets. The caller hands the parser the unconsumed input, which
// always starts at the first byte of the request being parsed; between calls that return
// kIncomplete the caller may only append to that input. Strict where leniency enables request
// smuggling: CRLF line endings only (a bare CR or LF anywhere in a head, chunk line or trailer is
// an error as soon as it arrives), no obs-fold, no whitespace before a colon, exactly one Host,
// at most one Content-Length, never both Content-Length and Transfer-Encoding, and chunked as
// the only transfer coding.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cachet::http {

struct Limits {
  size_t max_target = 8 * 1024;     // request-target bytes; over it: 414
  size_t max_header_bytes = 16384;  // request line + header fields; over it: 431
  size_t max_headers = 100;         // header fields; over it: 431
  size_t max_body = 1024 * 1024;    // decoded body bytes; over it: 413
  // Time from a request head's first byte to its blank line before the connection closes (not
  // reset by each byte, like nginx's client_header_timeout). Enforced by the connection handler.
  std::chrono::seconds header_timeout{10};
  // A request body must arrive within `body_timeout`, extended by one second for every
  // `min_body_rate` bytes received (Apache mod_reqtimeout's body=20,MinRate=500), so a client
  // trickling a body cannot hold a connection. Enforced by the connection handler.
  std::chrono::seconds body_timeout{20};
  size_t min_body_rate = 500;  // bytes per second
};

// An HTTP connection stops reading requests while more than kPauseReadingOutput bytes of its
// responses are unread, and is closed past kMaxUnreadOutput (one batch of large responses).
constexpr size_t kPauseReadingOutput = 1024 * 1024;
constexpr size_t kMaxUnreadOutput = 64 * 1024 * 1024;

struct Header {
  std::string_view name;   // as sent; compare with iequals()
  std::string_view value;  // leading and trailing whitespace removed
};

struct Request {
  std::string_view method;
  std::string_view target;  // as sent: path and query
  std::string_view path;    // target before '?'
  std::string_view query;   // after '?', without it; empty if none
  int minor_version = 1;    // HTTP/1.<minor>
  std::vector<Header> headers;
  std::string_view host;
  bool keep_alive = true;  // HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with keep-alive
  bool expect_continue = false;  // "Expect: 100-continue"
  std::string body;              // decoded (chunked bodies joined)

  // The first header named `name` (case-insensitive), or an empty view.
  std::string_view header(std::string_view name) const;
};

enum class ParseStatus {
  kComplete,    // a whole request; see request() and consumed()
  kIncomplete,  // need more input; headers_complete() tells whether the head is in
  kError,       // see error_status() and error_message(); the connection must close after replying
};

class Parser {
 public:
  explicit Parser(const Limits& limits = {}) : limits_(limits) {}

  // Parses the request at the front of `input`.
  [[nodiscard]] ParseStatus parse(std::string_view input);

  const Request& request() const { return request_; }
  // Bytes of the request just parsed: drop them before the next call.
  size_t consumed() const { return consumed_; }
  // Whether the request head has been parsed (e.g. to answer "Expect: 100-continue" before the
  // body arrives).
  bool headers_complete() const { return head_size_ != 0; }
  // After kError: the status to answer with (400, 413, 414, 431, 501 or 505) and why.
  int error_status() const { return error_status_; }
  const std::string& error_message() const { return error_message_; }

 private:
  ParseStatus parse_head(std::string_view input);
  ParseStatus parse_request_line(std::string_view line);
  ParseStatus parse_header_line(std::string_view line);
  // Checks one field line (a header or a trailer) and splits it into `h`.
  ParseStatus parse_field_line(std::string_view line, Header& h);
  ParseStatus check_framing();
  ParseStatus parse_body(std::string_view input);
  ParseStatus parse_chunked(std::string_view input);
  ParseStatus parse_trailers(std::string_view input, size_t start);
  ParseStatus fail(int status, std::string message);
  void reset();

  Limits limits_;
  Request request_;
  size_t consumed_ = 0;
  size_t head_size_ = 0;  // bytes of request line + headers + blank line, once parsed
  bool chunked_ = false;
  uint64_t content_length_ = 0;
  size_t chunk_pos_ = 0;        // chunked: input offset of the next chunk-size line
  size_t extension_bytes_ = 0;  // chunked: extension bytes of the chunk lines so far
  int error_status_ = 0;
  std::string error_message_;
};

// ASCII case-insensitive equality (header names, tokens).
bool iequals(std::string_view a, std::string_view b);

// `s` without leading and trailing spaces and tabs (optional whitespace, RFC 9110 5.6.3).
inline std::string_view trim_whitespace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls fn(element) for each element of a comma-separated header list (RFC 9110 5.6.1),
// trimmed, skipping empty ones.
template <typename Fn>
void for_each_list_element(std::string_view list, Fn&& fn) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = trim_whitespace(list.substr(0, comma));
    if (!item.empty()) fn(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

}  // namespace cachet::http
