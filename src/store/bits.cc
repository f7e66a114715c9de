#include "store/bits.h"

#include <immintrin.h>

#include <algorithm>
#include <bit>
#include <cstring>

namespace cachet::store::bits {
namespace {

__extension__ using U128 = unsigned __int128;
__extension__ using I128 = __int128;

constexpr unsigned kByteBits = 8;

// Per-byte set-bit counts of a 64-bit word (each 0..8), without the POPCNT instruction (SWAR,
// Hacker's Delight 5-2).
uint64_t byte_counts_swar(uint64_t x) {
  x -= (x >> 1) & 0x5555555555555555;
  x = (x & 0x3333333333333333) + ((x >> 2) & 0x3333333333333333);
  return (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0f;
}

// The sum of a word's bytes; requires the sum to be at most 255.
uint64_t sum_bytes(uint64_t x) { return (x * 0x0101010101010101) >> 56; }

uint64_t load64(const uint8_t* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

#define CACHET_AVX2 __attribute__((target("avx2,popcnt")))

// Per-byte set-bit counts of `v` (each 0..8), by a nibble lookup (vpshufb).
CACHET_AVX2 __m256i byte_counts(__m256i v) {
  const __m256i lookup = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1,
                                          2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8(0x0f);
  __m256i lo = _mm256_shuffle_epi8(lookup, _mm256_and_si256(v, low));
  __m256i hi = _mm256_shuffle_epi8(lookup, _mm256_and_si256(_mm256_srli_epi16(v, 4), low));
  return _mm256_add_epi8(lo, hi);
}

CACHET_AVX2 __m256i load256(const uint8_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// Mula, Kurz and Lemire, "Faster Population Counts Using AVX2 Instructions" (2016): byte counts
// by lookup, summed to 64-bit lanes with vpsadbw. Four vectors per step keep each byte's sum at
// most 32, so one vpsadbw per 128 bytes is enough. POPCNT finishes the tail.
// Measured (AMD EPYC, best of runs, 1 MB in cache): 58.8 GB/s against 45.9 for four-way scalar
// POPCNT, 11.7 for popcount_portable and 0.55 for a byte-at-a-time loop; at 256 MB every fast
// kernel is bound by memory (~22 GB/s).
CACHET_AVX2 uint64_t avx2_kernel(const uint8_t* p, size_t n) {
  constexpr size_t kVector = sizeof(__m256i), kStep = 4 * kVector;
  __m256i total = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + kStep <= n; i += kStep) {
    __m256i a = _mm256_add_epi8(byte_counts(load256(p + i)), byte_counts(load256(p + i + kVector)));
    __m256i b = _mm256_add_epi8(byte_counts(load256(p + i + 2 * kVector)),
                                byte_counts(load256(p + i + 3 * kVector)));
    total = _mm256_add_epi64(total, _mm256_sad_epu8(_mm256_add_epi8(a, b), _mm256_setzero_si256()));
  }
  uint64_t sum = static_cast<uint64_t>(_mm256_extract_epi64(total, 0)) +
                 static_cast<uint64_t>(_mm256_extract_epi64(total, 1)) +
                 static_cast<uint64_t>(_mm256_extract_epi64(total, 2)) +
                 static_cast<uint64_t>(_mm256_extract_epi64(total, 3));
  for (; i + sizeof(uint64_t) <= n; i += sizeof(uint64_t)) {
    sum += static_cast<uint64_t>(__builtin_popcountll(load64(p + i)));
  }
  for (; i < n; ++i) sum += static_cast<uint64_t>(__builtin_popcount(p[i]));
  return sum;
}

using PopcountFn = uint64_t (*)(Bytes);

PopcountFn best_popcount() { return has_avx2() ? popcount_avx2 : popcount_portable; }

// Byte `i` with the bits outside first..last cleared; `flip` 0xff looks for clear bits.
uint8_t masked_byte(Bytes bytes, size_t i, uint8_t flip, uint64_t first, uint64_t last) {
  uint8_t x = bytes[i] ^ flip;
  if (i == first / kByteBits) x &= 0xff >> (first % kByteBits);
  if (i == last / kByteBits) x &= static_cast<uint8_t>(0xff << (7 - last % kByteBits));
  return x;
}

int64_t position(size_t byte, unsigned bit_in_byte) {
  return static_cast<int64_t>(byte * kByteBits + bit_in_byte);
}

// The 9 bytes from byte `at` (the window any field of up to 64 bits at a bit offset in that byte
// lies in), zero past the end, in the top 72 bits of a 128-bit integer.
U128 load_window(Bytes bytes, size_t at) {
  U128 w = 0;
  size_t n = at < bytes.size() ? std::min<size_t>(9, bytes.size() - at) : 0;
  for (size_t i = 0; i < n; ++i) w |= static_cast<U128>(bytes[at + i]) << (120 - 8 * i);
  return w;
}

uint64_t low_mask(unsigned bits) { return bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; }

// The value `v` (exact) stored into a field of type t under `overflow`.
std::optional<int64_t> fit(FieldType t, I128 v, Overflow overflow) {
  I128 min = t.is_signed ? -(I128{1} << (t.bits - 1)) : 0;
  I128 max = t.is_signed ? (I128{1} << (t.bits - 1)) - 1 : (I128{1} << t.bits) - 1;
  if (v >= min && v <= max) return static_cast<int64_t>(v);
  if (overflow == Overflow::kFail) return std::nullopt;
  if (overflow == Overflow::kSat) return static_cast<int64_t>(v < min ? min : max);
  uint64_t low = static_cast<uint64_t>(v) & low_mask(t.bits);
  bool negative = t.is_signed && (low >> (t.bits - 1) & 1);
  return static_cast<int64_t>(negative ? low | ~low_mask(t.bits) : low);
}

}  // namespace

bool has_avx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
}

uint64_t popcount_portable(Bytes bytes) {
  const uint8_t* p = bytes.data();
  size_t n = bytes.size(), i = 0;
  uint64_t sum = 0;
  // Two words' byte counts add up to at most 128 bits, so sum_bytes() serves a pair.
  constexpr size_t kStep = 2 * sizeof(uint64_t);
  for (; i + kStep <= n; i += kStep) {
    sum += sum_bytes(byte_counts_swar(load64(p + i)) + byte_counts_swar(load64(p + i + 8)));
  }
  for (; i + sizeof(uint64_t) <= n; i += sizeof(uint64_t)) {
    sum += sum_bytes(byte_counts_swar(load64(p + i)));
  }
  for (; i < n; ++i) sum += sum_bytes(byte_counts_swar(p[i]));
  return sum;
}

uint64_t popcount_avx2(Bytes bytes) { return avx2_kernel(bytes.data(), bytes.size()); }

uint64_t popcount(Bytes bytes) {
  static const PopcountFn best = best_popcount();
  return best(bytes);
}

uint64_t count(Bytes bytes, uint64_t first, uint64_t last) {
  size_t fb = first / kByteBits, lb = last / kByteBits;
  uint64_t n = popcount(bytes.subspan(fb, lb - fb + 1));
  uint8_t before = bytes[fb] & static_cast<uint8_t>(~(0xff >> (first % kByteBits)));
  uint8_t after = bytes[lb] & static_cast<uint8_t>(0xff >> (last % kByteBits + 1));
  return n - static_cast<uint64_t>(std::popcount(before) + std::popcount(after));
}

int64_t find(Bytes bytes, bool bit, uint64_t first, uint64_t last) {
  const uint8_t flip = bit ? 0 : 0xff;
  const uint64_t flip_word = bit ? 0 : ~uint64_t{0};
  const uint8_t* p = bytes.data();
  size_t i = first / kByteBits, lb = last / kByteBits;
  if (uint8_t x = masked_byte(bytes, i, flip, first, last)) {
    return position(i, std::countl_zero(x));
  }
  // Skip 32 bytes at a time, then words, while they lie before the last (masked) byte.
  constexpr size_t kBlock = 4 * sizeof(uint64_t);
  for (++i; i + kBlock <= lb; i += kBlock) {
    uint64_t hits = 0;
    for (size_t k = 0; k < kBlock; k += sizeof(uint64_t)) hits |= load64(p + i + k) ^ flip_word;
    if (hits != 0) break;
  }
  for (; i + sizeof(uint64_t) <= lb; i += sizeof(uint64_t)) {
    if (uint64_t w = __builtin_bswap64(load64(p + i)) ^ flip_word) {
      return position(i, std::countl_zero(w));
    }
  }
  for (; i <= lb; ++i) {
    if (uint8_t x = masked_byte(bytes, i, flip, first, last)) {
      return position(i, std::countl_zero(x));
    }
  }
  return -1;
}

bool get(Bytes bytes, uint64_t pos) {
  size_t byte = pos / kByteBits;
  return byte < bytes.size() && (bytes[byte] >> (7 - pos % kByteBits) & 1);
}

bool set(MutableBytes bytes, uint64_t pos, bool value) {
  uint8_t& byte = bytes[pos / kByteBits];
  uint8_t mask = static_cast<uint8_t>(0x80 >> (pos % kByteBits));
  bool old = byte & mask;
  byte = value ? byte | mask : byte & ~mask;
  return old;
}

std::string combine(Op op, std::span<const Bytes> inputs) {
  size_t len = 0;
  for (Bytes in : inputs) len = std::max(len, in.size());
  std::string out(len, '\0');
  auto* o = reinterpret_cast<uint8_t*>(out.data());
  if (!inputs.empty() && !inputs[0].empty()) {
    std::memcpy(o, inputs[0].data(), inputs[0].size());
  }
  if (op == Op::kNot) {
    for (size_t i = 0; i < len; ++i) o[i] = static_cast<uint8_t>(~o[i]);
    return out;
  }
  for (Bytes in : inputs.subspan(std::min<size_t>(1, inputs.size()))) {
    const uint8_t* s = in.data();
    size_t n = in.size();
    if (op == Op::kAnd) {
      for (size_t i = 0; i < n; ++i) o[i] &= s[i];
      std::memset(o + n, 0, len - n);  // AND with the zero padding
    } else if (op == Op::kOr) {
      for (size_t i = 0; i < n; ++i) o[i] |= s[i];
    } else {
      for (size_t i = 0; i < n; ++i) o[i] ^= s[i];
    }
  }
  return out;
}

int64_t get_field(Bytes bytes, uint64_t offset, FieldType t) {
  U128 w = load_window(bytes, offset / kByteBits) << (offset % kByteBits);
  uint64_t raw = static_cast<uint64_t>(w >> (128 - t.bits));
  bool negative = t.is_signed && (raw >> (t.bits - 1) & 1);
  return static_cast<int64_t>(negative ? raw | ~low_mask(t.bits) : raw);
}

void set_field(MutableBytes bytes, uint64_t offset, FieldType t, int64_t value) {
  size_t at = offset / kByteBits;
  unsigned shift = 128 - static_cast<unsigned>(offset % kByteBits) - t.bits;
  U128 mask = static_cast<U128>(low_mask(t.bits)) << shift;
  U128 field = static_cast<U128>(static_cast<uint64_t>(value) & low_mask(t.bits)) << shift;
  U128 w = (load_window(bytes, at) & ~mask) | field;
  size_t n = std::min<size_t>(9, bytes.size() - at);
  for (size_t i = 0; i < n; ++i) bytes[at + i] = static_cast<uint8_t>(w >> (120 - 8 * i));
}

std::optional<int64_t> fit_value(FieldType t, int64_t value, Overflow overflow) {
  I128 v = t.is_signed ? I128{value} : I128{static_cast<uint64_t>(value)};
  // Redis's signed check computes max - value in 64 bits; for a value within max of INT64_MIN
  // that wraps, and it saturates such a value to the maximum, not the minimum.
  int64_t max = t.bits == 64 ? INT64_MAX : (int64_t{1} << (t.bits - 1)) - 1;
  if (t.is_signed && t.bits < 64 && overflow == Overflow::kSat && value <= INT64_MIN + max) {
    return max;
  }
  return fit(t, v, overflow);
}

std::optional<int64_t> fit_increment(FieldType t, int64_t old, int64_t increment,
                                     Overflow overflow) {
  return fit(t, I128{old} + increment, overflow);
}

}  // namespace cachet::store::bits
