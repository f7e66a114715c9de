// HyperLogLog values in Redis 7.0's exact byte representation, so a value cachet writes is the
// value Redis writes for the same PFADD sequence, and bytes taken from Redis (GET, then SET here)
// read back identically.
//
// An HLL is an ordinary string value:
//   [0..3]   "HYLL"
//   [4]      encoding: 0 dense, 1 sparse
//   [5..7]   unused, zero
//   [8..15]  cached cardinality, little-endian; the top bit of byte 15 set means "stale"
//   [16..]   registers.
// Dense: 16384 6-bit registers, register i in bits 6i..6i+5 counted from the least significant
// bit of byte 16 (12288 bytes, 12304 in all). Sparse: a run-length stream of opcodes covering
// exactly 16384 registers:
//   ZERO  00llllll           l+1 zero registers (1..64)
//   XZERO 01llllll llllllll  l+1 zero registers (1..16384)
//   VAL   1vvvvvll           l+1 registers (1..4) of value v+1 (1..32).
// A sparse value turns dense for good when a register needs a value over 32 or the value would
// grow past sparse_max_bytes().
//
// The pure functions work on std::string / std::string_view; the store operations at the end
// work on a string entry in place and require the owning shard's lock. Bytes from outside are
// never trusted: a sparse stream that does not cover exactly 16384 registers is "corrupt"
// (Redis's INVALIDOBJ) and nothing reads past a value's end.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "store/entry.h"

namespace cachet::store {

class Shard;

namespace hll {

inline constexpr int kIndexBits = 14;
inline constexpr size_t kRegisters = size_t{1} << kIndexBits;  // 16384
inline constexpr int kRegisterBits = 6;
inline constexpr uint8_t kMaxRegister = 63;
inline constexpr int kCountBits = 64 - kIndexBits;  // a count is at most kCountBits + 1
inline constexpr size_t kHeaderBytes = 16;
inline constexpr size_t kDenseBytes = kHeaderBytes + kRegisters * kRegisterBits / 8;  // 12304
inline constexpr uint64_t kHashSeed = 0xadc83b19;
inline constexpr size_t kDefaultSparseMaxBytes = 3000;

enum class Encoding : uint8_t { kDense = 0, kSparse = 1 };

// The outcome of a change to an HLL: whether a register grew, or the value is corrupt.
enum class [[nodiscard]] Change{kUnchanged, kChanged, kCorrupt};

// One register value per register, one byte each (the unpacked form merges work on).
using Registers = std::array<uint8_t, kRegisters>;

// The largest sparse value (header included) before it turns dense: Redis's
// hll-sparse-max-bytes. Process-wide; safe to call from any thread.
void set_sparse_max_bytes(size_t bytes);
size_t sparse_max_bytes();

// MurmurHash64A (Austin Appleby) of `data`, reading 8-byte blocks little-endian.
uint64_t murmur_hash64a(std::string_view data, uint64_t seed);

// Where an element lands: register `index` (the hash's low 14 bits) and the value it offers,
// the position of the first 1 bit in the remaining 50 bits, counting from 1 (at most 51).
struct Pattern {
  uint32_t index;
  uint8_t count;
};
Pattern pattern_of(std::string_view element);

// Whether `value` passes as an HLL (PF* commands reply WRONGTYPE otherwise): at least a header,
// the magic, a known encoding, and exactly kDenseBytes when dense. A sparse stream is only
// checked when it is used.
bool is_hll(std::string_view value);
// Requires is_hll(hll).
Encoding encoding_of(std::string_view hll);

// A new HLL: sparse, every register zero, cardinality 0 cached (what PFADD creates).
std::string make_empty();

// The cardinality cached in the header, or none when marked stale. Requires is_hll(hll).
std::optional<uint64_t> cached_cardinality(std::string_view hll);
// Stores `card` as the cached cardinality (marks it fresh). Requires is_hll(hll).
void store_cardinality(std::string& hll, uint64_t card);
// Marks the cached cardinality stale, keeping its other bits (as Redis does). Requires
// is_hll(hll).
void invalidate_cache(std::string& hll);

// Raises register `index` to `count` if it is lower. A sparse value may turn dense. Leaves the
// cache alone. Requires is_hll(hll), index < kRegisters, 1 <= count <= kMaxRegister.
Change set_register(std::string& hll, uint32_t index, uint8_t count);
// Adds one element (set_register of its pattern); marks the cache stale when changed.
Change add(std::string& hll, std::string_view element);
// Converts a sparse HLL to dense, keeping the header's cache; false (nothing changed) when the
// sparse stream is corrupt. A dense HLL is left as it is.
bool to_dense(std::string& hll);

// Raises each of `max` to the matching register of `hll`; false when `hll` is corrupt (`max`
// may then be partly raised). Requires is_hll(hll).
bool merge_into(Registers& max, std::string_view hll);
// Counts from the registers (ignoring the cache); none when `hll` is corrupt.
std::optional<uint64_t> count(std::string_view hll);
// The estimate for an unpacked set of registers.
uint64_t count(const Registers& registers);
// Writes `max` into `dest` as PFMERGE does: dest turns dense first if `dense`, then every
// non-zero register is raised in ascending order (a sparse dest may turn dense on the way); the
// cache is marked stale. False when `dest` is corrupt. Requires is_hll(dest).
bool store_registers(std::string& dest, const Registers& max, bool dense);

// PFDEBUG DECODE: the opcodes of a sparse HLL as Redis spells them ("z:3 Z:8436 v:1,1", space
// separated), read to the end of the value without validating the registers they cover.
std::string describe_sparse(std::string_view hll);

// Runs internal consistency checks (PFSELFTEST); returns an error text on failure.
std::optional<std::string> self_test();

// Store operations on a string entry holding an HLL (is_hll(e->value())); they require the
// shard's lock, change the value in place (keeping its TTL) and touch the key when they change.

// PFADD: adds `elements`; kChanged when a register grew (then the cache is marked stale). On
// kCorrupt the changes made before the corruption was found are kept, as in Redis.
Change add(Shard& shard, Entry*& e, std::span<const std::string_view> elements);
// PFCOUNT of one key: the cached cardinality, or a fresh count that is then cached in the
// value; none when corrupt.
std::optional<uint64_t> cardinality(Shard& shard, Entry* e);
// Replaces the value with `hll` (PFMERGE's result), keeping the entry's TTL.
void replace(Shard& shard, Entry*& e, std::string_view hll);
// Like replace(), for a change of encoding that keeps the HLL's meaning (sparse to dense, as
// PFDEBUG GETREG and TODENSE make): WATCH is not touched, as Redis signals nothing then.
void reencode(Shard& shard, Entry*& e, std::string_view hll);

}  // namespace hll
}  // namespace cachet::store
