#include "resp/reply.h"

#include <charconv>

namespace cachet::resp {
namespace {

constexpr int kMaxDepth = 32;

struct Cursor {
  std::string_view in;
  size_t pos = 0;
  size_t max_bulk;
};

// The line at the cursor without its CRLF; false if incomplete.
bool line(Cursor& c, std::string_view& out) {
  size_t end = c.in.find("\r\n", c.pos);
  if (end == std::string_view::npos) return false;
  out = c.in.substr(c.pos, end - c.pos);
  c.pos = end + 2;
  return true;
}

bool to_int(std::string_view s, int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

ReplyStatus parse(Cursor& c, Reply& out, int depth) {
  if (depth > kMaxDepth) return ReplyStatus::kError;
  if (c.pos >= c.in.size()) return ReplyStatus::kIncomplete;
  char type = c.in[c.pos++];
  std::string_view text;
  if (!line(c, text)) return ReplyStatus::kIncomplete;
  int64_t n = 0;
  switch (type) {
    case '+':
    case '-':
      out.type = type == '+' ? Reply::Type::kSimple : Reply::Type::kError;
      out.text.assign(text);
      return ReplyStatus::kOk;
    case ':':
      out.type = Reply::Type::kInteger;
      return to_int(text, out.integer) ? ReplyStatus::kOk : ReplyStatus::kError;
    case '$':
      if (!to_int(text, n) || n < -1 || (n > 0 && uint64_t(n) > c.max_bulk))
        return ReplyStatus::kError;
      if (n == -1) {
        out.type = Reply::Type::kNull;
        return ReplyStatus::kOk;
      }
      if (c.in.size() - c.pos < size_t(n) + 2) return ReplyStatus::kIncomplete;
      if (c.in.substr(c.pos + n, 2) != "\r\n") return ReplyStatus::kError;
      out.type = Reply::Type::kBulk;
      out.text.assign(c.in.substr(c.pos, n));
      c.pos += n + 2;
      return ReplyStatus::kOk;
    case '*':
      if (!to_int(text, n) || n < -1 || (n > 0 && uint64_t(n) > c.max_bulk))
        return ReplyStatus::kError;
      out.type = n == -1 ? Reply::Type::kNull : Reply::Type::kArray;
      out.elements.clear();
      for (int64_t i = 0; i < n; ++i) {
        ReplyStatus s = parse(c, out.elements.emplace_back(), depth + 1);
        if (s != ReplyStatus::kOk) return s;
      }
      return ReplyStatus::kOk;
    default:
      return ReplyStatus::kError;
  }
}

}  // namespace

ReplyStatus parse_reply(std::string_view input, Reply& out, size_t& consumed, size_t max_bulk) {
  Cursor c{input, 0, max_bulk};
  ReplyStatus s = parse(c, out, 0);
  if (s == ReplyStatus::kOk) consumed = c.pos;
  return s;
}

}  // namespace cachet::resp
