// The fast path of number parsing, for stage 2 (stage2_impl.h): included only by the kernel
// translation units, each compiled with its own -m flags. Digit runs are converted with SSE4.1
// where the kernel has it and eight digits at a time in general registers otherwise, so, as in
// stage1_impl.h, everything here has internal linkage (anonymous namespace): no kernel's copy
// can be merged with another's by the linker.
#pragma once

#ifdef __SSE4_1__
#include <immintrin.h>
#endif

#include "json/number.h"

namespace cachet::json::detail {
namespace {

#ifdef __SSE4_1__
// For n in [0, 16], the byte shuffle that moves bytes [0, n) of a vector to [16 - n, 16) and
// clears the bytes before them.
struct right_aligners {
  alignas(16) uint8_t shuffle[17][16];
};
constexpr right_aligners kRightAlign = [] {
  right_aligners t{};
  for (int n = 0; n <= 16; ++n) {
    for (int i = 0; i < 16; ++i) t.shuffle[n][i] = i < 16 - n ? 0x80 : uint8_t(i - (16 - n));
  }
  return t;
}();

// The digits at q (16 bytes are read): sets `count` to the length of their run, up to 16, and
// returns the value of those `count` digits. The digits are moved to the end of a vector, then
// combined pairwise into 2-, 4- and 8-digit values by multiply-adds.
[[gnu::always_inline]] inline uint64_t digit_run_value(const uint8_t* q, int& count) {
  __m128i v =
      _mm_sub_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q)), _mm_set1_epi8('0'));
  __m128i digits = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(9)), v);
  count = __builtin_ctz(~static_cast<uint32_t>(_mm_movemask_epi8(digits)));
  v = _mm_shuffle_epi8(
      v, _mm_load_si128(reinterpret_cast<const __m128i*>(kRightAlign.shuffle[count])));
  v = _mm_maddubs_epi16(v, _mm_setr_epi8(10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1));
  v = _mm_madd_epi16(v, _mm_setr_epi16(100, 1, 100, 1, 100, 1, 100, 1));
  v = _mm_packus_epi32(v, v);
  v = _mm_madd_epi16(v, _mm_setr_epi16(10000, 1, 10000, 1, 10000, 1, 10000, 1));
  uint64_t halves = static_cast<uint64_t>(_mm_cvtsi128_si64(v));  // the first 8 digits, the last
  return (halves & 0xFFFFFFFF) * 100000000 + (halves >> 32);
}
#else
// The same contract in general registers, eight digits at a time.
[[gnu::always_inline]] inline uint64_t digit_run_value(const uint8_t* q, int& count) {
  uint64_t u0 = load8(q), u1 = load8(q + 8);
  uint64_t nd_u0 = non_digits(u0);
  int f0 = digit_run(nd_u0);
  int f1 = nd_u0 == 0 ? digit_run(non_digits(u1)) : 0;
  count = f0 + f1;
  return leading_digits_value(u0, f0) * kPow10[f1] + leading_digits_value(u1, f1);
}
#endif

// The common numbers without a branch per digit: -?D{1,19}(.D{1,15})? with at most 19 digits
// in all and no exponent, when at least 40 bytes of input follow `p`. Writes `out` and returns
// true; false (no output) leaves anything else, valid or not, to parse_number. The loads see
// bytes past the number, so the digit runs are found from masks, not by stepping.
[[gnu::always_inline]] inline bool fast_number(const uint8_t* p, const uint8_t* end,
                                               parsed_number& out) {
  if (end - p < 40) return false;
  bool negative = *p == '-';
  p += negative;
  int k;
  uint64_t mantissa = digit_run_value(p, k);
  if (k == 16) {  // a long integer part (such as a 64-bit id): up to 3 more digits
    int more;
    uint64_t rest = digit_run_value(p + 16, more);
    if (more > 3) return false;
    mantissa = mantissa * kPow10[more] + rest;
    k += more;
  }
  if (k == 0 || ((k > 1) & (*p == '0'))) return false;
  const uint8_t* q = p + k;
  int scale = 0;
  if (*q == '.') {
    ++q;
    uint64_t fraction = digit_run_value(q, scale);
    if (scale == 0 || scale == 16 || k + scale > 19) return false;
    mantissa = mantissa * kPow10[scale] + fraction;
    q += scale;
  }
  if ((*q | 0x20) == 'e') return false;
  if (scale == 0) {  // an integer below 10^19
    if (mantissa > uint64_t{INT64_MAX}) return false;
    out = {.tag = 'l', .bits = negative ? ~mantissa + 1 : mantissa, .end = q};
    return true;
  }
  uint64_t bits = 0;
  if (mantissa != 0 && !eisel_lemire(mantissa, -scale, bits)) return false;
  out = {.tag = 'd', .bits = bits | uint64_t{negative} << 63, .end = q};
  return true;
}

}  // namespace
}  // namespace cachet::json::detail
