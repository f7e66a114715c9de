// Stage 1 with SSE4.2 (four 16-byte vectors per block), and stage 2 built for SSE4.2.
// Compiled with -msse4.2 -mpopcnt.
#include <immintrin.h>

#include "json/simd_kernel.h"
#include "json/stage2_impl.h"

namespace cachet::json::detail {
namespace {

struct sse42 {
  using vec = __m128i;
  using mask = __m128i;
  static constexpr int kBytes = 16;
  static vec load(const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const vec*>(p)); }
  static vec splat(uint8_t b) { return _mm_set1_epi8(static_cast<char>(b)); }
  static vec and_(vec a, vec b) { return _mm_and_si128(a, b); }
  static vec or_(vec a, vec b) { return _mm_or_si128(a, b); }
  static vec xor_(vec a, vec b) { return _mm_xor_si128(a, b); }
  static vec shr4(vec a) { return and_(_mm_srli_epi16(a, 4), splat(0x0F)); }
  static vec lookup(const uint8_t* table, vec nibbles) {
    return _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(table)), nibbles);
  }
  static vec sub_sat(vec a, uint8_t b) { return _mm_subs_epu8(a, splat(b)); }
  template <int N>
  static vec prev(vec in, vec previous) {
    return _mm_alignr_epi8(in, previous, 16 - N);
  }
  static mask test(vec a, uint8_t bits) {
    return _mm_xor_si128(_mm_cmpeq_epi8(and_(a, splat(bits)), splat(0)), splat(0xFF));
  }
  static mask le(vec a, uint8_t b) { return _mm_cmpeq_epi8(_mm_min_epu8(a, splat(b)), a); }
  static uint64_t bits(mask m) { return uint32_t(_mm_movemask_epi8(m)); }
  static bool any(vec a) { return !_mm_testz_si128(a, a); }
  static bool ascii(vec a) { return _mm_movemask_epi8(a) == 0; }
  static vec incomplete(vec a) {
    const vec limits = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                     char(0xF0 - 1), char(0xE0 - 1), char(0xC0 - 1));
    return _mm_subs_epu8(a, limits);
  }
};

}  // namespace

stage1_result stage1_sse42(const uint8_t* buf, size_t len, uint32_t* indexes) {
  return run_stage1<simd_kernel_of<sse42>>(buf, len, indexes);
}

stage2_result stage2_sse42(const stage2_state& s) { return run_stage2(s); }

}  // namespace cachet::json::detail
