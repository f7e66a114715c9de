// Stage 1 with AVX2 (two 32-byte vectors per block), and stage 2 for AVX2 CPUs (the AVX-512
// kernel uses it too). Compiled with -mavx2 -mbmi -mbmi2 -mlzcnt -mpclmul.
#include <immintrin.h>

#include "json/simd_kernel.h"
#include "json/stage2_impl.h"

namespace cachet::json::detail {
namespace {

struct avx2 {
  using vec = __m256i;
  using mask = __m256i;
  static constexpr int kBytes = 32;
  static vec load(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const vec*>(p)); }
  static vec splat(uint8_t b) { return _mm256_set1_epi8(static_cast<char>(b)); }
  static vec and_(vec a, vec b) { return _mm256_and_si256(a, b); }
  static vec or_(vec a, vec b) { return _mm256_or_si256(a, b); }
  static vec xor_(vec a, vec b) { return _mm256_xor_si256(a, b); }
  static vec shr4(vec a) { return and_(_mm256_srli_epi16(a, 4), splat(0x0F)); }
  static vec lookup(const uint8_t* table, vec nibbles) {
    __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(table));
    return _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(t), nibbles);
  }
  static vec sub_sat(vec a, uint8_t b) { return _mm256_subs_epu8(a, splat(b)); }
  template <int N>
  static vec prev(vec in, vec previous) {
    return _mm256_alignr_epi8(in, _mm256_permute2x128_si256(previous, in, 0x21), 16 - N);
  }
  static mask test(vec a, uint8_t bits) {
    return _mm256_xor_si256(_mm256_cmpeq_epi8(and_(a, splat(bits)), splat(0)), splat(0xFF));
  }
  static mask le(vec a, uint8_t b) { return _mm256_cmpeq_epi8(_mm256_min_epu8(a, splat(b)), a); }
  static uint64_t bits(mask m) { return uint32_t(_mm256_movemask_epi8(m)); }
  static bool any(vec a) { return !_mm256_testz_si256(a, a); }
  static bool ascii(vec a) { return _mm256_movemask_epi8(a) == 0; }
  static vec incomplete(vec a) {
    // Non-zero where a sequence started in the last three bytes is cut off by the vector's end.
    const vec limits = _mm256_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                        char(0xF0 - 1), char(0xE0 - 1), char(0xC0 - 1));
    return _mm256_subs_epu8(a, limits);
  }
};

}  // namespace

stage1_result stage1_avx2(const uint8_t* buf, size_t len, uint32_t* indexes) {
  return run_stage1<simd_kernel_of<avx2>>(buf, len, indexes);
}

stage2_result stage2_avx2(const stage2_state& s) { return run_stage2(s); }

}  // namespace cachet::json::detail
