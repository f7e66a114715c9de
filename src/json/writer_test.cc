#include "cachet/json/writer.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "json/shortest.h"

namespace cachet::json {
namespace {

std::string compact(std::string_view text) { return to_string(parse(text)->root()).value(); }

TEST(Serialize, CompactRoundTrip) {
  EXPECT_EQ(compact(" { \"a\" : [ 1 , 2.5 , true , null , \"x\" ] , \"b\" : { } , \"c\":[] } "),
            R"({"a":[1,2.5,true,null,"x"],"b":{},"c":[]})");
  EXPECT_EQ(compact("[0.0,-0.0,1e300,1E-7,100.0,18446744073709551615,-5]"),
            "[0.0,-0.0,1e300,1e-7,100.0,18446744073709551615,-5]");
}

TEST(Serialize, EscapesOnlyWhatJsonRequires) {
  EXPECT_EQ(compact(R"(["\u0001\u001f\"\\\/\b\f\n\r\t é\u4e2d"])"),
            "[\"\\u0001\\u001f\\\"\\\\/\\b\\f\\n\\r\\t é中\"]");
  std::string long_text = "\"" + std::string(40, 'a') + "\\n" + std::string(40, 'b') + "\"";
  EXPECT_EQ(compact(long_text), long_text);
}

TEST(Serialize, Pretty) {
  auto doc = parse(R"({"a":[1,{"b":null}],"e":{},"f":[]})");
  EXPECT_EQ(to_string(doc->root(), {.indent = 2}).value(),
            "{\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ],\n  \"e\": {},\n"
            "  \"f\": []\n}");
  EXPECT_EQ(to_string(parse("7")->root(), {.indent = 4}).value(), "7");
}

TEST(Writer, StreamsIntoTheCallersBuffer) {
  buffer out;
  out.append("prefix:");
  writer w(out);
  w.begin_object().key("id").value(7).key("name").value("ada").key("tags").begin_array();
  w.value(1.5).value(true).null().value(uint64_t{18446744073709551615u}).value(int64_t{-3});
  w.end_array().key("doc").value(parse(R"({"x":[1,2]})")->root()).end_object();
  ASSERT_TRUE(w.finish().ok());
  EXPECT_EQ(out.view(),
            R"(prefix:{"id":7,"name":"ada","tags":[1.5,true,null,18446744073709551615,-3],)"
            R"("doc":{"x":[1,2]}})");
}

TEST(Writer, PrettyMatchesDocumentPretty) {
  buffer out;
  writer w(out, {.indent = 2});
  w.begin_object().key("a").begin_array().value(1).begin_object().key("b").null().end_object();
  w.end_array().key("e").begin_object().end_object().end_object();
  ASSERT_TRUE(w.finish().ok());
  EXPECT_EQ(out.view(),
            to_string(parse(R"({"a":[1,{"b":null}],"e":{}})")->root(), {.indent = 2}).value());
}

TEST(Writer, RejectsSequencesThatAreNotOneValue) {
  auto bad = [](auto build) {
    buffer out;
    writer w(out);
    build(w);
    return w.finish().kind();
  };
  EXPECT_EQ(bad([](writer& w) { w.begin_object().value(1); }), error_kind::invalid_document);
  EXPECT_EQ(bad([](writer& w) { w.begin_array().key("k"); }), error_kind::invalid_document);
  EXPECT_EQ(bad([](writer& w) { w.begin_array(); }), error_kind::invalid_document);
  EXPECT_EQ(bad([](writer& w) { w.begin_object().key("k").end_object(); }),
            error_kind::invalid_document);
  EXPECT_EQ(bad([](writer& w) { w.value(1).value(2); }), error_kind::invalid_document);
  EXPECT_EQ(bad([](writer& w) { w.begin_array().end_object(); }), error_kind::invalid_document);
  EXPECT_EQ(bad([](writer&) {}), error_kind::invalid_document);
  EXPECT_EQ(bad([](writer& w) { w.value(std::nan("")); }), error_kind::non_finite_number);
  EXPECT_EQ(bad([](writer& w) {
              w.begin_array().value(std::numeric_limits<double>::infinity()).end_array();
            }),
            error_kind::non_finite_number);
  EXPECT_EQ(bad([](writer& w) { w.value(element()); }), error_kind::invalid_document);
}

TEST(Writer, ShortestRoundTripDoubles) {
  for (double d : {0.1, 1.0 / 3, 5e-324, 1.7976931348623157e308, 2.2250738585072014e-308, 1e21,
                   123456789.0, -0.0}) {
    buffer out;
    writer w(out);
    w.value(d);
    ASSERT_TRUE(w.finish().ok());
    auto back = parse(out.view());
    ASSERT_TRUE(back.ok()) << out.view();
    EXPECT_EQ(back->root().get<double>().value(), d) << out.view();
    EXPECT_EQ(back->root().get_number_type().value(), number_type::floating) << out.view();
  }
}

TEST(Serialize, ArraysOfDoubles) {  // written in pairs, with any odd one alone
  EXPECT_EQ(compact("[0.1,0.2,0.3]"), "[0.1,0.2,0.3]");
  EXPECT_EQ(compact(R"([[1.5,-2.25],[1e22,5e-324,1e21,-0.0],{"x":0.5,"y":1.5},[2.5,"s",3.5]])"),
            R"([[1.5,-2.25],[1e22,5e-324,1e21,-0.0],{"x":0.5,"y":1.5},[2.5,"s",3.5]])");
}

std::string shortest(double d) {
  char text[detail::kDoubleScratch];
  return {text, detail::write_double(text, d)};
}

std::string by_to_chars(double d) {
  char text[detail::kDoubleScratch];
  return {text, detail::write_double_by_to_chars(text, d)};
}

// The doubles the formatter treats differently: random bit patterns (every exponent), short
// decimals at many scales, integers, powers of two and their neighbours (the narrower interval
// below a power of two), subnormals, the extremes, integers past 2^53 printed in full.
std::vector<double> awkward_doubles() {
  std::vector<double> v = {0.0,
                           1.0,
                           10.0,
                           100.0,
                           1e5,
                           1e15,
                           1e16,
                           1e17,
                           1e21,
                           1e22,
                           1e23,
                           5e-324,
                           1e-323,
                           2.2250738585072014e-308,
                           1.7976931348623157e308,
                           0.1,
                           0.001,
                           1e-4,
                           1e-5,
                           9007199254740993.0,
                           18014398509481988.0,
                           123456789012345680000.0};
  std::mt19937_64 rng(20261121);
  for (int i = 0; i < 100000; ++i) {
    v.push_back(std::bit_cast<double>(rng()));
    v.push_back(static_cast<double>(rng() % 100000000) * std::pow(10.0, int(rng() % 60) - 30));
    v.push_back(static_cast<double>(rng() >> (rng() % 64)));
  }
  for (int e = -1074; e <= 1023; ++e) {
    double p = std::ldexp(1.0, e);
    v.insert(v.end(), {p, std::nextafter(p, 0.0), std::nextafter(p, HUGE_VAL)});
  }
  return v;
}

TEST(ShortestDouble, MatchesToCharsRespelled) {
  for (double d : awkward_doubles()) {
    if (!std::isfinite(d)) continue;
    ASSERT_EQ(shortest(d), by_to_chars(d)) << std::hexfloat << d;
    ASSERT_EQ(shortest(-d), by_to_chars(-d)) << std::hexfloat << -d;
  }
}

TEST(ShortestDouble, PairsAreTwoNumbersAndAComma) {
  std::vector<double> v = awkward_doubles();
  v.resize(20000);
  std::erase_if(v, [](double d) { return !std::isfinite(d); });
  for (size_t i = 0; i + 1 < v.size(); ++i) {
    char text[2 * detail::kDoubleScratch];
    std::string pair(text, detail::write_double_pair(text, v[i], -v[i + 1]));
    ASSERT_EQ(pair, shortest(v[i]) + "," + shortest(-v[i + 1]));
  }
}

}  // namespace
}  // namespace cachet::json
