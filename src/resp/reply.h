// RESP2 reply parser, for clients of a RESP server (the gateway's backends): turns the bytes a
// server sent into a reply tree. Pure and incremental like Parser: the caller passes the unread
// input starting at a reply; kIncomplete means "call again with more".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cachet::resp {

struct Reply {
  enum class Type { kSimple, kError, kInteger, kBulk, kNull, kArray };
  Type type = Type::kNull;
  std::string text;  // simple string, error message, or bulk bytes
  int64_t integer = 0;
  std::vector<Reply> elements;
};

enum class ReplyStatus { kOk, kIncomplete, kError };

// Parses one reply from the front of `input` into `out`; on kOk sets `consumed`. Nesting deeper
// than 32 levels or a length over `max_bulk` is kError.
ReplyStatus parse_reply(std::string_view input, Reply& out, size_t& consumed,
                        size_t max_bulk = 512ull * 1024 * 1024);

}  // namespace cachet::resp
