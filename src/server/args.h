// Argument parsing shared by command families, with Redis's rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace cachet::server {

// Case-insensitive ASCII comparison.
bool iequals(std::string_view a, std::string_view b);
// Strict signed 64-bit decimal (Redis's string2ll): no spaces, no '+', no leading zeros.
std::optional<int64_t> parse_int64(std::string_view s);
// A finite or infinite double as Redis's strtold-based parsing accepts; no spaces, no NaN.
std::optional<long double> parse_long_double(std::string_view s);
// GETRANGE's rule for an inclusive [start, end] over `len` units (bytes, or bits for BITCOUNT ...
// BIT): negative indexes count from the end, both are clamped to [0, len - 1]. Nothing when the
// range is empty.
std::optional<std::pair<uint64_t, uint64_t>> clamp_range(int64_t start, int64_t end, uint64_t len);
// Formats like Redis's ld2string(LD_STR_HUMAN): fixed point, 17 digits, no trailing zeros.
std::string format_long_double(long double v);

}  // namespace cachet::server
