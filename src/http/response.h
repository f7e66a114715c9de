// HTTP/1.1 response serialization and the cached Date header.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cachet::http {

// The reason phrase for a status code ("OK", "Not Found", ...; "Unknown" otherwise).
std::string_view reason_phrase(int status);

// An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") for the Date header, formatted once per second.
class DateCache {
 public:
  // The date for `now` (seconds since the epoch); reformats only when the second changed.
  std::string_view get(std::time_t now);

 private:
  std::time_t second_ = -1;
  char text_[32] = {};
  size_t size_ = 0;
};

struct Response {
  int status = 200;
  std::string_view content_type = "application/json";
  std::string_view body;
  std::vector<std::pair<std::string_view, std::string>> headers;  // extra fields
};

// Appends `r` to `out` as an HTTP/1.1 response: status line, Date, Content-Type (when there is a
// body), Content-Length (except for 1xx, 204 and 304), "Connection: close" unless `keep_alive`,
// the extra headers, and the body unless `head` (a HEAD request) or the status has none.
void write_response(std::string& out, const Response& r, std::string_view date, bool keep_alive,
                    bool head);

}  // namespace cachet::http
