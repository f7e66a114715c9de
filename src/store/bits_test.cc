#include "store/bits.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace cachet::store::bits {
namespace {

// Naive references: one bit at a time.
bool naive_bit(const std::vector<uint8_t>& v, uint64_t pos) {
  return pos / 8 < v.size() && (v[pos / 8] >> (7 - pos % 8) & 1);
}

uint64_t naive_count(const std::vector<uint8_t>& v, uint64_t first, uint64_t last) {
  uint64_t n = 0;
  for (uint64_t i = first; i <= last; ++i) n += naive_bit(v, i);
  return n;
}

int64_t naive_find(const std::vector<uint8_t>& v, bool bit, uint64_t first, uint64_t last) {
  for (uint64_t i = first; i <= last; ++i) {
    if (naive_bit(v, i) == bit) return static_cast<int64_t>(i);
  }
  return -1;
}

uint64_t naive_field(const std::vector<uint8_t>& v, uint64_t offset, unsigned bits) {
  uint64_t x = 0;
  for (unsigned i = 0; i < bits; ++i) x = x << 1 | naive_bit(v, offset + i);
  return x;
}

class BitsTest : public testing::Test {
 protected:
  // Random bytes; `density` picks bytes from 0x00 / 0xff runs or noise so finds see long runs.
  std::vector<uint8_t> random_bytes(size_t n) {
    std::vector<uint8_t> v(n);
    int mode = static_cast<int>(rng_() % 3);
    for (auto& b : v) {
      uint32_t r = static_cast<uint32_t>(rng_());
      b = mode == 2 ? static_cast<uint8_t>(r)
                    : (r % 512 == 0 ? static_cast<uint8_t>(r >> 9) : (mode == 0 ? 0x00 : 0xff));
    }
    return v;
  }
  uint64_t below(uint64_t n) { return rng_() % n; }

  std::mt19937_64 rng_{20240607};
};

TEST_F(BitsTest, PopcountKernelsMatchNaiveOnUnalignedSpans) {
  for (int round = 0; round < 300; ++round) {
    std::vector<uint8_t> v = random_bytes(below(4000) + 1);
    size_t start = below(v.size());
    Bytes span(v.data() + start, v.size() - start);
    uint64_t expected = span.empty() ? 0 : naive_count(v, start * 8, v.size() * 8 - 1);
    EXPECT_EQ(popcount(span), expected);
    EXPECT_EQ(popcount_portable(span), expected);
    if (has_avx2()) {
      EXPECT_EQ(popcount_avx2(span), expected);
    }
  }
  EXPECT_EQ(popcount({}), 0u);
}

TEST_F(BitsTest, CountOfBitRangeMatchesNaive) {
  for (int round = 0; round < 2000; ++round) {
    std::vector<uint8_t> v = random_bytes(below(200) + 1);
    uint64_t a = below(v.size() * 8), b = below(v.size() * 8);
    if (a > b) std::swap(a, b);
    ASSERT_EQ(count(v, a, b), naive_count(v, a, b)) << a << ".." << b;
  }
}

TEST_F(BitsTest, FindMatchesNaiveForSetAndClearBits) {
  for (int round = 0; round < 4000; ++round) {
    std::vector<uint8_t> v = random_bytes(below(300) + 1);
    uint64_t a = below(v.size() * 8), b = below(v.size() * 8);
    if (a > b) std::swap(a, b);
    bool bit = round % 2;
    ASSERT_EQ(find(v, bit, a, b), naive_find(v, bit, a, b)) << a << ".." << b << " bit " << bit;
  }
}

TEST_F(BitsTest, FindReportsNoneInUniformRanges) {
  std::vector<uint8_t> zeros(100, 0x00), ones(100, 0xff);
  EXPECT_EQ(find(zeros, true, 0, 799), -1);
  EXPECT_EQ(find(ones, false, 3, 798), -1);
  EXPECT_EQ(find(zeros, false, 13, 700), 13);
  ones[77] = 0xfe;
  EXPECT_EQ(find(ones, false, 0, 799), 77 * 8 + 7);
  EXPECT_EQ(find(ones, false, 0, 77 * 8 + 6), -1);
}

TEST_F(BitsTest, GetAndSetBits) {
  std::vector<uint8_t> v(3, 0);
  EXPECT_FALSE(set(v, 0, true));
  EXPECT_FALSE(set(v, 23, true));
  EXPECT_TRUE(set(v, 23, false));
  EXPECT_FALSE(set(v, 9, true));
  EXPECT_EQ(v, (std::vector<uint8_t>{0x80, 0x40, 0x00}));
  EXPECT_TRUE(get(v, 0));
  EXPECT_TRUE(get(v, 9));
  EXPECT_FALSE(get(v, 10));
  EXPECT_FALSE(get(v, 1000));  // past the end
}

TEST_F(BitsTest, CombineMatchesNaiveWithZeroPadding) {
  for (int round = 0; round < 500; ++round) {
    Op op = static_cast<Op>(below(4));
    size_t n = op == Op::kNot ? 1 : below(4) + 1;
    std::vector<std::vector<uint8_t>> inputs;
    size_t len = 0;
    for (size_t i = 0; i < n; ++i) {
      inputs.push_back(random_bytes(below(100)));
      len = std::max(len, inputs.back().size());
    }
    std::string expected(len, '\0');
    for (size_t j = 0; j < len; ++j) {
      auto byte = [&](size_t i) { return j < inputs[i].size() ? inputs[i][j] : uint8_t{0}; };
      uint8_t x = byte(0);
      for (size_t i = 1; i < n; ++i) {
        x = op == Op::kAnd ? x & byte(i) : op == Op::kOr ? x | byte(i) : x ^ byte(i);
      }
      expected[j] = static_cast<char>(op == Op::kNot ? ~x : x);
    }
    std::vector<Bytes> spans(inputs.begin(), inputs.end());
    ASSERT_EQ(combine(op, spans), expected) << "op " << static_cast<int>(op) << " inputs " << n;
  }
  EXPECT_EQ(combine(Op::kAnd, {}), "");
}

TEST_F(BitsTest, FieldsMatchNaiveAtAnyOffsetAndWidth) {
  for (int round = 0; round < 5000; ++round) {
    std::vector<uint8_t> v = random_bytes(below(20) + 9);
    FieldType t{round % 2 == 0, static_cast<unsigned>(below(64) + 1)};
    if (!t.is_signed && t.bits == 64) t.bits = 63;
    uint64_t offset = below(v.size() * 8 - t.bits + 1);
    uint64_t raw = naive_field(v, offset, t.bits);
    int64_t expected = static_cast<int64_t>(raw);
    if (t.is_signed && t.bits < 64 && (raw >> (t.bits - 1) & 1)) {
      expected = static_cast<int64_t>(raw | ~((uint64_t{1} << t.bits) - 1));
    }
    ASSERT_EQ(get_field(v, offset, t), expected) << offset << " " << t.bits;

    std::vector<uint8_t> before = v;
    int64_t value = static_cast<int64_t>(rng_());
    set_field(v, offset, t, value);
    uint64_t mask = t.bits == 64 ? ~uint64_t{0} : (uint64_t{1} << t.bits) - 1;
    ASSERT_EQ(naive_field(v, offset, t.bits), static_cast<uint64_t>(value) & mask);
    for (uint64_t i = 0; i < v.size() * 8; ++i) {  // no other bit moved
      if (i < offset || i >= offset + t.bits) {
        ASSERT_EQ(naive_bit(v, i), naive_bit(before, i));
      }
    }
  }
}

TEST_F(BitsTest, FieldsReadZeroPastTheEnd) {
  std::vector<uint8_t> v{0xff};
  EXPECT_EQ(get_field(v, 4, {false, 8}), 0xf0);
  EXPECT_EQ(get_field(v, 0, {false, 63}), int64_t{0xff} << 55);
  EXPECT_EQ(get_field(v, 100, {true, 64}), 0);
  EXPECT_EQ(get_field(v, 0, {true, 4}), -1);
}

TEST_F(BitsTest, FitFollowsRedisOverflowRules) {
  FieldType u8{false, 8}, i8{true, 8}, i64{true, 64}, u63{false, 63}, u1{false, 1};
  EXPECT_EQ(fit_value(u8, 300, Overflow::kWrap), 44);
  EXPECT_EQ(fit_value(u8, 300, Overflow::kSat), 255);
  EXPECT_EQ(fit_value(u8, 300, Overflow::kFail), std::nullopt);
  EXPECT_EQ(fit_value(u8, -1, Overflow::kSat), 255);  // unsigned SET takes -1 as 2^64 - 1
  EXPECT_EQ(fit_value(u8, -1, Overflow::kWrap), 255);
  EXPECT_EQ(fit_value(i8, 200, Overflow::kWrap), -56);
  EXPECT_EQ(fit_value(i8, -200, Overflow::kSat), -128);
  EXPECT_EQ(fit_value(i64, INT64_MIN, Overflow::kFail), INT64_MIN);
  EXPECT_EQ(fit_increment(u8, 250, 10, Overflow::kWrap), 4);
  EXPECT_EQ(fit_increment(u8, 5, -10, Overflow::kWrap), 251);
  EXPECT_EQ(fit_increment(u8, 5, -10, Overflow::kSat), 0);
  EXPECT_EQ(fit_increment(i8, 100, 100, Overflow::kSat), 127);
  EXPECT_EQ(fit_increment(i8, 100, 100, Overflow::kWrap), -56);
  EXPECT_EQ(fit_increment(i8, -100, -100, Overflow::kWrap), 56);
  EXPECT_EQ(fit_increment(i64, INT64_MAX, 1, Overflow::kWrap), INT64_MIN);
  EXPECT_EQ(fit_increment(i64, INT64_MAX, 1, Overflow::kSat), INT64_MAX);
  EXPECT_EQ(fit_increment(i64, INT64_MIN, -1, Overflow::kFail), std::nullopt);
  EXPECT_EQ(fit_increment(u63, INT64_MAX, 1, Overflow::kWrap), 0);
  EXPECT_EQ(fit_increment(u63, 0, INT64_MIN, Overflow::kSat), 0);
  EXPECT_EQ(fit_increment(u1, 1, 1, Overflow::kWrap), 0);
}

}  // namespace
}  // namespace cachet::store::bits
