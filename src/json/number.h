// JSON number grammar and conversion (RFC 8259 section 6).
#pragma once

#include <cstdint>

#include "cachet/json/result.h"

namespace cachet::json::detail {

struct parsed_number {
  char tag = 0;        // 'l' int64, 'u' uint64, 'd' double (tape.h)
  uint64_t bits = 0;   // the value's bit pattern
  const uint8_t* end;  // one past the last byte of the number
};

// Parses the number that starts at `begin` (stops at the first byte that cannot continue it;
// the caller checks what follows). Integers that fit int64 (or else uint64) are exact, anything
// else is the correctly rounded double; magnitudes beyond double are number_out_of_range,
// underflow becomes zero.
error_kind parse_number(const uint8_t* begin, const uint8_t* end, parsed_number& out);

// `d` as an int64_t / uint64_t when it is an integer in that type's range; out_of_range otherwise.
result<int64_t> exact_int64(double d);
result<uint64_t> exact_uint64(double d);

}  // namespace cachet::json::detail
