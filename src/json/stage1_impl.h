// The kernel-independent part of stage 1, instantiated once per kernel (kernel_<isa>.cc).
//
// Included only by the kernel translation units, each compiled with its own -m flags: everything
// here has internal linkage (anonymous namespace) so no function compiled for one instruction set
// can be merged with another kernel's copy by the linker.
//
// A kernel K provides:
//   static block classify(const uint8_t* p)  masks of the 64 bytes at p (bit i = byte i)
//   class utf8 { utf8(buf, len); void check(const uint8_t* p); void finish(); bool failed(); }
//       validates consecutive 64-byte blocks of buf, then finish() at the end of input
// and may provide
//   static size_t flatten(uint32_t* out, size_t count, uint32_t base, uint64_t bits)
//       a faster flatten() below (same contract)
#pragma once

#include <cstring>
#ifdef __PCLMUL__
#include <immintrin.h>
#endif

#include "json/stage1.h"

namespace cachet::json::detail {
namespace {

struct block {
  uint64_t quote;      // '"'
  uint64_t backslash;  // '\\'
  uint64_t space;      // ' ', '\t', '\n', '\r'
  uint64_t op;         // '{', '}', '[', ']', ':', ','
  uint64_t control;    // bytes below 0x20
};

// Bit i is set when input bit i is preceded (within the block) by an odd number of set bits,
// counting bit i itself: marks the bytes inside quotes, opening quote included. A carry-less
// multiplication by all ones computes it in one instruction where the kernel has PCLMUL.
inline uint64_t prefix_xor(uint64_t x) {
#ifdef __PCLMUL__
  __m128i product = _mm_clmulepi64_si128(_mm_set_epi64x(0, int64_t(x)), _mm_set1_epi8(-1), 0);
  return uint64_t(_mm_cvtsi128_si64(product));
#else
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
#endif
}

// Index of the lowest set bit; 64 for 0 (tzcnt where the kernel's instruction set has BMI).
inline int lowest_bit(uint64_t x) {
#ifdef __BMI__
  return static_cast<int>(__builtin_ia32_tzcnt_u64(x));
#else
  return x == 0 ? 64 : __builtin_ctzll(x);
#endif
}

// State carried from one 64-byte block to the next.
struct scanner {
  uint64_t escape_carry = 0;  // 1 when the previous block ended in an unescaped backslash
  uint64_t in_string = 0;     // all ones when the previous block ended inside a string
  uint64_t scalar_carry = 0;  // 1 when the previous block ended inside a scalar
  uint64_t bad_control = 0;   // nonzero once a control character was seen inside a string

  // Bytes escaped by a backslash (bit i set when byte i follows an odd-length run of
  // backslashes). Within a run, the escaped positions are those of the other parity than the
  // run's start: adding each odd-starting run's first bit to the backslash mask clears exactly
  // those runs (the carry ripples through them), which tells the two parities apart without a
  // loop; a carry out of bit 63 means the next block's first byte is escaped.
  uint64_t escaped(uint64_t backslash) {
    constexpr uint64_t kEven = 0x5555555555555555;
    if ((backslash | escape_carry) == 0) return 0;
    backslash &= ~escape_carry;  // an escaped backslash starts nothing
    uint64_t follows = backslash << 1 | escape_carry;
    uint64_t odd_starts = backslash & ~kEven & ~follows;
    uint64_t even_runs;
    escape_carry = __builtin_add_overflow(odd_starts, backslash, &even_runs);
    return (kEven ^ (even_runs << 1)) & follows;
  }

  // The structural bits of one block.
  uint64_t structurals(const block& b) {
    uint64_t quote = b.quote & ~escaped(b.backslash);
    uint64_t inside = prefix_xor(quote) ^ in_string;
    in_string = uint64_t(int64_t(inside) >> 63);
    bad_control |= b.control & inside & ~quote;
    uint64_t outside = ~(inside | quote);
    uint64_t scalar = outside & ~(b.op | b.space);
    uint64_t scalar_start = scalar & ~(scalar << 1 | scalar_carry);
    scalar_carry = scalar >> 63;
    return (b.op & outside) | scalar_start | (quote & inside);
  }
};

// Appends base + position of every set bit of `bits` to out[count...]; returns the new count.
// Writes in groups of 8 past the end (the caller provides kIndexSlack spare entries), so the
// common case of at most 8 structurals per block has no data-dependent branch.
inline size_t flatten(uint32_t* out, size_t count, uint32_t base, uint64_t bits) {
  size_t n = static_cast<size_t>(__builtin_popcountll(bits));
  uint32_t* p = out + count;
  auto eight = [&](uint32_t* at) {
    for (int k = 0; k < 8; ++k) {
      at[k] = base + static_cast<uint32_t>(lowest_bit(bits));
      bits &= bits - 1;
    }
  };
  eight(p);
  for (size_t written = 8; written < n; written += 8) eight(p + written);
  return count + n;
}

template <typename K>
stage1_result run_stage1(const uint8_t* buf, size_t len, uint32_t* indexes) {
  scanner s;
  typename K::utf8 utf8(buf, len);
  size_t count = 0;
  size_t base = 0;
  auto bits_of = [&](const uint8_t* p) {
    utf8.check(p);
    return s.structurals(K::classify(p));
  };
  auto emit = [&](uint64_t bits) {
    if constexpr (requires { K::flatten(indexes, count, uint32_t{}, bits); }) {
      count = K::flatten(indexes, count, static_cast<uint32_t>(base), bits);
    } else {
      count = flatten(indexes, count, static_cast<uint32_t>(base), bits);
    }
    base += 64;
  };
  auto scan = [&](const uint8_t* p) { emit(bits_of(p)); };
  // Two blocks per iteration, both classified before either is flattened, give the CPU more
  // independent work between loop branches.
  while (base + 128 <= len) {
    uint64_t first = bits_of(buf + base);
    uint64_t second = bits_of(buf + base + 64);
    emit(first);
    emit(second);
  }
  if (base + 64 <= len) scan(buf + base);
  if (base < len) {
    uint8_t tail[64];
    std::memset(tail, ' ', sizeof tail);
    std::memcpy(tail, buf + base, len - base);
    scan(tail);
  }
  utf8.finish();
  stage1_result r{.count = count};
  if (utf8.failed()) {
    r.error = error_kind::invalid_utf8;
    r.error_offset = find_invalid_utf8(buf, len);
  } else if (s.bad_control != 0 || s.in_string != 0) {  // rare: located by a scalar pass
    string_fault f = find_string_fault(buf, len);
    r.error = f.control ? error_kind::control_character : error_kind::unterminated_string;
    r.error_offset = f.offset;
  }
  return r;
}

}  // namespace
}  // namespace cachet::json::detail
