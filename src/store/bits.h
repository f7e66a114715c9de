// Bit primitives behind the bitmap commands: pure functions over byte strings, with no entry,
// shard or lock. Bit i of a bitmap is bit 7 - i % 8 of byte i / 8 (the most significant bit of
// the first byte is bit 0), as in Redis; BITFIELD integers are big-endian in that bit order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cachet::store::bits {

using Bytes = std::span<const uint8_t>;
using MutableBytes = std::span<uint8_t>;

inline Bytes as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Number of set bits. Uses the AVX2 kernel when the CPU has AVX2 and POPCNT, else the portable
// one; both are exposed so tests and benchmarks can compare them.
uint64_t popcount(Bytes bytes);
uint64_t popcount_portable(Bytes bytes);
// Requires has_avx2().
uint64_t popcount_avx2(Bytes bytes);
bool has_avx2();

// Number of set bits among bits first..last (inclusive). Requires first <= last < 8 * size.
uint64_t count(Bytes bytes, uint64_t first, uint64_t last);

// Position of the first bit equal to `bit` among bits first..last (inclusive), or -1 when there
// is none. Requires first <= last < 8 * size.
int64_t find(Bytes bytes, bool bit, uint64_t first, uint64_t last);

// Bit `pos`; bits past the end read as 0.
bool get(Bytes bytes, uint64_t pos);
// Sets bit `pos` to `value` and returns its old value. Requires pos < 8 * size.
bool set(MutableBytes bytes, uint64_t pos, bool value);

enum class Op { kAnd, kOr, kXor, kNot };
// BITOP: `op` applied bytewise across `inputs`, each padded with zero bytes to the longest.
// The result is as long as the longest input. kNot takes exactly one input.
std::string combine(Op op, std::span<const Bytes> inputs);

// A BITFIELD integer type: i1..i64 or u1..u63.
struct FieldType {
  bool is_signed;
  unsigned bits;
};
enum class Overflow { kWrap, kSat, kFail };

// The integer of type `t` at bit `offset` (bits past the end read as 0): sign-extended when
// signed, else zero-extended.
int64_t get_field(Bytes bytes, uint64_t offset, FieldType t);
// Stores the low t.bits bits of `value` at bit `offset`. Requires offset + t.bits <= 8 * size.
void set_field(MutableBytes bytes, uint64_t offset, FieldType t, int64_t value);

// What BITFIELD SET stores for `value` under `overflow` (an unsigned field takes `value` as
// unsigned 64-bit, as Redis does), or nothing when it does not fit and overflow is kFail.
std::optional<int64_t> fit_value(FieldType t, int64_t value, Overflow overflow);
// What BITFIELD INCRBY stores for old + increment under `overflow` (WRAP: modulo 2^bits; SAT:
// clamped to the type's range), or nothing when the sum does not fit and overflow is kFail.
// Requires `old` to be a value of type t.
std::optional<int64_t> fit_increment(FieldType t, int64_t old, int64_t increment,
                                     Overflow overflow);

}  // namespace cachet::store::bits
