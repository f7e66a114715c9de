// Stage 1 with AVX-512BW (one 64-byte vector per block; comparisons yield 64-bit masks
// directly). Compiled with -mavx512f -mavx512bw -mbmi -mbmi2.
#include <immintrin.h>

#include "json/simd_kernel.h"

namespace cachet::json::detail {
namespace {

struct avx512 {
  using vec = __m512i;
  using mask = __mmask64;
  static constexpr int kBytes = 64;
  static vec load(const uint8_t* p) { return _mm512_loadu_si512(p); }
  static vec splat(uint8_t b) { return _mm512_set1_epi8(static_cast<char>(b)); }
  static vec and_(vec a, vec b) { return _mm512_and_si512(a, b); }
  static vec or_(vec a, vec b) { return _mm512_or_si512(a, b); }
  static vec xor_(vec a, vec b) { return _mm512_xor_si512(a, b); }
  static vec shr4(vec a) { return and_(_mm512_srli_epi16(a, 4), splat(0x0F)); }
  static vec lookup(const uint8_t* table, vec nibbles) {
    __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(table));
    return _mm512_shuffle_epi8(_mm512_broadcast_i32x4(t), nibbles);
  }
  static vec sub_sat(vec a, uint8_t b) { return _mm512_subs_epu8(a, splat(b)); }
  template <int N>
  static vec prev(vec in, vec previous) {
    // Lanes [previous.3, in.0, in.1, in.2], then a byte shift within each 128-bit lane.
    return _mm512_alignr_epi8(in, _mm512_alignr_epi64(in, previous, 6), 16 - N);
  }
  static mask test(vec a, uint8_t bits) { return _mm512_test_epi8_mask(a, splat(bits)); }
  static mask le(vec a, uint8_t b) { return _mm512_cmple_epu8_mask(a, splat(b)); }
  static uint64_t bits(mask m) { return m; }
  static bool any(vec a) { return _mm512_test_epi8_mask(a, a) != 0; }
  static bool ascii(vec a) { return _mm512_movepi8_mask(a) == 0; }
  static vec incomplete(vec a) {
    alignas(64) static constexpr uint8_t kLimits[64] = {
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,  255,  255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,  255,  255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,  255,  255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0xEF, 0xDF, 0xBF};
    return _mm512_subs_epu8(a, _mm512_load_si512(kLimits));
  }
};

}  // namespace

stage1_result stage1_avx512(const uint8_t* buf, size_t len, uint32_t* indexes) {
  return run_stage1<simd_kernel_of<avx512>>(buf, len, indexes);
}

}  // namespace cachet::json::detail
