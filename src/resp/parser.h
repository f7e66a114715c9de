// RESP request parser: turns the bytes a client sent into commands (argument vectors).
//
// Pure and incremental: no sockets, no allocation per argument on the multibulk path. The caller
// hands the parser the unconsumed input, which always starts at the first byte of the command
// being parsed; between calls that return kIncomplete the caller may only append to that input.
// Accepts multibulk requests (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) and inline commands (`GET k\r\n`)
// like redis-server, with Redis's limits and error strings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cachet::resp {

struct Limits {
  size_t max_bulk_len = 512ull * 1024 * 1024;  // proto-max-bulk-len
  size_t max_multibulk_len = 2147483647;       // INT_MAX, like Redis
  size_t max_inline_len = 64 * 1024;           // PROTO_INLINE_MAX_SIZE
  // Tighter limits while a client has not authenticated (as Redis does with requirepass).
  size_t unauthenticated_multibulk_len = 10;
  size_t unauthenticated_bulk_len = 16384;
};

enum class ParseStatus {
  kOk,          // one command parsed; see consumed() and args()
  kIncomplete,  // need more input; see bytes_needed()
  kEmpty,       // a blank line or an empty multibulk was consumed; no command
  kError,       // protocol error; see error(). The connection must be closed after replying.
};

class Parser {
 public:
  explicit Parser(const Limits& limits = {}) : limits_(limits) {}

  // Parses the command at the front of `input`. `authenticated` selects the limits to apply.
  [[nodiscard]] ParseStatus parse(std::string_view input, bool authenticated = true);

  // Bytes of the command (or empty line) just parsed: drop them from the input before the next
  // call.
  size_t consumed() const { return consumed_; }
  // The arguments of the command just parsed; views into the input (or into the parser for inline
  // commands with quotes). Valid until the next parse() or until the input changes.
  std::span<const std::string_view> args() const { return args_; }
  // Whether the command just parsed was an inline one; its args() then live in the parser and
  // are overwritten by the next parse().
  bool is_inline() const { return !inline_args_.empty(); }
  // After kIncomplete: the input length from which parsing can make progress (a lower bound).
  size_t bytes_needed() const { return needed_; }
  // After kError: Redis's message, without the "ERR " prefix.
  const std::string& error() const { return error_; }

 private:
  ParseStatus parse_multibulk(std::string_view input, bool authenticated);
  ParseStatus parse_inline(std::string_view input);
  ParseStatus fail(std::string message);
  ParseStatus need(size_t bytes);
  void finish(std::string_view input, size_t end);

  Limits limits_;
  // Progress through a partially received multibulk command, kept so that a large command arriving
  // in many reads is not rescanned from its start each time.
  size_t pos_ = 0;          // next unparsed byte
  int64_t remaining_ = -1;  // arguments still to read; -1 before the count is read
  std::vector<std::pair<size_t, size_t>> spans_;  // (offset, length) of arguments read so far
  std::vector<std::string_view> args_;
  std::vector<std::string> inline_args_;
  size_t consumed_ = 0;
  size_t needed_ = 0;
  std::string error_;
};

// Splits an inline command line like redis-server (sdssplitargs): whitespace-separated words,
// "double quotes" with \n \r \t \b \a \\ \" \xHH escapes, 'single quotes' with \' (a quote may open
// mid-word). Returns false on unbalanced quotes or a closing quote not followed by a space.
[[nodiscard]] bool split_inline_args(std::string_view line, std::vector<std::string>& out);

}  // namespace cachet::resp
