// HyperLogLog representation tests. The expected bytes, checksums and counts were produced by
// redis-server 7.0.15 (PFADD of "elem-0".."elem-<n-1>" in batches of 1000, then GET / PFCOUNT),
// so these tests pin cachet's values to Redis's byte for byte.
#include "store/hll.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace cachet::store::hll {
namespace {

std::string from_hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// FNV-1a 64: the checksum the expectations for large values were recorded with.
uint64_t fnv1a(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

// The value PFADD leaves after creating the key and adding prefix0..prefix<n-1>.
std::string pfadd(size_t n, const std::string& prefix = "elem-") {
  std::string hll = make_empty();
  invalidate_cache(hll);
  for (size_t i = 0; i < n; ++i) {
    EXPECT_NE(add(hll, prefix + std::to_string(i)), Change::kCorrupt);
  }
  return hll;
}

// The value after a PFCOUNT: the count cached in it.
std::string counted(std::string hll) {
  auto card = count(hll);
  EXPECT_TRUE(card.has_value());
  store_cardinality(hll, card.value_or(0));
  return hll;
}

// PFMERGE of `sources` into a new key.
std::string pfmerge(std::initializer_list<std::string_view> sources) {
  Registers max{};
  bool dense = false;
  for (std::string_view s : sources) {
    EXPECT_TRUE(merge_into(max, s));
    dense |= encoding_of(s) == Encoding::kDense;
  }
  std::string dest = make_empty();
  EXPECT_TRUE(store_registers(dest, max, dense));
  return dest;
}

const std::string kHeaderStale = "48594c4c010000000000000000000080";

TEST(HllTest, EmptyValueIsOneXZero) {
  EXPECT_EQ(to_hex(make_empty()), "48594c4c0100000000000000000000007fff");
  EXPECT_EQ(count(make_empty()), 0u);
  EXPECT_EQ(cached_cardinality(make_empty()), 0u);
  EXPECT_EQ(to_hex(pfadd(0)), kHeaderStale + "7fff");
  EXPECT_EQ(cached_cardinality(pfadd(0)), std::nullopt);
}

TEST(HllTest, PatternIsLow14BitsAndFirstOneBit) {
  Pattern p = pattern_of("elem-0");  // Redis: XZERO 10437, VAL 1x1, XZERO 5946
  EXPECT_EQ(p.index, 10437u);
  EXPECT_EQ(p.count, 1);
}

TEST(HllTest, SparseBytesMatchRedis) {
  EXPECT_EQ(to_hex(pfadd(1)), kHeaderStale + "68c4805739");
  EXPECT_EQ(to_hex(pfadd(10)),
            kHeaderStale + "4aef8c40c380409d8c4f0d8c40809448148044c88048e58843cb88431480476f");
  std::string hundred = pfadd(100);
  EXPECT_EQ(
      to_hex(hundred),
      kHeaderStale +
          "406880208040708440488040de803980411d80238440818828904041801784409480179025883784412f8405"
          "804086800780407380408c84412a98405b84407984404f8c0f8c3080404e800b803480409d8c0b8442228039"
          "80008840e78441e080405984148440518c405780427d9440818040a98041158441e38021802b8041af8c0d8c"
          "408094427e88420384405a8041138040829040cc88398040918040838c42448441fd8040b580404f80406684"
          "404880405f841c84415580405580413b8040968040488414880e8041f88040bf88404b882f8840bb84118040"
          "c888407984407ba040bb880180404b844069840f8c41a790409f801e8040f784178043d980405d8040448040"
          "d784378040ab");
  EXPECT_EQ(count(hundred), 100u);
}

struct Known {
  size_t n;
  size_t bytes;
  Encoding encoding;
  uint64_t count;
  uint64_t fnv_stale;    // GET after the PFADDs
  uint64_t fnv_counted;  // GET after PFCOUNT
};

TEST(HllTest, BytesAndCountsMatchRedisUpTo100000) {
  const Known known[] = {
      {1, 21, Encoding::kSparse, 1, 7960052793824969565ULL, 7065970558150258322ULL},
      {10, 48, Encoding::kSparse, 10, 18103309353290442624ULL, 9585999258406248394ULL},
      {100, 286, Encoding::kSparse, 100, 9442215171703152216ULL, 6158014760947071604ULL},
      {1000, 1895, Encoding::kSparse, 997, 3094023596935130652ULL, 5309206628908406468ULL},
      {10000, 12304, Encoding::kDense, 10070, 14286220595143200695ULL, 10695357118115905888ULL},
      {100000, 12304, Encoding::kDense, 100025, 10381004735330088199ULL, 12730124326029293901ULL},
  };
  for (const Known& k : known) {
    SCOPED_TRACE(k.n);
    std::string hll = pfadd(k.n);
    EXPECT_EQ(hll.size(), k.bytes);
    EXPECT_EQ(encoding_of(hll), k.encoding);
    EXPECT_EQ(fnv1a(hll), k.fnv_stale);
    EXPECT_EQ(count(hll), k.count);
    std::string after = counted(hll);
    EXPECT_EQ(fnv1a(after), k.fnv_counted);
    EXPECT_EQ(cached_cardinality(after), k.count);
  }
}

TEST(HllTest, OneElementAtATimeEqualsBatches) {
  std::string hll = make_empty();
  invalidate_cache(hll);
  for (int i = 0; i < 300; ++i) (void)add(hll, "b-" + std::to_string(i % 200));
  EXPECT_EQ(hll.size(), 499u);
  EXPECT_EQ(fnv1a(hll), 8830693079783110283ULL);
}

TEST(HllTest, SparseTurnsDensePastMaxBytes) {
  set_sparse_max_bytes(200);
  std::string hll = pfadd(100, "p-");
  set_sparse_max_bytes(kDefaultSparseMaxBytes);
  EXPECT_EQ(encoding_of(hll), Encoding::kDense);
  EXPECT_EQ(fnv1a(hll), 8125849512602306375ULL);
  EXPECT_EQ(count(hll), 100u);
}

TEST(HllTest, HighRegisterValueTurnsDense) {
  std::string hll = make_empty();
  EXPECT_EQ(set_register(hll, 5, 33), Change::kChanged);
  EXPECT_EQ(hll.size(), kDenseBytes);
  Registers max{};
  ASSERT_TRUE(merge_into(max, hll));
  EXPECT_EQ(max[5], 33);
  EXPECT_EQ(set_register(hll, 5, 20), Change::kUnchanged);
}

TEST(HllTest, DenseRegistersRoundTripThroughMerge) {
  std::string hll = make_empty();
  ASSERT_TRUE(to_dense(hll));
  for (uint32_t i = 0; i < kRegisters; ++i) {
    ASSERT_EQ(set_register(hll, i, static_cast<uint8_t>(i % 63 + 1)), Change::kChanged);
  }
  Registers max{};
  ASSERT_TRUE(merge_into(max, hll));
  for (uint32_t i = 0; i < kRegisters; ++i) ASSERT_EQ(max[i], i % 63 + 1) << i;
}

TEST(HllTest, MergeMatchesRedis) {
  std::string a = pfadd(200, "a-"), b = pfadd(200, "b-");
  EXPECT_EQ(fnv1a(a), 5689491716378698045ULL);
  EXPECT_EQ(fnv1a(b), 8830693079783110283ULL);
  std::string ab = pfmerge({a, b});  // all sparse: the result stays sparse
  EXPECT_EQ(encoding_of(ab), Encoding::kSparse);
  EXPECT_EQ(ab.size(), 879u);
  EXPECT_EQ(fnv1a(ab), 15742217194641724361ULL);
  EXPECT_EQ(count(ab), 404u);

  std::string c = pfadd(1000, "c-"), d = pfadd(700, "d-");
  EXPECT_EQ(fnv1a(c), 6831174544443765076ULL);
  EXPECT_EQ(fnv1a(d), 13587912617876889831ULL);
  std::string cd = pfmerge({c, d});  // sparse inputs, but the union outgrows 3000 bytes
  EXPECT_EQ(encoding_of(cd), Encoding::kDense);
  EXPECT_EQ(fnv1a(cd), 3383951309015727461ULL);
  EXPECT_EQ(count(cd), 1705u);

  std::string xa = pfmerge({a, pfadd(20000, "x-")});  // a dense input makes the result dense
  EXPECT_EQ(fnv1a(xa), 2108351189826508930ULL);
  EXPECT_EQ(count(xa), 19868u);

  Registers all{};
  for (const std::string* s : {&a, &b, &c, &d}) ASSERT_TRUE(merge_into(all, *s));
  EXPECT_EQ(count(all), 2115u);  // PFCOUNT a b c d
}

TEST(HllTest, MergeIntoExistingDestination) {
  std::string a = pfadd(200, "a-"), b = pfadd(200, "b-");
  Registers max{};
  ASSERT_TRUE(merge_into(max, a));
  ASSERT_TRUE(merge_into(max, b));
  ASSERT_TRUE(store_registers(a, max, false));  // PFMERGE a b
  EXPECT_EQ(fnv1a(a), 15742217194641724361ULL);
}

TEST(HllTest, ValidityOfForeignValues) {
  EXPECT_TRUE(is_hll(make_empty()));
  EXPECT_FALSE(is_hll("12345"));
  EXPECT_FALSE(is_hll("HYLL\x01"));
  EXPECT_FALSE(is_hll(std::string("HYLL\x02", 5) + std::string(13, '\0')));
  EXPECT_FALSE(is_hll(std::string("HYLL", 4) + std::string(kDenseBytes - 5, '\0')));
  EXPECT_TRUE(is_hll(std::string("HYLL", 4) + std::string(kDenseBytes - 4, '\0')));
  EXPECT_FALSE(is_hll(std::string("HYLX\x01", 5) + std::string(13, '\0')));
}

TEST(HllTest, CachedCardinalityIsTrusted) {
  std::string hll = from_hex(
      "48594c4c010000003930000000000000"
      "7fff");
  EXPECT_EQ(cached_cardinality(hll), 12345u);
  EXPECT_EQ(count(hll), 0u);
  ASSERT_EQ(add(hll, "elem-0"), Change::kChanged);  // stale bit set, other bits kept
  EXPECT_EQ(to_hex(hll), "48594c4c01000000393000000000008068c4805739");
}

struct Corrupt {
  const char* name;
  const char* stream;     // hex after the header
  const char* after_add;  // hex after adding elem-0, or null when that fails too
};

TEST(HllTest, CorruptSparseStreamsAreRejectedLikeRedis) {
  const Corrupt cases[] = {
      {"short16383", "7ffe", "68c4805738"},    {"trailval", "7fff80", "68c480573980"},
      {"trailzero", "7fff00", "68c480573900"}, {"headeronly", "", nullptr},
      {"truncxzero", "7f", "68c48056"},        {"overflow", "7fff7fff", "68c48057397fff"},
  };
  for (const Corrupt& c : cases) {
    SCOPED_TRACE(c.name);
    std::string hll = from_hex(kHeaderStale + c.stream);
    ASSERT_TRUE(is_hll(hll));
    EXPECT_EQ(count(hll), std::nullopt);
    Registers max{};
    EXPECT_FALSE(merge_into(max, hll));
    std::string dense = hll;
    EXPECT_FALSE(to_dense(dense));
    EXPECT_EQ(dense, hll);
    Change change = add(hll, "elem-0");
    if (c.after_add == nullptr) {
      EXPECT_EQ(change, Change::kCorrupt);
    } else {
      EXPECT_EQ(change, Change::kChanged);
      EXPECT_EQ(to_hex(hll), kHeaderStale + c.after_add);
    }
  }
}

// Random streams after a valid header: every operation must finish without reading out of
// bounds (run under the sanitizer preset) and agree on validity.
TEST(HllTest, RandomStreamsNeverCrash) {
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::string hll = from_hex(kHeaderStale);
    size_t n = rng() % 40;
    for (size_t i = 0; i < n; ++i) hll.push_back(static_cast<char>(rng()));
    if (round % 3 == 0) hll += from_hex("7fff");
    Registers max{};
    bool merged = merge_into(max, hll);
    EXPECT_EQ(count(hll).has_value(), merged);
    std::string dense = hll;
    EXPECT_EQ(to_dense(dense), merged);
    for (int j = 0; j < 20; ++j) {
      if (add(hll, "e" + std::to_string(j)) == Change::kCorrupt) break;
    }
  }
}

TEST(HllTest, SelfTestPasses) { EXPECT_EQ(self_test(), std::nullopt); }

}  // namespace
}  // namespace cachet::store::hll
