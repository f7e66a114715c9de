// HyperLogLog values in Redis 7.0's representation (see hll.h for the layout). The update rules
// (where a sparse opcode splits, which neighbours merge, when it turns dense) follow Redis's
// hyperloglog.c step for step, because the bytes must come out identical.
#include "store/hll.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "store/store.h"

namespace cachet::store::hll {
namespace {

constexpr size_t kEncodingByte = 4;
constexpr size_t kCacheByte = 8;
constexpr uint8_t kStaleBit = 0x80;  // in the cache's last byte
constexpr uint8_t kMaxSparseValue = 32;
constexpr uint32_t kMaxZeroRun = 64;
constexpr uint32_t kMaxXZeroRun = 16384;
constexpr uint32_t kMaxValRun = 4;
constexpr size_t kMaxSequence = 5;   // XZERO VAL XZERO: what one opcode may split into
constexpr int kScanAfterChange = 5;  // opcodes looked at for merging after a change
constexpr double kAlphaInf = 0.721347520444481703680;  // 1 / (2 ln 2)

std::atomic<size_t> g_sparse_max_bytes{kDefaultSparseMaxBytes};

using Histogram = std::array<int, kMaxRegister + 1>;

uint8_t byte_at(std::string_view s, size_t i) { return static_cast<uint8_t>(s[i]); }

// ---- Dense registers: 6 bits each, packed from the least significant bit of each byte. ----

uint8_t dense_get(const uint8_t* regs, uint32_t i) {
  size_t bit = size_t{i} * kRegisterBits;
  unsigned shift = bit % 8;
  unsigned v = regs[bit / 8] >> shift;
  if (shift > 8 - kRegisterBits) v |= unsigned{regs[bit / 8 + 1]} << (8 - shift);
  return v & kMaxRegister;
}

void dense_put(uint8_t* regs, uint32_t i, uint8_t v) {
  size_t bit = size_t{i} * kRegisterBits;
  unsigned shift = bit % 8;
  uint8_t* p = regs + bit / 8;
  p[0] = static_cast<uint8_t>((p[0] & ~(kMaxRegister << shift)) | (v << shift));
  if (shift > 8 - kRegisterBits) {
    p[1] = static_cast<uint8_t>((p[1] & ~(kMaxRegister >> (8 - shift))) | (v >> (8 - shift)));
  }
}

// Raises register i to `count`; true when it grew.
bool dense_raise(uint8_t* regs, uint32_t i, uint8_t count) {
  if (dense_get(regs, i) >= count) return false;
  dense_put(regs, i, count);
  return true;
}

// Calls fn(i, value) for every dense register in order, decoding four registers from each three
// bytes (the whole-array paths: merge and count).
template <typename Fn>
void for_each_dense(const uint8_t* regs, Fn&& fn) {
  for (uint32_t i = 0; i < kRegisters; i += 4, regs += 3) {
    fn(i, static_cast<uint8_t>(regs[0] & kMaxRegister));
    fn(i + 1, static_cast<uint8_t>((regs[0] >> 6) | ((regs[1] & 0x0f) << 2)));
    fn(i + 2, static_cast<uint8_t>((regs[1] >> 4) | ((regs[2] & 0x03) << 4)));
    fn(i + 3, static_cast<uint8_t>(regs[2] >> 2));
  }
}

uint8_t* registers_of(std::string& hll) {
  return reinterpret_cast<uint8_t*>(hll.data()) + kHeaderBytes;
}
const uint8_t* registers_of(std::string_view hll) {
  return reinterpret_cast<const uint8_t*>(hll.data()) + kHeaderBytes;
}

// ---- Sparse opcodes. ----

enum class OpKind : uint8_t { kZero, kXZero, kVal };

struct Op {
  OpKind kind;
  uint8_t bytes;  // 1, or 2 for XZERO
  uint8_t value;  // VAL only
  uint32_t run;   // registers covered, >= 1
};

bool is_val(uint8_t b) { return b & 0x80; }
bool is_xzero(uint8_t b) { return (b & 0xc0) == 0x40; }
uint8_t val_value(uint8_t b) { return ((b >> 2) & 0x1f) + 1; }
uint32_t val_run(uint8_t b) { return (b & 0x3u) + 1; }
char val_op(uint32_t value, uint32_t run) {
  return static_cast<char>(0x80 | ((value - 1) << 2) | (run - 1));
}

// Decodes the opcode at `pos` (< s.size()). An XZERO cut short by the end of the value reads its
// missing byte as 0, as Redis does (it reads the string's terminating NUL there).
Op decode(std::string_view s, size_t pos) {
  uint8_t b = byte_at(s, pos);
  if (is_val(b)) return {OpKind::kVal, 1, val_value(b), val_run(b)};
  if (is_xzero(b)) {
    uint32_t low = pos + 1 < s.size() ? byte_at(s, pos + 1) : 0;
    return {OpKind::kXZero, 2, 0, (((b & 0x3fu) << 8) | low) + 1};
  }
  return {OpKind::kZero, 1, 0, (b & 0x3fu) + 1};
}

// Appends the shortest zero-run opcode for `run` (<= kMaxXZeroRun) registers.
void append_zero_run(std::string& seq, uint32_t run) {
  if (run > kMaxZeroRun) {
    seq.push_back(static_cast<char>(0x40 | ((run - 1) >> 8)));
    seq.push_back(static_cast<char>((run - 1) & 0xff));
  } else {
    seq.push_back(static_cast<char>(run - 1));
  }
}

// Calls fn(first, run, value) for every VAL opcode of `hll`'s stream, in order, while the runs
// stay within the registers. Returns whether the stream covers exactly kRegisters registers
// (Redis, since the fix for CVE-2025-32023, rejects any run past the last register).
template <typename Fn>
bool walk_sparse(std::string_view hll, Fn&& fn) {
  uint32_t covered = 0;
  for (size_t pos = kHeaderBytes; pos < hll.size();) {
    Op op = decode(hll, pos);
    pos += op.bytes;
    if (covered + op.run > kRegisters) return false;
    if (op.kind == OpKind::kVal) fn(covered, op.run, op.value);
    covered += op.run;
  }
  return covered == kRegisters;
}

// Where register `index` sits in a sparse stream.
struct Located {
  size_t pos;      // its opcode
  size_t prev;     // the opcode before, or npos
  uint32_t first;  // the first register the opcode covers
  Op op;
};

std::optional<Located> locate(std::string_view hll, uint32_t index) {
  size_t prev = std::string::npos;
  uint64_t first = 0;
  for (size_t pos = kHeaderBytes; pos < hll.size();) {
    Op op = decode(hll, pos);
    if (index < first + op.run) return Located{pos, prev, static_cast<uint32_t>(first), op};
    prev = pos;
    pos += op.bytes;
    first += op.run;
  }
  return std::nullopt;
}

// The opcodes replacing `at`'s when register `index` takes `count` (Redis's general case).
std::string split(const Located& at, uint32_t index, uint8_t count) {
  std::string seq;
  seq.reserve(kMaxSequence);
  uint32_t last = at.first + at.op.run - 1;
  bool zero = at.op.kind != OpKind::kVal;
  auto append_run = [&](uint32_t run) {
    if (zero) {
      append_zero_run(seq, run);
    } else {
      seq.push_back(val_op(at.op.value, run));
    }
  };
  if (index != at.first) append_run(index - at.first);
  seq.push_back(val_op(count, 1));
  if (index != last) append_run(last - index);
  return seq;
}

// Merges adjacent VAL opcodes of equal value whose runs fit one opcode, looking at a few
// opcodes from `from` on (Redis's step after a change).
void merge_neighbours(std::string& hll, size_t from) {
  size_t pos = from;
  for (int scan = kScanAfterChange; pos < hll.size() && scan-- > 0;) {
    uint8_t b = byte_at(hll, pos);
    if (!is_val(b)) {
      pos += is_xzero(b) ? 2 : 1;
      continue;
    }
    if (pos + 1 < hll.size() && is_val(byte_at(hll, pos + 1))) {
      uint8_t next = byte_at(hll, pos + 1);
      uint32_t run = val_run(b) + val_run(next);
      if (val_value(b) == val_value(next) && run <= kMaxValRun) {
        hll[pos + 1] = val_op(val_value(b), run);
        hll.erase(pos, 1);
        continue;
      }
    }
    ++pos;
  }
}

// Puts `seq` in place of the opcode `at`. An XZERO cut short by the value's end (its second
// byte read as 0) ends up one byte short, as Redis leaves it: it rewrites the terminating NUL
// it read but keeps the string's length.
void replace_op(std::string& hll, const Located& at, std::string_view seq) {
  bool cut_short = at.pos + at.op.bytes > hll.size();
  if (cut_short) {
    hll.resize(at.pos);
    hll.append(seq.substr(0, seq.size() - 1));
  } else {
    hll.replace(at.pos, at.op.bytes, seq);
  }
}

Change promote_and_set(std::string& hll, uint32_t index, uint8_t count) {
  if (!to_dense(hll)) return Change::kCorrupt;
  // A register that forces promotion is always lower than `count`.
  return dense_raise(registers_of(hll), index, count) ? Change::kChanged : Change::kUnchanged;
}

Change sparse_set(std::string& hll, uint32_t index, uint8_t count) {
  if (count > kMaxSparseValue) return promote_and_set(hll, index, count);
  auto at = locate(hll, index);
  if (!at) return Change::kCorrupt;
  const Op& op = at->op;
  if (op.kind == OpKind::kVal && op.value >= count) return Change::kUnchanged;
  if (op.kind != OpKind::kXZero && op.run == 1) {
    hll[at->pos] = val_op(count, 1);
  } else {
    std::string seq = split(*at, index, count);
    if (seq.size() > op.bytes && hll.size() + seq.size() - op.bytes > sparse_max_bytes()) {
      return promote_and_set(hll, index, count);
    }
    replace_op(hll, *at, seq);
  }
  merge_neighbours(hll, at->prev != std::string::npos ? at->prev : kHeaderBytes);
  return Change::kChanged;
}

void add_to_histogram(Histogram& h, const uint8_t* regs) {
  for_each_dense(regs, [&](uint32_t, uint8_t value) { ++h[value]; });
}

// Ertl's sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1), summed until it stops changing.
double sigma(double x) {
  if (x == 1.0) return std::numeric_limits<double>::infinity();
  double weight = 1;
  double z = x;
  for (double previous = -1; previous != z;) {
    x *= x;
    previous = z;
    z += x * weight;
    weight += weight;
  }
  return z;
}

// Ertl's tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3, summed until it stops changing.
double tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double weight = 1;
  double z = 1 - x;
  for (double previous = -1; previous != z;) {
    x = std::sqrt(x);
    previous = z;
    weight *= 0.5;
    z -= (1 - x) * (1 - x) * weight;
  }
  return z / 3;
}

// Ertl's improved estimator over the register histogram (as Redis 7.0 computes it).
uint64_t estimate(const Histogram& h) {
  const double m = kRegisters;
  double z = m * tau((m - h[kCountBits + 1]) / m);
  for (int j = kCountBits; j >= 1; --j) {
    z += h[j];
    z *= 0.5;
  }
  z += m * sigma(h[0] / m);
  double e = static_cast<double>(std::llroundl(kAlphaInf * m * m / z));
  return static_cast<uint64_t>(e);
}

std::span<char, kHeaderBytes> header_of(Entry* e) {
  return std::span<char, kHeaderBytes>(e->value_data(), kHeaderBytes);
}
std::span<char, kHeaderBytes> header_of(std::string& hll) {
  return std::span<char, kHeaderBytes>(hll.data(), kHeaderBytes);
}

void write_cardinality(std::span<char, kHeaderBytes> header, uint64_t card) {
  for (int b = 0; b < 8; ++b) header[kCacheByte + b] = static_cast<char>(card >> (8 * b));
}

void mark_stale(std::span<char, kHeaderBytes> header) {
  header[kCacheByte + 7] = static_cast<char>(header[kCacheByte + 7] | kStaleBit);
}

}  // namespace

void set_sparse_max_bytes(size_t bytes) { g_sparse_max_bytes.store(bytes); }
size_t sparse_max_bytes() { return g_sparse_max_bytes.load(std::memory_order_relaxed); }

uint64_t murmur_hash64a(std::string_view data, uint64_t seed) {
  constexpr uint64_t kMul = 0xc6a4a7935bd1e995ULL;
  constexpr int kShift = 47;
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  const size_t n = data.size();
  uint64_t h = seed ^ (n * kMul);
  size_t blocks = n / 8;
  for (size_t i = 0; i < blocks; ++i) {
    uint64_t k = 0;
    for (int b = 7; b >= 0; --b) k = (k << 8) | p[i * 8 + b];
    k *= kMul;
    k ^= k >> kShift;
    k *= kMul;
    h ^= k;
    h *= kMul;
  }
  const uint8_t* tail = p + blocks * 8;
  size_t rest = n % 8;
  if (rest != 0) {
    for (size_t b = rest; b-- > 0;) h ^= uint64_t{tail[b]} << (8 * b);
    h *= kMul;
  }
  h ^= h >> kShift;
  h *= kMul;
  h ^= h >> kShift;
  return h;
}

Pattern pattern_of(std::string_view element) {
  uint64_t hash = murmur_hash64a(element, kHashSeed);
  auto index = static_cast<uint32_t>(hash & (kRegisters - 1));
  uint64_t rest = (hash >> kIndexBits) | (uint64_t{1} << kCountBits);
  return {index, static_cast<uint8_t>(std::countr_zero(rest) + 1)};
}

bool is_hll(std::string_view value) {
  if (value.size() < kHeaderBytes || value.substr(0, 4) != "HYLL") return false;
  uint8_t encoding = byte_at(value, kEncodingByte);
  if (encoding == static_cast<uint8_t>(Encoding::kDense)) return value.size() == kDenseBytes;
  return encoding == static_cast<uint8_t>(Encoding::kSparse);
}

Encoding encoding_of(std::string_view hll) {
  return static_cast<Encoding>(byte_at(hll, kEncodingByte));
}

std::string make_empty() {
  std::string hll(kHeaderBytes, '\0');
  std::memcpy(hll.data(), "HYLL", 4);
  hll[kEncodingByte] = static_cast<char>(Encoding::kSparse);
  append_zero_run(hll, kMaxXZeroRun);  // one XZERO covers every register
  return hll;
}

std::optional<uint64_t> cached_cardinality(std::string_view hll) {
  if (byte_at(hll, kCacheByte + 7) & kStaleBit) return std::nullopt;
  uint64_t card = 0;
  for (int b = 7; b >= 0; --b) card = (card << 8) | byte_at(hll, kCacheByte + b);
  return card;
}

void store_cardinality(std::string& hll, uint64_t card) { write_cardinality(header_of(hll), card); }
void invalidate_cache(std::string& hll) { mark_stale(header_of(hll)); }

Change set_register(std::string& hll, uint32_t index, uint8_t count) {
  if (encoding_of(hll) == Encoding::kSparse) return sparse_set(hll, index, count);
  return dense_raise(registers_of(hll), index, count) ? Change::kChanged : Change::kUnchanged;
}

Change add(std::string& hll, std::string_view element) {
  Pattern p = pattern_of(element);
  Change c = set_register(hll, p.index, p.count);
  if (c == Change::kChanged) mark_stale(header_of(hll));
  return c;
}

std::string describe_sparse(std::string_view hll) {
  std::string out;
  for (size_t pos = kHeaderBytes; pos < hll.size();) {
    Op op = decode(hll, pos);
    pos += op.bytes;
    if (!out.empty()) out += ' ';
    if (op.kind == OpKind::kVal) {
      out += "v:" + std::to_string(op.value) + "," + std::to_string(op.run);
    } else {
      out += (op.kind == OpKind::kXZero ? "Z:" : "z:") + std::to_string(op.run);
    }
  }
  return out;
}

bool to_dense(std::string& hll) {
  if (encoding_of(hll) == Encoding::kDense) return true;
  std::string dense(kDenseBytes, '\0');
  std::memcpy(dense.data(), hll.data(), kHeaderBytes);
  dense[kEncodingByte] = static_cast<char>(Encoding::kDense);
  uint8_t* regs = registers_of(dense);
  bool valid = walk_sparse(hll, [&](uint32_t first, uint32_t run, uint8_t value) {
    for (uint32_t i = first; i < first + run; ++i) dense_put(regs, i, value);
  });
  if (!valid) return false;
  hll = std::move(dense);
  return true;
}

bool merge_into(Registers& max, std::string_view hll) {
  if (encoding_of(hll) == Encoding::kDense) {
    for_each_dense(registers_of(hll),
                   [&](uint32_t i, uint8_t value) { max[i] = std::max(max[i], value); });
    return true;
  }
  return walk_sparse(hll, [&](uint32_t first, uint32_t run, uint8_t value) {
    for (uint32_t i = first; i < first + run; ++i) max[i] = std::max(max[i], value);
  });
}

std::optional<uint64_t> count(std::string_view hll) {
  Histogram h{};
  if (encoding_of(hll) == Encoding::kDense) {
    add_to_histogram(h, registers_of(hll));
    return estimate(h);
  }
  int nonzero = 0;
  bool valid = walk_sparse(hll, [&](uint32_t, uint32_t run, uint8_t value) {
    h[value] += static_cast<int>(run);
    nonzero += static_cast<int>(run);
  });
  if (!valid) return std::nullopt;
  h[0] = static_cast<int>(kRegisters) - nonzero;
  return estimate(h);
}

uint64_t count(const Registers& registers) {
  Histogram h{};
  for (uint8_t r : registers) ++h[r & kMaxRegister];
  return estimate(h);
}

bool store_registers(std::string& dest, const Registers& max, bool dense) {
  if (dense && !to_dense(dest)) return false;
  for (uint32_t i = 0; i < kRegisters; ++i) {
    if (max[i] != 0 && set_register(dest, i, max[i]) == Change::kCorrupt) return false;
  }
  mark_stale(header_of(dest));
  return true;
}

Change add(Shard& shard, Entry*& e, std::span<const std::string_view> elements) {
  if (encoding_of(e->value()) == Encoding::kDense) {
    auto* regs = reinterpret_cast<uint8_t*>(e->value_data()) + kHeaderBytes;
    bool changed = false;
    for (std::string_view element : elements) {
      Pattern p = pattern_of(element);
      changed |= dense_raise(regs, p.index, p.count);
    }
    if (!changed) return Change::kUnchanged;
    mark_stale(header_of(e));
    shard.touch(e->key());
    return Change::kChanged;
  }
  std::string hll(e->value());
  Change result = Change::kUnchanged;
  bool changed = false;
  for (std::string_view element : elements) {
    result = add(hll, element);
    if (result == Change::kCorrupt) break;
    changed |= result == Change::kChanged;
  }
  if (changed) replace(shard, e, hll);
  if (result == Change::kCorrupt) return result;
  return changed ? Change::kChanged : Change::kUnchanged;
}

std::optional<uint64_t> cardinality(Shard& shard, Entry* e) {
  if (auto cached = cached_cardinality(e->value())) return cached;
  auto card = count(e->value());
  if (!card) return std::nullopt;
  write_cardinality(header_of(e), *card);
  shard.touch(e->key());
  return card;
}

void replace(Shard& shard, Entry*& e, std::string_view hll) {
  shard.touch(e->key());
  reencode(shard, e, hll);
}

void reencode(Shard& shard, Entry*& e, std::string_view hll) {
  e = shard.reencode_value(e, hll.size());
  std::memcpy(e->value_data(), hll.data(), hll.size());
}

std::optional<std::string> self_test() {
  // Every register of a dense HLL keeps what is stored in it, whatever its neighbours hold.
  std::string dense = make_empty();
  if (!to_dense(dense) || dense.size() != kDenseBytes) return "TESTFAILED empty sparse to dense";
  uint8_t* regs = registers_of(dense);
  auto pattern = [](uint32_t i) {
    return static_cast<uint8_t>((i * 37 + 11) % (kMaxRegister + 1));
  };
  for (uint32_t i = 0; i < kRegisters; ++i) dense_put(regs, i, pattern(i));
  for (uint32_t i = 0; i < kRegisters; ++i) {
    if (dense_get(regs, i) != pattern(i))
      return "TESTFAILED Register error at " + std::to_string(i);
  }
  // A sparse HLL growing into a dense one agrees, register for register, with the maximum of
  // the patterns added, and the estimate stays within a generous error bound.
  std::string hll = make_empty();
  Registers expected{};
  constexpr uint32_t kElements = 20000;
  for (uint32_t n = 1; n <= kElements; ++n) {
    std::string element = "selftest-" + std::to_string(n);
    Pattern p = pattern_of(element);
    expected[p.index] = std::max(expected[p.index], p.count);
    if (add(hll, element) == Change::kCorrupt) return "TESTFAILED corrupt after add";
    if (n % 1000 != 0 && n != 10 && n != 100) continue;
    Registers seen{};
    auto card = count(hll);
    if (!merge_into(seen, hll) || seen != expected || !card || *card != count(expected)) {
      return "TESTFAILED sparse/dense mismatch after " + std::to_string(n) + " elements";
    }
    if (std::abs(static_cast<double>(*card) - n) > n * 0.05 + 2) {
      return "TESTFAILED estimate " + std::to_string(*card) + " for " + std::to_string(n);
    }
  }
  return std::nullopt;
}

}  // namespace cachet::store::hll
