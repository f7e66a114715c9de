// Stage 1 with AVX-512BW (one 64-byte vector per block; comparisons yield 64-bit masks
// directly; AVX-512 VBMI2 compresses the structural positions). Compiled with -mavx512f
// -mavx512bw -mavx512vbmi2 -mbmi -mbmi2 -mlzcnt. Stage 2 is the AVX2 kernel's (stage2.h).
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

  // flatten() by compression: the positions of the set bits, packed into bytes by one vpcompressb,
  // widened 16 at a time to base + position. Writes in groups of 16 past the end (within the
  // kIndexSlack spare entries).
  static size_t flatten(uint32_t* out, size_t count, uint32_t base, uint64_t bits) {
    static constexpr auto kPositions = [] {
      struct table {
        alignas(64) uint8_t p[64];
      } t{};
      for (int i = 0; i < 64; ++i) t.p[i] = static_cast<uint8_t>(i);
      return t;
    }();
    __m512i packed = _mm512_maskz_compress_epi8(bits, _mm512_load_si512(kPositions.p));
    __m512i offset = _mm512_set1_epi32(static_cast<int>(base));
    uint32_t* p = out + count;
    auto store = [&](int group, __m128i positions) {
      _mm512_storeu_si512(p + 16 * group,
                          _mm512_add_epi32(_mm512_cvtepu8_epi32(positions), offset));
    };
    size_t n = static_cast<size_t>(__builtin_popcountll(bits));
    store(0, _mm512_castsi512_si128(packed));
    if (n > 16) {
      store(1, _mm512_extracti32x4_epi32(packed, 1));
      if (n > 32) {
        store(2, _mm512_extracti32x4_epi32(packed, 2));
        if (n > 48) store(3, _mm512_extracti32x4_epi32(packed, 3));
      }
    }
    return count + n;
  }
};

}  // namespace

stage1_result stage1_avx512(const uint8_t* buf, size_t len, uint32_t* indexes) {
  return run_stage1<simd_kernel_of<avx512>>(buf, len, indexes);
}

}  // namespace cachet::json::detail
