#include "http/response.h"

#include <charconv>

namespace cachet::http {
namespace {

bool has_no_body(int status) { return status < 200 || status == 204 || status == 304; }

void append_number(std::string& out, uint64_t n) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
}

}  // namespace

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 417:
      return "Expectation Failed";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

std::string_view DateCache::get(std::time_t now) {
  if (now != second_) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    size_ = std::strftime(text_, sizeof text_, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    second_ = now;
  }
  return {text_, size_};
}

void write_response(std::string& out, const Response& r, std::string_view date, bool keep_alive,
                    bool head) {
  out += "HTTP/1.1 ";
  append_number(out, static_cast<uint64_t>(r.status));
  out += ' ';
  out += reason_phrase(r.status);
  out += "\r\nDate: ";
  out += date;
  out += "\r\n";
  bool bodyless = has_no_body(r.status);
  if (!bodyless) {
    if (!r.body.empty() || head) {
      out += "Content-Type: ";
      out += r.content_type;
      out += "\r\n";
    }
    out += "Content-Length: ";
    append_number(out, r.body.size());
    out += "\r\n";
  }
  if (!keep_alive) out += "Connection: close\r\n";
  for (const auto& [name, value] : r.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += "\r\n";
  if (!head && !bodyless) out += r.body;
}

}  // namespace cachet::http
