#include "cachet/json/writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

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

}  // namespace
}  // namespace cachet::json
