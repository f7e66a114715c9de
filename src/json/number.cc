#include "json/number.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>

#include "json/wide_fraction.h"

namespace cachet::json::detail {
namespace {

bool is_digit(uint8_t c) { return uint8_t(c - '0') < 10; }

struct decimal {
  bool negative = false;
  bool is_integer = true;
  bool exponent_negative = false;
  uint64_t mantissa = 0;  // the digits without the point, exact when digits <= 19
  int digits = 0;         // significant digits in mantissa (leading zeros of 0.00x excluded)
  int64_t exponent = 0;   // power of ten to apply to mantissa
};

// Accumulates the digits at p into d.mantissa (wrapping past 19 digits); returns their end.
// Eight bytes at a time: a partial group is shifted to the top with '0's below it.
[[gnu::always_inline]] inline const uint8_t* digits(const uint8_t* p, const uint8_t* end,
                                                    decimal& d) {
  while (end - p >= 8) {
    uint64_t v = load8(p);
    int k = digit_run(non_digits(v));
    if (k == 0) return p;
    d.mantissa = d.mantissa * kPow10[k] + leading_digits_value(v, k);
    p += k;
    if (k < 8) return p;
  }
  for (; p < end && is_digit(*p); ++p) d.mantissa = d.mantissa * 10 + (*p - '0');
  return p;
}

// Scans the grammar, accumulating the decimal value. Returns the end or nullptr if invalid.
[[gnu::always_inline]] inline const uint8_t* scan(const uint8_t* p, const uint8_t* end,
                                                  decimal& d) {
  d.negative = p < end && *p == '-';
  p += d.negative;
  if (p == end || !is_digit(*p)) return nullptr;
  if (*p == '0') {
    ++p;
    if (p < end && is_digit(*p)) return nullptr;  // leading zero
  } else {
    const uint8_t* first = p;
    p = digits(p, end, d);
    d.digits = static_cast<int>(p - first);
  }
  if (p < end && *p == '.') {
    d.is_integer = false;
    const uint8_t* first = ++p;
    p = digits(p, end, d);
    if (p == first) return nullptr;
    d.exponent = -(p - first);
    if (d.digits == 0) {  // 0.000123: leading zeros are not significant
      while (first < p && *first == '0') ++first;
    }
    d.digits += static_cast<int>(p - first);
  }
  if (p < end && (*p | 0x20) == 'e') {
    d.is_integer = false;
    ++p;
    if (p < end && (*p == '+' || *p == '-')) d.exponent_negative = *p++ == '-';
    if (p == end || !is_digit(*p)) return nullptr;
    int64_t e = 0;
    for (; p < end && is_digit(*p); ++p) {
      if (e < 1'000'000) e = e * 10 + (*p - '0');
    }
    d.exponent += d.exponent_negative ? -e : e;
  }
  return p;
}

}  // namespace

// Computed once, at compile time, far more precisely than the one unit needed.
constexpr powers_of_five kPowersOfFive = [] {
  powers_of_five t{};
  wide_fraction up, down;
  t.p[-kMinPower] = power_of_five{up.limb(0), up.exponent()};
  for (int q = 1; q <= kMaxPower; ++q) {
    up.times_five();
    t.p[q - kMinPower] = power_of_five{up.limb(0), up.exponent()};
  }
  for (int q = -1; q >= kMinPower; --q) {
    down.divided_by_five();
    t.p[q - kMinPower] = power_of_five{down.limb(0), down.exponent()};
  }
  return t;
}();

namespace {

error_kind slow_double(const uint8_t* begin, const uint8_t* end, const decimal& d,
                       parsed_number& out) {
  double value;
  auto [ptr, ec] = std::from_chars(reinterpret_cast<const char*>(begin),
                                   reinterpret_cast<const char*>(end), value);
  if (ec == std::errc::result_out_of_range) {
    // from_chars leaves the value unset; tiny magnitudes round to zero, huge ones are errors.
    if (!d.exponent_negative) return error_kind::number_out_of_range;
    value = d.negative ? -0.0 : 0.0;
  } else if (ec != std::errc() || ptr != reinterpret_cast<const char*>(end)) {
    return error_kind::invalid_number;
  }
  if (std::isinf(value)) return error_kind::number_out_of_range;
  out.tag = 'd';
  out.bits = std::bit_cast<uint64_t>(value);
  return error_kind::none;
}

}  // namespace

error_kind parse_number(const uint8_t* begin, const uint8_t* end, parsed_number& out) {
  decimal d;
  const uint8_t* stop = scan(begin, end, d);
  if (stop == nullptr) return error_kind::invalid_number;
  out.end = stop;
  if (d.digits > 19) {
    uint64_t big;
    auto [ptr, ec] = std::from_chars(reinterpret_cast<const char*>(begin),
                                     reinterpret_cast<const char*>(stop), big);
    if (d.is_integer && !d.negative && ec == std::errc()) {
      out.tag = 'u';
      out.bits = big;
      return error_kind::none;
    }
    return slow_double(begin, stop, d, out);
  }
  if (d.is_integer) {
    if (!d.negative) {
      out.tag = d.mantissa <= uint64_t(INT64_MAX) ? 'l' : 'u';
      out.bits = d.mantissa;
      return error_kind::none;
    }
    if (d.mantissa <= uint64_t(INT64_MAX) + 1) {
      out.tag = 'l';
      out.bits = ~d.mantissa + 1;  // two's complement negation, exact for 2^63
      return error_kind::none;
    }
    return slow_double(begin, stop, d, out);
  }
  uint64_t bits = 0;
  if (d.mantissa != 0 && !eisel_lemire(d.mantissa, d.exponent, bits)) {
    return slow_double(begin, stop, d, out);
  }
  out.tag = 'd';
  out.bits = bits | uint64_t{d.negative} << 63;
  return error_kind::none;
}

result<int64_t> exact_int64(double d) {
  // The bounds are powers of two, exact as doubles.
  if (d >= -0x1p63 && d < 0x1p63 && std::trunc(d) == d) return static_cast<int64_t>(d);
  return error_kind::out_of_range;
}

result<uint64_t> exact_uint64(double d) {
  if (d >= 0 && d < 0x1p64 && std::trunc(d) == d) return static_cast<uint64_t>(d);
  return error_kind::out_of_range;
}

}  // namespace cachet::json::detail
