// Argument parsing shared by command families, with Redis's rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cachet::server {

// Case-insensitive ASCII comparison.
bool iequals(std::string_view a, std::string_view b);
// Strict signed 64-bit decimal (Redis's string2ll): no spaces, no '+', no leading zeros.
std::optional<int64_t> parse_int64(std::string_view s);
// A finite or infinite double as Redis's strtold-based parsing accepts; no spaces, no NaN.
std::optional<long double> parse_long_double(std::string_view s);
// Formats like Redis's ld2string(LD_STR_HUMAN): fixed point, 17 digits, no trailing zeros.
std::string format_long_double(long double v);

}  // namespace cachet::server
