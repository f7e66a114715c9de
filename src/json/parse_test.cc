#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cachet/json/document.h"
#include "json/stage1.h"

namespace cachet::json {
namespace {

error parse_error(std::string_view text) {
  auto r = parse(text);
  EXPECT_FALSE(r.ok()) << "accepted: " << text;
  return r.ok() ? error{} : r.error();
}

error_kind kind_of(std::string_view text) { return parse_error(text).kind; }

TEST(Parse, Scalars) {
  EXPECT_TRUE(parse("true")->root().get<bool>().value());
  EXPECT_FALSE(parse(" false ")->root().get<bool>().value());
  EXPECT_TRUE(parse("null")->root().is_null());
  EXPECT_EQ(parse("\"hi\"")->root().get<std::string_view>().value(), "hi");
  EXPECT_EQ(parse("-42")->root().get<int64_t>().value(), -42);
  EXPECT_EQ(parse("1.5")->root().get<double>().value(), 1.5);
}

// Each number alone and followed by enough input for stage 2's fast path, on every kernel.
TEST(Parse, IntegersAreExact) {
  const std::string numbers[] = {"9223372036854775807",
                                 "-9223372036854775808",
                                 "18446744073709551615",
                                 "18446744073709551616",
                                 "-9223372036854775809",
                                 "0",
                                 "-0",
                                 "9223372036854775808",
                                 "1234567890123456",
                                 "-123456789012345678"};
  std::string spaced, tight;
  for (const std::string& n : numbers) {
    spaced += (spaced.empty() ? "[" : ",") + n + std::string(40, ' ');
    tight += (tight.empty() ? "[" : ",") + n;
  }
  for (const std::string& text : {spaced + "]", tight + "]"}) {
    for (simd_kernel k : supported_kernels()) {
      SCOPED_TRACE(std::string(name(k)) + " " + text);
      auto doc = parse(text, {.kernel = k});
      ASSERT_TRUE(doc.ok());
      element a = doc->root();
      EXPECT_EQ(a[size_t{0}].get<int64_t>().value(), INT64_MAX);
      EXPECT_EQ(a[size_t{1}].get<int64_t>().value(), INT64_MIN);
      EXPECT_EQ(a[size_t{2}].get<uint64_t>().value(), UINT64_MAX);
      EXPECT_EQ(a[size_t{2}].get_number_type().value(), number_type::uint64);
      EXPECT_EQ(a[size_t{2}].get<int64_t>().kind(), error_kind::out_of_range);
      EXPECT_EQ(a[size_t{3}].get_number_type().value(), number_type::floating);
      EXPECT_EQ(a[size_t{3}].get<double>().value(), 18446744073709551616.0);
      EXPECT_EQ(a[size_t{4}].get<double>().value(), -9223372036854775809.0);
      EXPECT_EQ(a[size_t{5}].get<uint64_t>().value(), 0u);
      EXPECT_EQ(a[size_t{6}].get<int64_t>().value(), 0);
      EXPECT_EQ(a[size_t{1}].get<uint64_t>().kind(), error_kind::out_of_range);
      EXPECT_EQ(a[size_t{7}].get_number_type().value(), number_type::uint64);
      EXPECT_EQ(a[size_t{7}].get<uint64_t>().value(), uint64_t{INT64_MAX} + 1);
      EXPECT_EQ(a[size_t{8}].get<int64_t>().value(), 1234567890123456);
      EXPECT_EQ(a[size_t{9}].get<int64_t>().value(), -123456789012345678);
    }
  }
}

TEST(Parse, Doubles) {
  auto doc = parse(
      "[0.1,1e-400,-1e-400,2.5e+3,1E2,5e-324,1.7976931348623157e308,"
      "123456789012345678901234567890,3.0]");
  ASSERT_TRUE(doc.ok()) << to_string(doc.error());
  element a = doc->root();
  EXPECT_EQ(a[size_t{0}].get<double>().value(), 0.1);
  EXPECT_EQ(a[size_t{1}].get<double>().value(), 0.0);
  EXPECT_TRUE(std::signbit(a[size_t{2}].get<double>().value()));
  EXPECT_EQ(a[size_t{3}].get<double>().value(), 2500.0);
  EXPECT_EQ(a[size_t{4}].get<double>().value(), 100.0);
  EXPECT_EQ(a[size_t{5}].get<double>().value(), 5e-324);
  EXPECT_EQ(a[size_t{6}].get<double>().value(), 1.7976931348623157e308);
  EXPECT_EQ(a[size_t{7}].get<double>().value(), 123456789012345678901234567890.0);
  EXPECT_EQ(a[size_t{8}].get<int64_t>().value(), 3);  // integral doubles convert exactly
  EXPECT_EQ(a[size_t{0}].get<int64_t>().kind(), error_kind::out_of_range);
  EXPECT_EQ(kind_of("1e400"), error_kind::number_out_of_range);
  EXPECT_EQ(kind_of("-1e309"), error_kind::number_out_of_range);
}

TEST(Parse, KeepsNumberText) {
  auto doc = parse("[1.50, 100000000000000000000000]", {.keep_number_text = true});
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->root()[size_t{0}].raw_number().value(), "1.50");
  EXPECT_EQ(doc->root()[size_t{1}].raw_number().value(), "100000000000000000000000");
  EXPECT_FALSE(parse("1")->root().raw_number().ok());
}

TEST(Parse, StringsAreUnescaped) {
  auto doc = parse(R"(["a\"b\\c\/d\b\f\n\r\t", "\u00e9\u4e2d\ud83d\ude00", "\u0000x", "é中😀"])");
  ASSERT_TRUE(doc.ok()) << to_string(doc.error());
  element a = doc->root();
  EXPECT_EQ(a[size_t{0}].get<std::string_view>().value(), "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(a[size_t{1}].get<std::string_view>().value(), "é中😀");
  EXPECT_EQ(a[size_t{2}].get<std::string_view>().value(), std::string_view("\0x", 2));
  EXPECT_EQ(a[size_t{3}].get<std::string_view>().value(), "é中😀");
}

TEST(Parse, LongStringsCrossVectorAndBlockBoundaries) {
  for (size_t n : {15u, 16u, 17u, 63u, 64u, 65u, 200u}) {
    std::string s(n, 'x');
    s[n / 2] = '\\';
    s.insert(n / 2 + 1, "n");
    auto doc = parse("\"" + s + "\"");
    ASSERT_TRUE(doc.ok()) << n;
    std::string want(n, 'x');
    want[n / 2] = '\n';
    EXPECT_EQ(doc->root().get<std::string_view>().value(), want);
  }
}

TEST(Parse, ObjectsAndArrays) {
  auto doc = parse(R"({"a":[1,2,{"b":null}],"c":{},"d":[],"a":"dup"})");
  ASSERT_TRUE(doc.ok());
  element root = doc->root();
  EXPECT_TRUE(root.is_object());
  EXPECT_EQ(root.size(), 4u);
  EXPECT_EQ(root["a"].size(), 3u);
  EXPECT_TRUE(root["a"][size_t{2}]["b"].is_null());
  EXPECT_EQ(root["c"].size(), 0u);
  EXPECT_TRUE(root["d"].is_array());
  std::vector<std::string_view> keys;
  for (member m : root.object()) keys.push_back(m.key);
  EXPECT_EQ(keys, (std::vector<std::string_view>{"a", "c", "d", "a"}));  // duplicates kept
  int64_t sum = 0;
  for (element e : root["a"].array()) sum += e.get<int64_t>().value_or(100);
  EXPECT_EQ(sum, 103);
}

TEST(Parse, LookupErrorsChainWithoutUndefinedBehaviour) {
  auto doc = parse(R"({"a":[1]})");
  element root = doc->root();
  EXPECT_EQ(root["x"]["y"][size_t{3}].get<int64_t>().kind(), error_kind::no_such_key);
  EXPECT_EQ(root["a"][size_t{5}].error(), error_kind::index_out_of_bounds);
  EXPECT_EQ(root["a"]["k"].error(), error_kind::type_mismatch);
  EXPECT_EQ(root[size_t{0}].error(), error_kind::type_mismatch);
  EXPECT_EQ(root["a"].get<std::string_view>().kind(), error_kind::type_mismatch);
  EXPECT_EQ(element().get<bool>().kind(), error_kind::invalid_document);
  EXPECT_FALSE(document().root().ok());
}

TEST(Parse, SizeCountsPastTheSaturatedTapeCount) {
  std::string big = "[";
  for (int i = 0; i < 0x1000010; ++i) big += "1,";
  big.back() = ']';
  auto doc = parse(big);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->root().size(), 0x1000010u);
}

TEST(ParseErrors, EachKind) {
  EXPECT_EQ(kind_of(""), error_kind::empty_input);
  EXPECT_EQ(kind_of(" \n "), error_kind::empty_input);
  EXPECT_EQ(kind_of("[1,2"), error_kind::unexpected_end);
  EXPECT_EQ(kind_of("{\"a\":"), error_kind::unexpected_end);
  EXPECT_EQ(kind_of("[1 2]"), error_kind::unexpected_character);
  EXPECT_EQ(kind_of("[1,]"), error_kind::trailing_comma);
  EXPECT_EQ(kind_of("{\"a\":1,}"), error_kind::trailing_comma);
  EXPECT_EQ(kind_of("{\"a\" 1}"), error_kind::expected_colon);
  EXPECT_EQ(kind_of("{1:1}"), error_kind::expected_key);
  EXPECT_EQ(kind_of("tru"), error_kind::invalid_literal);
  EXPECT_EQ(kind_of("nulll"), error_kind::invalid_literal);
  EXPECT_EQ(kind_of("NaN"), error_kind::invalid_literal);
  EXPECT_EQ(kind_of("[Infinity]"), error_kind::invalid_literal);
  for (const char* bad : {"01", "-", "1.", ".5", "+1", "1e", "1e+", "-01", "1.e5", "2x", "0x10"}) {
    EXPECT_EQ(kind_of(bad), error_kind::invalid_number) << bad;
  }
  EXPECT_EQ(kind_of(R"("\x")"), error_kind::invalid_escape);
  EXPECT_EQ(kind_of(R"("\u12G4")"), error_kind::invalid_escape);
  EXPECT_EQ(kind_of(R"("\u12")"), error_kind::invalid_escape);
  EXPECT_EQ(kind_of(R"("\ud800")"), error_kind::lone_surrogate);
  EXPECT_EQ(kind_of(R"("\udc00")"), error_kind::lone_surrogate);
  EXPECT_EQ(kind_of(R"("\ud800\u0041")"), error_kind::lone_surrogate);
  EXPECT_EQ(kind_of("\"a\tb\""), error_kind::control_character);
  EXPECT_EQ(kind_of("\"abc"), error_kind::unterminated_string);
  EXPECT_EQ(kind_of("\"\xC3\x28\""), error_kind::invalid_utf8);
  EXPECT_EQ(kind_of("\xEF\xBB\xBF{}"), error_kind::unexpected_character);  // a BOM is not JSON
  EXPECT_EQ(kind_of("[1] x"), error_kind::trailing_content);
  EXPECT_EQ(kind_of("{} {}"), error_kind::trailing_content);
  EXPECT_EQ(kind_of("// c\n1"), error_kind::unexpected_character);
  EXPECT_EQ(kind_of("/* c */ 1"), error_kind::unexpected_character);
  EXPECT_EQ(kind_of("'a'"), error_kind::unexpected_character);
}

TEST(ParseErrors, PositionHasOffsetLineAndColumn) {
  error e = parse_error("{\n  \"é\": [1,\n   tru]\n}");
  EXPECT_EQ(e.kind, error_kind::invalid_literal);
  EXPECT_EQ(e.offset, 17u);
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.column, 4u);
  EXPECT_EQ(to_string(e), "3:4: invalid literal (expected true, false or null)");
  error end = parse_error("[\n");
  EXPECT_EQ(end.offset, 2u);
  EXPECT_EQ(end.line, 2u);
  EXPECT_EQ(end.column, 1u);
}

TEST(ParseErrors, StringFaultsPointAtTheirByte) {
  auto offset_of = [](std::string_view json, error_kind kind) {
    error e = parse_error(json);
    EXPECT_EQ(e.kind, kind) << json;
    return e.offset;
  };
  EXPECT_EQ(offset_of(R"(["a", "b)", error_kind::unterminated_string), 6u);
  EXPECT_EQ(offset_of("[\"\\\"\", \"x\ty\"]", error_kind::control_character), 9u);
  EXPECT_EQ(offset_of("\"\\\x01\"", error_kind::control_character), 2u);
  std::string long_open = "[\"" + std::string(70, 'a') + "\\\"]";  // the quote is escaped
  EXPECT_EQ(offset_of(long_open, error_kind::unterminated_string), 1u);
}

TEST(ParseErrors, DepthLimit) {
  std::string deep(1024, '[');
  deep += std::string(1024, ']');
  EXPECT_TRUE(parse(deep).ok());
  std::string deeper(1025, '[');
  deeper += std::string(1025, ']');
  EXPECT_EQ(kind_of(deeper), error_kind::depth_exceeded);
  EXPECT_EQ(parse("[[1]]", {.max_depth = 1}).kind(), error_kind::depth_exceeded);
  std::string hostile(1'000'000, '[');  // no stack growth, a clean error
  EXPECT_EQ(kind_of(hostile), error_kind::depth_exceeded);
}

TEST(ParseErrors, Utf8Validation) {
  const char* valid[] = {"\"\xC2\x80\"",        "\"\xDF\xBF\"",     "\"\xE0\xA0\x80\"",
                         "\"\xED\x9F\xBF\"",    "\"\xEE\x80\x80\"", "\"\xF0\x90\x80\x80\"",
                         "\"\xF4\x8F\xBF\xBF\""};
  for (const char* v : valid) EXPECT_TRUE(parse(v).ok()) << v;
  const char* invalid[] = {"\"\x80\"",
                           "\"\xC0\xAF\"",
                           "\"\xC1\xBF\"",
                           "\"\xE0\x9F\xBF\"",
                           "\"\xED\xA0\x80\"",
                           "\"\xF0\x8F\xBF\xBF\"",
                           "\"\xF4\x90\x80\x80\"",
                           "\"\xF5\x80\x80\x80\"",
                           "\"\xFF\"",
                           "\"\xE2\x82\"",
                           "\"\xC3\"",
                           "\xC3",
                           "\"\xE2\x82\xAC\x80\""};
  for (const char* v : invalid) EXPECT_EQ(kind_of(v), error_kind::invalid_utf8) << v;
}

// Every kernel the CPU supports finds the same structurals and the same errors as the fallback,
// on random mixes of JSON-significant bytes and UTF-8 (valid and not) at every alignment.
TEST(Kernels, AgreeWithFallback) {
  std::mt19937 rng(42);
  const std::vector<std::string> pieces = {"\"",
                                           "\\",
                                           "\\\\",
                                           "{",
                                           "}",
                                           "[",
                                           "]",
                                           ":",
                                           ",",
                                           " ",
                                           "\n",
                                           "\t",
                                           "a",
                                           "1",
                                           "true",
                                           "\xC3\xA9",
                                           "\xE4\xB8\xAD",
                                           "\xF0\x9F\x98\x80",
                                           "\xC3",
                                           "\xED\xA0\x80",
                                           "\x01",
                                           "\x80",
                                           "\xF4\x90\x80\x80",
                                           "\xE0\x80"};
  std::vector<uint32_t> want, got;
  for (int round = 0; round < 3000; ++round) {
    std::string input;
    size_t n = rng() % 300;
    while (input.size() < n) input += pieces[rng() % pieces.size()];
    want.assign(input.size() + detail::kIndexSlack, 0);
    got.assign(input.size() + detail::kIndexSlack, 0);
    auto* buf = reinterpret_cast<const uint8_t*>(input.data());
    detail::stage1_result w = detail::stage1_fallback(buf, input.size(), want.data());
    for (simd_kernel k : supported_kernels()) {
      detail::stage1_result g;
      switch (k) {
        case simd_kernel::avx512:
          g = detail::stage1_avx512(buf, input.size(), got.data());
          break;
        case simd_kernel::avx2:
          g = detail::stage1_avx2(buf, input.size(), got.data());
          break;
        case simd_kernel::sse42:
          g = detail::stage1_sse42(buf, input.size(), got.data());
          break;
        default:
          continue;
      }
      ASSERT_EQ(g.error, w.error) << name(k) << " on " << input;
      ASSERT_EQ(g.error_offset, w.error_offset) << name(k);
      ASSERT_EQ(g.count, w.count) << name(k);
      ASSERT_TRUE(std::equal(want.begin(), want.begin() + w.count, got.begin())) << name(k);
    }
  }
}

TEST(Kernels, ParseResultsAgree) {
  const std::string doc =
      R"({"k":[1,-2.5e3,"x\"y",true,null,{"z":"é中"}],"n":18446744073709551615})";
  for (simd_kernel k : supported_kernels()) {
    auto r = parse(doc, {.kernel = k});
    ASSERT_TRUE(r.ok()) << name(k);
    EXPECT_EQ(r->root()["k"][size_t{5}]["z"].get<std::string_view>().value(), "é中") << name(k);
  }
}

}  // namespace
}  // namespace cachet::json

// The escape scanner of stage 1 (branch-free) against a byte-by-byte reading.
#include "json/stage1_impl.h"

namespace cachet::json::detail {
namespace {

TEST(Stage1, EscapedBytesMatchNaiveScan) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 20000; ++round) {
    uint64_t masks[3];
    for (uint64_t& m : masks)
      m = (rng() & rng()) | (round % 3 == 0 ? ~uint64_t{0} << (rng() % 64) : 0);
    scanner fast;
    bool escaped_next = false;  // naive state
    for (uint64_t backslash : masks) {
      uint64_t want = 0;
      for (int i = 0; i < 64; ++i) {
        bool is_backslash = (backslash >> i) & 1;
        if (escaped_next) {
          want |= uint64_t{1} << i;
          escaped_next = false;
        } else if (is_backslash) {
          escaped_next = true;
        }
      }
      ASSERT_EQ(fast.escaped(backslash), want) << std::hex << backslash;
    }
  }
}

}  // namespace
}  // namespace cachet::json::detail

namespace cachet::json {
namespace {

// Parses the number `text` alone (too near the end of input for stage 2's fast path) and, with
// every kernel (each has its own fast path), followed by enough input for the fast path; expects
// strtod's value (correctly rounded in glibc).
void expect_strtod_value(const std::string& text) {
  double expected = std::strtod(text.c_str(), nullptr);
  auto alone = parse(text);
  ASSERT_TRUE(alone.ok()) << text;
  EXPECT_EQ(alone->root().get<double>().value(), expected) << text;
  std::string padded = "[" + text + std::string(40, ' ') + "]";
  for (simd_kernel k : supported_kernels()) {
    auto doc = parse(padded, {.kernel = k});
    ASSERT_TRUE(doc.ok()) << text << " " << name(k);
    EXPECT_EQ(doc->root()[size_t{0}].get<double>().value(), expected) << text << " " << name(k);
  }
}

// Every digit count and position of the point.
TEST(Parse, NumbersOfEveryLengthMatchStrtod) {
  std::mt19937_64 rng(3);
  for (int round = 0; round < 20000; ++round) {
    std::string digits;
    size_t n = 1 + rng() % 25;
    for (size_t i = 0; i < n; ++i) digits += char('0' + rng() % 10);
    if (digits.size() > 1 && digits[0] == '0') digits[0] = '1';
    size_t point = rng() % (n + 1);
    std::string text = (rng() % 2 ? "-" : "") + digits.substr(0, point == 0 ? n : point);
    if (point != 0 && point < n) text += "." + digits.substr(point);
    if (rng() % 4 == 0) text += "e" + std::to_string(int(rng() % 40) - 20);
    expect_strtod_value(text);
  }
}

// `n` / 10^scale as decimal text, e.g. (65625, 3) -> "65.625".
std::string with_point(uint64_t n, int scale) {
  std::string digits = std::to_string(n);
  if (digits.size() <= size_t(scale)) digits.insert(0, scale + 1 - digits.size(), '0');
  digits.insert(digits.size() - scale, ".");
  return digits;
}

// The decimals where rounding is hardest, written exactly with a point (the fast path's form):
// halfway points between two doubles ((2m + 1) * 2^s, s from -3 to 9) and the decimals one unit
// of the last digit either side of them, and doubles whose decimal is exact (m / 2^s, like
// 65.625).
TEST(Parse, HalfwayAndExactDecimalsMatchStrtod) {
  std::mt19937_64 rng(11);
  std::vector<std::string> texts;
  for (int round = 0; round < 20000; ++round) {
    uint64_t m = (uint64_t{1} << 52) | (rng() & ((uint64_t{1} << 52) - 1));
    int s = 1 + static_cast<int>(rng() % 3);  // (2^54 + 1) * 5^3 still has 19 digits
    uint64_t halfway = (2 * m + 1) * static_cast<uint64_t>(std::pow(5, s));
    for (uint64_t n : {halfway - 1, halfway, halfway + 1}) texts.push_back(with_point(n, s));
    uint64_t whole = (2 * m + 1) << (rng() % 10);  // halfway between two integers past 2^53
    for (uint64_t n : {whole - 1, whole, whole + 1}) texts.push_back(std::to_string(n) + "e0");
    int e = 1 + static_cast<int>(rng() % 18);
    uint64_t small = rng() >> 44;  // 20 bits
    texts.push_back(with_point(small * static_cast<uint64_t>(std::pow(5, e)), e));
  }
  for (const std::string& text : texts) expect_strtod_value(text);
}

// The whole exponent range, ties between two doubles, and the shortest text of random doubles
// (which must round-trip), against strtod.
TEST(Parse, DoublesOfEveryMagnitudeMatchStrtod) {
  std::mt19937_64 rng(7);
  std::vector<std::string> texts = {"9007199254740993e0",
                                    "9007199254740995e0",
                                    "4.9e-324",
                                    "2.2250738585072011e-308",
                                    "2.2250738585072014e-308",
                                    "1.7976931348623157e308",
                                    "1e-342",
                                    "9999999999999999999e-343",
                                    "1e23",
                                    "8.98846567431158e307"};
  for (int round = 0; round < 100000; ++round) {
    uint64_t n = rng() % 10000000000000000000ull;
    texts.push_back(std::to_string(n) + "e" + std::to_string(int(rng() % 700) - 360));
    double d = std::bit_cast<double>(rng() & ~(uint64_t{1} << 63));
    if (!std::isfinite(d)) continue;
    char buf[32];
    texts.emplace_back(buf, std::to_chars(buf, buf + sizeof buf, d).ptr);
  }
  for (const std::string& text : texts) {
    auto doc = parse(text);
    double expected = std::strtod(text.c_str(), nullptr);
    if (std::isinf(expected)) {
      EXPECT_EQ(doc.error().kind, error_kind::number_out_of_range) << text;
      continue;
    }
    ASSERT_TRUE(doc.ok()) << text;
    EXPECT_EQ(doc->root().get<double>().value(), expected) << text;
  }
}

}  // namespace
}  // namespace cachet::json
