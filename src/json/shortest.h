// Doubles printed as the shortest text that reads back as the same double.
#pragma once

#include <cstddef>

namespace cachet::json::detail {

// Bytes write_double may touch from its first argument (it stores whole words past the text).
inline constexpr size_t kDoubleScratch = 48;

// Writes finite `d` at `p` and returns the end: the digits and the notation std::to_chars
// chooses (the fewest significant digits that read back as `d`, the nearest such number; fixed
// notation unless scientific is shorter), in JSON's spelling: exponents without '+' or leading
// zeros ("1e22", "1e-7"), and ".0" after an integer so it reads back as a double. `p` must have
// kDoubleScratch writable bytes.
char* write_double(char* p, double d);

// write_double(a) ',' write_double(b): the two conversions interleaved, so one's latency hides
// the other's (arrays of numbers: coordinates, vectors). `p` needs 2 * kDoubleScratch bytes.
char* write_double_pair(char* p, double a, double b);

// The same text made by std::to_chars and respelled: write_double's fallback for integers
// beyond 2^53 printed with zeros past their digits, and the tests' reference.
char* write_double_by_to_chars(char* p, double d);

}  // namespace cachet::json::detail
