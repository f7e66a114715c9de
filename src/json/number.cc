#include "json/number.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>

namespace cachet::json::detail {
namespace {

bool is_digit(uint8_t c) { return uint8_t(c - '0') < 10; }

// Exactly representable powers of ten: with a mantissa below 2^53 one multiplication or
// division by them is correctly rounded (Clinger's fast path).
constexpr double kPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

struct decimal {
  bool negative = false;
  bool is_integer = true;
  bool exponent_negative = false;
  uint64_t mantissa = 0;  // the digits without the point, exact when digits <= 19
  int digits = 0;         // significant digits in mantissa (leading zeros of 0.00x excluded)
  int64_t exponent = 0;   // power of ten to apply to mantissa
};

// Per byte of `v`: zero where the byte is an ASCII digit. (A carry out of a byte >= 0xFA can
// disturb the bytes after it, but only bytes after a non-digit, which are never looked at.)
uint64_t non_digits(uint64_t v) {
  return ((v & 0xF0F0F0F0F0F0F0F0) | (((v + 0x0606060606060606) & 0xF0F0F0F0F0F0F0F0) >> 4)) ^
         0x3333333333333333;
}

// The value of 8 ASCII digits, the first in the lowest byte (SWAR: combine pairs, then quads,
// then the two halves).
uint32_t eight_digit_value(uint64_t v) {
  v -= 0x3030303030303030;
  v = v * 10 + (v >> 8);  // each 16-bit lane: its two digits as a number (low byte)
  constexpr uint64_t kMask = 0x000000FF000000FF;
  constexpr uint64_t kMul1 = 100 + (1000000ull << 32);
  constexpr uint64_t kMul2 = 1 + (10000ull << 32);
  return static_cast<uint32_t>(((v & kMask) * kMul1 + ((v >> 16) & kMask) * kMul2) >> 32);
}

constexpr uint64_t kPow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

// Accumulates the digits at p into d.mantissa (wrapping past 19 digits); returns their end.
// Eight bytes at a time: a partial group is shifted to the top with '0's below it.
const uint8_t* digits(const uint8_t* p, const uint8_t* end, decimal& d) {
  while (end - p >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    uint64_t other = non_digits(v);
    int k = other == 0 ? 8 : __builtin_ctzll(other) / 8;
    if (k == 0) return p;
    if (k < 8) v = v << (64 - 8 * k) | 0x3030303030303030 >> (8 * k);
    d.mantissa = d.mantissa * kPow10[k] + eight_digit_value(v);
    p += k;
    if (k < 8) return p;
  }
  for (; p < end && is_digit(*p); ++p) d.mantissa = d.mantissa * 10 + (*p - '0');
  return p;
}

// Scans the grammar, accumulating the decimal value. Returns the end or nullptr if invalid.
const uint8_t* scan(const uint8_t* p, const uint8_t* end, decimal& d) {
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

#if defined(__x86_64__) && __LDBL_MANT_DIG__ == 64
// Exactly representable in x87 extended precision (5^27 < 2^64).
constexpr long double kPowersOfTenExtended[] = {1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,
                                                1e7L,  1e8L,  1e9L,  1e10L, 1e11L, 1e12L, 1e13L,
                                                1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L,
                                                1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};

// Up to 19 digits and 10^27 either way: one correctly rounded x87 operation (64-bit significand,
// both operands exact), then rounding to double. The two roundings agree with one correct
// rounding unless the extended result lies exactly on a midpoint between two doubles (its low 11
// significand bits are 10000000000): then report failure and let from_chars decide.
bool extended_fast_path(const decimal& d, double& value) {
  if (d.digits > 19 || d.exponent < -27 || d.exponent > 27) return false;
  long double x = static_cast<long double>(d.mantissa);
  x = d.exponent < 0 ? x / kPowersOfTenExtended[-d.exponent] : x * kPowersOfTenExtended[d.exponent];
  uint64_t significand;
  std::memcpy(&significand, &x, sizeof significand);
  if ((significand & 0x7FF) == 0x400) return false;
  value = static_cast<double>(x);
  return true;
}
#else
bool extended_fast_path(const decimal&, double&) { return false; }
#endif

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
  double value;
  if (d.mantissa <= (uint64_t{1} << 53) && d.exponent >= -22 && d.exponent <= 22) {
    value = static_cast<double>(d.mantissa);
    value = d.exponent < 0 ? value / kPowersOfTen[-d.exponent] : value * kPowersOfTen[d.exponent];
  } else if (!extended_fast_path(d, value)) {
    return slow_double(begin, stop, d, out);
  }
  out.tag = 'd';
  out.bits = std::bit_cast<uint64_t>(d.negative ? -value : value);
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
