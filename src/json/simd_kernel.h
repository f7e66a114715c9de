// Stage-1 kernel built from a vector type V: byte classification and the UTF-8 validation of
// Keiser and Lemire ("Validating UTF-8 In Less Than One Instruction Per Byte", 2021): three
// nibble-indexed table lookups classify every pair of adjacent bytes, and a check on the bytes
// two and three back catches missing or extra continuation bytes.
//
// V provides (B = bytes per vector, 64 % B == 0):
//   vec load(const uint8_t*), vec splat(uint8_t), and_/or_/xor_, vec shr4(vec) (each byte >> 4),
//   vec lookup(const uint8_t table[16], vec nibbles), vec sub_sat(vec, uint8_t),
//   vec prev<N>(vec in, vec previous) (in shifted N bytes later, filled from `previous`),
//   mask test(vec, uint8_t) (bytes with any of the bits), mask le(vec, uint8_t) (unsigned <=),
//   uint64_t bits(mask), bool any(vec), bool ascii(vec), vec incomplete(vec)
// and optionally flatten() (stage1_impl.h).
// Internal linkage only (see stage1_impl.h).
#pragma once

#include "json/stage1_impl.h"

namespace cachet::json::detail {
namespace {

template <typename V>
struct simd_kernel_of {
  using vec = typename V::vec;
  static constexpr int kVectors = 64 / V::kBytes;

  // Byte classes by two nibble lookups: a byte is in class c when both the table of its low
  // nibble and the table of its high nibble have bit c (every class below is a product of a
  // set of low nibbles and a set of high nibbles, so the AND has no false positives).
  static constexpr uint8_t kComma = 1, kColon = 2, kBracket = 4, kSpace = 8, kWhitespace = 16,
                           kQuote = 32, kBackslash = 64;
  static constexpr uint8_t kLow[16] = {kSpace,
                                       0,
                                       kQuote,
                                       0,
                                       0,
                                       0,
                                       0,
                                       0,
                                       0,
                                       kWhitespace,
                                       kColon | kWhitespace,
                                       kBracket,
                                       kComma | kBackslash,
                                       kBracket | kWhitespace,
                                       0,
                                       0};
  static constexpr uint8_t kHigh[16] = {kWhitespace,
                                        0,
                                        kComma | kSpace | kQuote,
                                        kColon,
                                        0,
                                        kBracket | kBackslash,
                                        0,
                                        kBracket,
                                        0,
                                        0,
                                        0,
                                        0,
                                        0,
                                        0,
                                        0,
                                        0};

  static size_t flatten(uint32_t* out, size_t count, uint32_t base,
                        uint64_t bits) requires requires {
    V::flatten(out, count, base, bits);
  }
  { return V::flatten(out, count, base, bits); }

  static block classify(const uint8_t* p) {
    block b{};
    for (int i = 0; i < kVectors; ++i) {
      vec in = V::load(p + i * V::kBytes);
      vec classes =
          V::and_(V::lookup(kLow, V::and_(in, V::splat(0x0F))), V::lookup(kHigh, V::shr4(in)));
      int shift = i * V::kBytes;
      b.quote |= V::bits(V::test(classes, kQuote)) << shift;
      b.backslash |= V::bits(V::test(classes, kBackslash)) << shift;
      b.space |= V::bits(V::test(classes, kSpace | kWhitespace)) << shift;
      b.op |= V::bits(V::test(classes, kComma | kColon | kBracket)) << shift;
      b.control |= V::bits(V::le(in, 0x1F)) << shift;
    }
    return b;
  }

  // Error bits of the byte-pair classification.
  static constexpr uint8_t kTooShort = 1 << 0;      // lead byte not followed by a continuation
  static constexpr uint8_t kTooLong = 1 << 1;       // ASCII followed by a continuation
  static constexpr uint8_t kOverlong3 = 1 << 2;     // E0 80..9F
  static constexpr uint8_t kTooLarge = 1 << 3;      // F4 90..BF, F5..FF + continuation
  static constexpr uint8_t kSurrogate = 1 << 4;     // ED A0..BF
  static constexpr uint8_t kOverlong2 = 1 << 5;     // C0/C1 + continuation
  static constexpr uint8_t kTooLarge1000 = 1 << 6;  // F5..FF 80..8F
  static constexpr uint8_t kOverlong4 = 1 << 6;     // F0 80..8F
  static constexpr uint8_t kTwoConts = 1 << 7;      // continuation after continuation
  static constexpr uint8_t kCarry = kTooShort | kTooLong | kTwoConts;

  // Indexed by the high nibble of the first byte of the pair.
  static constexpr uint8_t kFirstHigh[16] = {kTooLong,
                                             kTooLong,
                                             kTooLong,
                                             kTooLong,
                                             kTooLong,
                                             kTooLong,
                                             kTooLong,
                                             kTooLong,
                                             kTwoConts,
                                             kTwoConts,
                                             kTwoConts,
                                             kTwoConts,
                                             kTooShort | kOverlong2,
                                             kTooShort,
                                             kTooShort | kOverlong3 | kSurrogate,
                                             kTooShort | kTooLarge | kTooLarge1000 | kOverlong4};
  // Indexed by the low nibble of the first byte.
  static constexpr uint8_t kFirstLow[16] = {kCarry | kOverlong3 | kOverlong2 | kOverlong4,
                                            kCarry | kOverlong2,
                                            kCarry,
                                            kCarry,
                                            kCarry | kTooLarge,
                                            kCarry | kTooLarge | kTooLarge1000,
                                            kCarry | kTooLarge | kTooLarge1000,
                                            kCarry | kTooLarge | kTooLarge1000,
                                            kCarry | kTooLarge | kTooLarge1000,
                                            kCarry | kTooLarge | kTooLarge1000,
                                            kCarry | kTooLarge | kTooLarge1000,
                                            kCarry | kTooLarge | kTooLarge1000,
                                            kCarry | kTooLarge | kTooLarge1000,
                                            kCarry | kTooLarge | kTooLarge1000 | kSurrogate,
                                            kCarry | kTooLarge | kTooLarge1000,
                                            kCarry | kTooLarge | kTooLarge1000};
  // Indexed by the high nibble of the second byte.
  static constexpr uint8_t kSecondHigh[16] = {
      kTooShort,
      kTooShort,
      kTooShort,
      kTooShort,
      kTooShort,
      kTooShort,
      kTooShort,
      kTooShort,
      kTooLong | kOverlong2 | kTwoConts | kOverlong3 | kTooLarge1000 | kOverlong4,
      kTooLong | kOverlong2 | kTwoConts | kOverlong3 | kTooLarge,
      kTooLong | kOverlong2 | kTwoConts | kSurrogate | kTooLarge,
      kTooLong | kOverlong2 | kTwoConts | kSurrogate | kTooLarge,
      kTooShort,
      kTooShort,
      kTooShort,
      kTooShort};

  class utf8 {
   public:
    utf8(const uint8_t*, size_t) {}

    void check(const uint8_t* p) {
      for (int i = 0; i < kVectors; ++i) {
        vec in = V::load(p + i * V::kBytes);
        if (V::ascii(in)) {
          error_ = V::or_(error_, incomplete_);
        } else {
          check_pairs(in);
          incomplete_ = V::incomplete(in);
        }
        previous_ = in;
      }
    }
    void finish() { error_ = V::or_(error_, incomplete_); }
    bool failed() const { return V::any(error_); }

   private:
    void check_pairs(vec in) {
      vec prev1 = V::template prev<1>(in, previous_);
      vec special = V::and_(V::and_(V::lookup(kFirstHigh, V::shr4(prev1)),
                                    V::lookup(kFirstLow, V::and_(prev1, V::splat(0x0F)))),
                            V::lookup(kSecondHigh, V::shr4(in)));
      // A byte two after a 3- or 4-byte lead, or three after a 4-byte lead, must be a
      // continuation: exactly the pairs marked kTwoConts.
      vec third = V::sub_sat(V::template prev<2>(in, previous_), 0xE0 - 0x80);
      vec fourth = V::sub_sat(V::template prev<3>(in, previous_), 0xF0 - 0x80);
      vec must_continue = V::and_(V::or_(third, fourth), V::splat(0x80));
      error_ = V::or_(error_, V::xor_(must_continue, special));
    }

    vec error_ = V::splat(0);
    vec previous_ = V::splat(0);
    vec incomplete_ = V::splat(0);
  };
};

}  // namespace
}  // namespace cachet::json::detail
