#include "resp/parser.h"

#include <charconv>
#include <cstring>

namespace cachet::resp {
namespace {

// Parses a signed decimal like Redis's string2ll: no spaces, no plus sign, no leading zeros.
bool parse_length(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  if (s.size() > 1 && (s[0] == '0' || (s[0] == '-' && s[1] == '0'))) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Finds the "\r\n" ending the line that starts at `from`; npos while it has not arrived.
size_t find_crlf(std::string_view input, size_t from) {
  const void* cr = std::memchr(input.data() + from, '\r', input.size() - from);
  if (cr == nullptr) return std::string_view::npos;
  size_t at = static_cast<const char*>(cr) - input.data();
  return at + 1 < input.size() ? at : std::string_view::npos;
}

}  // namespace

ParseStatus Parser::parse(std::string_view input, bool authenticated) {
  consumed_ = 0;
  args_.clear();
  inline_args_.clear();
  if (input.empty()) return need(1);
  if (input[0] == '*') return parse_multibulk(input, authenticated);
  return parse_inline(input);
}

ParseStatus Parser::fail(std::string message) {
  error_ = std::move(message);
  pos_ = 0;
  remaining_ = -1;
  spans_.clear();
  return ParseStatus::kError;
}

ParseStatus Parser::need(size_t bytes) {
  needed_ = bytes;
  return ParseStatus::kIncomplete;
}

void Parser::finish(std::string_view input, size_t end) {
  for (auto [offset, length] : spans_) args_.emplace_back(input.data() + offset, length);
  consumed_ = end;
  pos_ = 0;
  remaining_ = -1;
  spans_.clear();
}

ParseStatus Parser::parse_multibulk(std::string_view input, bool authenticated) {
  if (remaining_ < 0) {
    size_t cr = find_crlf(input, 0);
    if (cr == std::string_view::npos) {
      if (input.size() > limits_.max_inline_len) {
        return fail("Protocol error: too big mbulk count string");
      }
      return need(input.size() + 1);
    }
    int64_t count = 0;
    if (!parse_length(input.substr(1, cr - 1), count) ||
        count > static_cast<int64_t>(limits_.max_multibulk_len)) {
      return fail("Protocol error: invalid multibulk length");
    }
    if (!authenticated && count > static_cast<int64_t>(limits_.unauthenticated_multibulk_len)) {
      return fail("Protocol error: unauthenticated multibulk length");
    }
    pos_ = cr + 2;
    if (count <= 0) {  // "*0" and "*-1" are empty requests, skipped like Redis does
      consumed_ = pos_;
      pos_ = 0;
      return ParseStatus::kEmpty;
    }
    remaining_ = count;
    spans_.reserve(std::min<int64_t>(count, 1024));
  }
  while (remaining_ > 0) {
    if (pos_ >= input.size()) return need(pos_ + 1);
    if (input[pos_] != '$') {
      return fail(std::string("Protocol error: expected '$', got '") + input[pos_] + "'");
    }
    size_t cr = find_crlf(input, pos_);
    if (cr == std::string_view::npos) {
      if (input.size() - pos_ > limits_.max_inline_len) {
        return fail("Protocol error: too big bulk count string");
      }
      return need(input.size() + 1);
    }
    int64_t len = 0;
    if (!parse_length(input.substr(pos_ + 1, cr - pos_ - 1), len) || len < 0 ||
        static_cast<uint64_t>(len) > limits_.max_bulk_len) {
      return fail("Protocol error: invalid bulk length");
    }
    if (!authenticated && static_cast<uint64_t>(len) > limits_.unauthenticated_bulk_len) {
      return fail("Protocol error: unauthenticated bulk length");
    }
    size_t data = cr + 2;
    size_t end = data + static_cast<size_t>(len);
    if (input.size() < end + 2) return need(end + 2);
    if (input[end] != '\r' || input[end + 1] != '\n') {
      return fail("Protocol error: expected '\\r\\n' after bulk data");
    }
    spans_.emplace_back(data, static_cast<size_t>(len));
    pos_ = end + 2;
    --remaining_;
  }
  finish(input, pos_);
  return ParseStatus::kOk;
}

ParseStatus Parser::parse_inline(std::string_view input) {
  const void* nl = std::memchr(input.data(), '\n', input.size());
  if (nl == nullptr) {
    if (input.size() > limits_.max_inline_len)
      return fail("Protocol error: too big inline request");
    return need(input.size() + 1);
  }
  size_t end = static_cast<const char*>(nl) - input.data();
  std::string_view line = input.substr(0, end);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!split_inline_args(line, inline_args_)) {
    return fail("Protocol error: unbalanced quotes in request");
  }
  consumed_ = end + 1;
  if (inline_args_.empty()) return ParseStatus::kEmpty;
  for (const std::string& arg : inline_args_) args_.emplace_back(arg);
  return ParseStatus::kOk;
}

namespace {

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
int hex_value(char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

char unescape(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'a':
      return '\a';
    default:
      return c;
  }
}

// Reads a quoted word starting after its opening quote at `i`; advances `i` past the closing quote.
bool read_quoted(std::string_view line, size_t& i, char quote, std::string& word) {
  while (i < line.size()) {
    char c = line[i];
    if (quote == '"' && c == '\\' && i + 3 < line.size() && line[i + 1] == 'x' &&
        is_hex(line[i + 2]) && is_hex(line[i + 3])) {
      word.push_back(static_cast<char>(hex_value(line[i + 2]) * 16 + hex_value(line[i + 3])));
      i += 4;
    } else if (c == '\\' && i + 1 < line.size() && (quote == '"' || line[i + 1] == '\'')) {
      word.push_back(quote == '"' ? unescape(line[i + 1]) : '\'');
      i += 2;
    } else if (c == quote) {
      ++i;
      // The closing quote must be followed by a space or the end of the line.
      return i == line.size() || is_space(line[i]);
    } else {
      word.push_back(c);
      ++i;
    }
  }
  return false;
}

}  // namespace

bool split_inline_args(std::string_view line, std::vector<std::string>& out) {
  size_t i = 0;
  while (true) {
    while (i < line.size() && is_space(line[i])) ++i;
    if (i == line.size()) return true;
    std::string word;
    while (i < line.size() && !is_space(line[i])) {
      if (line[i] == '"' || line[i] == '\'') {  // a quote opens even mid-word, as in sdssplitargs
        char quote = line[i++];
        if (!read_quoted(line, i, quote, word)) return false;
        break;
      }
      word.push_back(line[i++]);
    }
    out.push_back(std::move(word));
  }
}

}  // namespace cachet::resp
