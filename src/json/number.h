// JSON number grammar and conversion (RFC 8259 section 6).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

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

// 5^q for q in [kMinPower, kMaxPower] as a 64-bit significand in [2^63, 2^64) and a power of
// two: 5^q ~ significand * 2^exponent, within one unit of the significand (number.cc).
__extension__ using uint128 = unsigned __int128;

inline constexpr int kMinPower = -342, kMaxPower = 308;
struct power_of_five {
  uint64_t significand;
  int32_t exponent;
};
struct powers_of_five {
  power_of_five p[kMaxPower - kMinPower + 1];
};
extern const powers_of_five kPowersOfFive;

// Eisel and Lemire's conversion ("Number Parsing at a Gigabyte per Second", 2021): the decimal
// w * 10^q (w != 0) is w * 5^q * 2^q; one 64x64-bit product of w (normalized) and 5^q's
// significand (rounded down) has the double's 53 bits and the rounding bit at its top. The exact
// value is at most one unit of the high word above the product, so rounding to nearest is
// certain unless the product is just below the halfway point (rounding bit 0, all ones below it:
// the error could reach it) or, when 5^q is exact, may be on it (a tie, to be rounded to even).
// Just below a whole number (rounding bit 1, all ones below) is certain: both sides round to it.
// Sets `bits` to the positive double's bit pattern and returns true when certain; false leaves
// the uncertain cases, and subnormal or infinite results, to the caller.
[[gnu::always_inline]] inline bool eisel_lemire(uint64_t w, int64_t q, uint64_t& bits) {
  if (q < kMinPower || q > kMaxPower) return false;
  power_of_five p5 = kPowersOfFive.p[q - kMinPower];
  int lz = std::countl_zero(w);
  uint128 product = static_cast<uint128>(w << lz) * p5.significand;
  uint64_t high = static_cast<uint64_t>(product >> 64);
  int upper = static_cast<int>(high >> 63);
  int shift = 9 + upper;  // high keeps 54 bits: the 53 of the double and the rounding bit
  uint64_t below_mask = (uint64_t{1} << shift) - 1;
  uint64_t rounding = high & (2 * below_mask + 1);  // the rounding bit and the bits below it
  bool exact = static_cast<uint64_t>(q) <= 27;      // 5^q fits the significand
  if ((rounding == below_mask) | ((rounding == below_mask + 1) & exact)) return false;
  uint64_t mantissa = ((high >> shift) + 1) >> 1;  // round half up (never an exact tie here)
  // value = product * 2^(exponent + q - lz), and product = 1.x * 2^(126 + upper). The biased
  // exponent less one is added to the mantissa with its leading bit, so a mantissa rounded up
  // to 2^53 carries into the exponent by itself; the largest exponents (which that carry could
  // make infinite) and subnormals are left to the caller.
  int64_t biased = 126 + upper + p5.exponent + q - lz + 1022;
  if (static_cast<uint64_t>(biased) >= 2045) return false;
  bits = mantissa + (static_cast<uint64_t>(biased) << 52);
  return true;
}

inline constexpr uint64_t kZeros = 0x3030303030303030;  // eight '0's
inline constexpr uint64_t kPow10[] = {1,
                                      10,
                                      100,
                                      1000,
                                      10000,
                                      100000,
                                      1000000,
                                      10000000,
                                      100000000,
                                      1000000000,
                                      10000000000,
                                      100000000000,
                                      1000000000000,
                                      10000000000000,
                                      100000000000000,
                                      1000000000000000,
                                      10000000000000000,
                                      100000000000000000};  // 10^0 to 10^17

inline uint64_t load8(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Per byte of the 8 bytes `v`: zero where the byte is an ASCII digit. (A carry out of a byte >=
// 0xFA can disturb the bytes after it, but only bytes after a non-digit, which are never used.)
inline uint64_t non_digits(uint64_t v) {
  return ((v & 0xF0F0F0F0F0F0F0F0) | (((v + 0x0606060606060606) & 0xF0F0F0F0F0F0F0F0) >> 4)) ^
         0x3333333333333333;
}

// The number of leading digits in the 8 bytes whose non_digits() is `nd` (0 to 8).
inline int digit_run(uint64_t nd) { return nd == 0 ? 8 : __builtin_ctzll(nd) / 8; }

// The value of 8 digits given as byte values 0-9, the most significant in the lowest byte
// (SWAR: combine pairs, then quads, then the two halves).
inline uint32_t eight_digit_value(uint64_t v) {
  v = v * 10 + (v >> 8);  // each 16-bit lane: its two digits as a number (low byte)
  constexpr uint64_t kMask = 0x000000FF000000FF;
  constexpr uint64_t kMul1 = 100 + (1000000ull << 32);
  constexpr uint64_t kMul2 = 1 + (10000ull << 32);
  return static_cast<uint32_t>(((v & kMask) * kMul1 + ((v >> 16) & kMask) * kMul2) >> 32);
}

// The value of the first k (0 to 8) digits of the 8 bytes `v`: they are moved to the top and
// the vacated low bytes read as leading zeros. (Two shifts, so k = 0 never shifts by 64.)
// Subtracting '0' can borrow only from bytes after the first non-digit, which are shifted out.
inline uint64_t leading_digits_value(uint64_t v, int k) {
  int half = 32 - 4 * k;
  return eight_digit_value(((v - kZeros) << half) << half);
}

}  // namespace cachet::json::detail
