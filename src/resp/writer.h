// RESP reply writer: appends RESP2 or RESP3 replies to an output string.
//
// The same calls produce the right encoding for either protocol version (a RESP3 map becomes a
// flat RESP2 array, a RESP3 null becomes `$-1`), so command code never branches on the protocol.
// Not thread-safe; one writer per connection.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cachet::resp {

// Writes `d` as Redis 7.0 prints a double ("%.17g"; "inf", "-inf") into `out`; returns its length.
size_t format_double(double d, char (&out)[32]);

class Writer {
 public:
  explicit Writer(std::string& out, int protocol = 2) : out_(&out), protocol_(protocol) {}

  int protocol() const { return protocol_; }
  void set_protocol(int protocol) { protocol_ = protocol; }
  std::string& buffer() { return *out_; }

  void simple(std::string_view s);  // +s (must not contain CR or LF)
  void ok() { out_->append("+OK\r\n"); }
  // -message; `message` starts with the error code ("ERR ...", "WRONGTYPE ..."). CR/LF become
  // spaces.
  void error(std::string_view message);
  void integer(int64_t n);
  void bulk(std::string_view s);
  void null();        // missing value: `$-1` (RESP2) or `_` (RESP3)
  void null_array();  // missing aggregate: `*-1` (RESP2) or `_` (RESP3)
  void array(size_t n);
  void map(size_t pairs);                // RESP3 `%`; RESP2 array of 2*pairs
  void set(size_t n);                    // RESP3 `~`; RESP2 array
  void push(size_t n);                   // RESP3 `>` (out-of-band data); RESP2 array
  void verbatim(std::string_view text);  // RESP3 `=` txt; RESP2 bulk string
  // A double as Redis 7.0's addReplyDouble writes it: "%.17g" (inf and -inf spelled so), as a
  // RESP3 `,` double or a RESP2 bulk string.
  void dbl(double d);
  // A double the caller formatted itself (e.g. Redis's human long-double form for GEOPOS): a
  // RESP3 `,` double or a RESP2 bulk string.
  void dbl_text(std::string_view text);

 private:
  void header(char type, uint64_t n);
  std::string* out_;
  int protocol_;
};

}  // namespace cachet::resp
