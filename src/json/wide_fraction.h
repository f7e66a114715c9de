// Compile-time powers of five in 640-bit fixed point, the source of the tables that convert
// between binary and decimal (number.cc for parsing, shortest.cc for printing).
#pragma once

#include <bit>
#include <cstdint>

namespace cachet::json::detail {

// A positive number as limbs[0..10) * 2^(exponent - 576), normalized so the top bit of
// limbs[0] is set. Starts at 1; times_five() and divided_by_five() truncate below the last
// limb, so after the few hundred steps a table takes, the top 128 bits are still exact whenever the
// true value's bits below them are not all zeros or all ones for ~500 places (never, for a
// power of five that does not fit in 128 bits).
class wide_fraction {
 public:
  constexpr wide_fraction() { limbs_[0] = uint64_t{1} << 63; }  // 1 = 2^63 * 2^-63
  // The i-th 64 bits from the top; the number is about limb(0) * 2^exponent().
  constexpr uint64_t limb(int i) const { return limbs_[i]; }
  constexpr int32_t exponent() const { return exponent_; }

  constexpr void times_five() {
    uint64_t carry = 0;
    for (int i = kLimbs - 1; i >= 0; --i) {
      product v = static_cast<product>(limbs_[i]) * 5 + carry;
      limbs_[i] = static_cast<uint64_t>(v);
      carry = static_cast<uint64_t>(v >> 64);
    }
    int shift = 64 - std::countl_zero(carry);  // bring the carry (1 to 4) in at the top
    for (int i = kLimbs - 1; i > 0; --i)
      limbs_[i] = limbs_[i] >> shift | limbs_[i - 1] << (64 - shift);
    limbs_[0] = limbs_[0] >> shift | carry << (64 - shift);
    exponent_ += shift;
  }

  constexpr void divided_by_five() {
    uint64_t rest = 0;
    for (int i = 0; i < kLimbs; ++i) {
      product v = static_cast<product>(rest) << 64 | limbs_[i];
      limbs_[i] = static_cast<uint64_t>(v / 5);
      rest = static_cast<uint64_t>(v % 5);
    }
    int shift = std::countl_zero(limbs_[0]);  // 2 or 3: renormalize
    for (int i = 0; i + 1 < kLimbs; ++i)
      limbs_[i] = limbs_[i] << shift | limbs_[i + 1] >> (64 - shift);
    limbs_[kLimbs - 1] <<= shift;
    exponent_ -= shift;
  }

 private:
  __extension__ using product = unsigned __int128;
  static constexpr int kLimbs = 10;
  uint64_t limbs_[kLimbs] = {};
  int32_t exponent_ = -63;
};

}  // namespace cachet::json::detail
