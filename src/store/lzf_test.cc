#include "store/lzf.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace cachet::store::lzf {
namespace {

// Room enough for any input: one literal control byte per 32 bytes.
size_t worst_case(size_t n) { return n + n / 32 + 1; }

std::string compressed(std::string_view in) {
  std::string out(worst_case(in.size()), '\0');
  out.resize(compress(in, out.data(), out.size()));
  return out;
}

void expect_round_trip(const std::string& in) {
  std::string c = compressed(in);
  ASSERT_EQ(c.empty(), in.empty()) << in.size();
  EXPECT_EQ(decompress(c, in.size()), in) << in.size();
}

std::string random_bytes(std::mt19937& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// Words from a small vocabulary: compresses well, with matches at varied distances.
std::string words(std::mt19937& rng, size_t n) {
  static const char* const kWords[] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta:", "0"};
  std::string s;
  while (s.size() < n) s += kWords[rng() % 7];
  s.resize(n);
  return s;
}

TEST(Lzf, MatchesRedisOutput) {
  // lzf_compress in Redis 7.0 turns 24 'a' into a literal 'a' and a 23-byte reference 1 back.
  EXPECT_EQ(compressed(std::string(24, 'a')), std::string("\x00\x61\xe0\x0e\x00", 5));
}

TEST(Lzf, RoundTripsEdgeSizes) {
  std::mt19937 rng(1);
  for (size_t n :
       {0, 1, 2, 3, 4, 5, 31, 32, 33, 63, 64, 65, 263, 264, 265, 8191, 8192, 8193, 65536, 200000}) {
    expect_round_trip(random_bytes(rng, n));
    expect_round_trip(words(rng, n));
    expect_round_trip(std::string(n, 'x'));
  }
}

TEST(Lzf, RoundTripsRandomMixes) {
  std::mt19937 rng(2);
  for (int i = 0; i < 500; ++i) {
    std::string s;
    while (s.size() < rng() % 20000) {
      switch (rng() % 3) {
        case 0:
          s += random_bytes(rng, rng() % 100);
          break;
        case 1:
          s += words(rng, rng() % 300);
          break;
        default:
          s += s.substr(s.size() - std::min<size_t>(s.size(), rng() % 9000));
      }
    }
    expect_round_trip(s);
  }
}

TEST(Lzf, ReferencesReachExactly8KBBack) {
  std::mt19937 rng(3);
  for (size_t period : {8190, 8191, 8192, 8193, 8194}) {
    std::string block = random_bytes(rng, period);
    std::string in = block + block;
    std::string c = compressed(in);
    EXPECT_EQ(decompress(c, in.size()), in);
    // Within reach, much of the repeat becomes references (not all: the 4096-slot table loses
    // some 3-byte sequences of a random 8 KB block to collisions); one byte too far, none does.
    if (period <= 8192) {
      EXPECT_LT(c.size(), period + period / 4) << period;
    } else {
      EXPECT_GT(c.size(), 2 * period) << period;
    }
  }
}

TEST(Lzf, CompressesRedundantData) {
  std::mt19937 rng(4);
  std::string in = words(rng, 8000);
  EXPECT_LT(compressed(in).size(), in.size() / 2);
  EXPECT_LT(compressed(std::string(8000, 0)).size(), 100u);
}

TEST(Lzf, ReportsOutputThatDoesNotFit) {
  std::mt19937 rng(5);
  std::string random = random_bytes(rng, 4000);
  std::string out(random.size() + 64, '#');
  EXPECT_EQ(compress(random, out.data(), random.size() - 1), 0u);  // saves nothing
  std::string in = words(rng, 4000);
  size_t needed = compressed(in).size();
  for (size_t capacity = 0; capacity < needed; capacity += 7) {
    std::fill(out.begin(), out.end(), '#');
    EXPECT_EQ(compress(in, out.data(), capacity), 0u) << capacity;
    EXPECT_EQ(out.find_first_not_of('#', capacity), std::string::npos) << capacity;
  }
  EXPECT_EQ(compress(in, out.data(), needed), needed);
}

TEST(Lzf, RejectsCorruptInput) {
  std::string lzf("\x00\x61\xe0\x0e\x00", 5);
  EXPECT_EQ(decompress(lzf, 24), std::string(24, 'a'));
  EXPECT_EQ(decompress(lzf, 23), std::nullopt);                        // too small
  EXPECT_EQ(decompress(lzf, 25), std::nullopt);                        // too large
  EXPECT_EQ(decompress(std::string("\x20\x00", 2), 3), std::nullopt);  // before the start
  EXPECT_EQ(decompress(std::string("\x02"
                                   "ab",
                                   3),
                       3),
            std::nullopt);  // literal cut short
  EXPECT_EQ(decompress(std::string("\x00"
                                   "a\x20",
                                   3),
                       4),
            std::nullopt);  // reference cut short
  EXPECT_EQ(decompress(std::string("\x00"
                                   "a\xe0\x01",
                                   4),
                       10),
            std::nullopt);  // long ref cut
  EXPECT_EQ(decompress("", 0), std::string());
  EXPECT_EQ(decompress("", 1), std::nullopt);
  EXPECT_EQ(decompress(std::string("\x00"
                                   "a",
                                   2),
                       1u << 30),
            std::nullopt);  // absurd size
}

}  // namespace
}  // namespace cachet::store::lzf
