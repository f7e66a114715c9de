#include <gtest/gtest.h>

#include <cmath>

#include "cachet/json/json.h"

namespace cachet::json {
namespace {

std::string text(const value& v) { return to_string(v).value(); }

TEST(Value, BuildEditSerialize) {
  value v = value::object({{"name", "ada"}, {"tags", value::array({1, 2})}});
  v["age"] = 36;
  ASSERT_TRUE(v["tags"].push_back("x").ok());
  v["nested"]["deep"] = value::array();
  EXPECT_EQ(text(v), R"({"name":"ada","tags":[1,2,"x"],"age":36,"nested":{"deep":[]}})");
  EXPECT_EQ(v.erase("name"), 1u);
  EXPECT_TRUE(v["tags"].erase(size_t{0}).ok());
  EXPECT_EQ(v["tags"].erase(size_t{9}).kind(), error_kind::index_out_of_bounds);
  EXPECT_EQ(text(v), R"({"tags":[2,"x"],"age":36,"nested":{"deep":[]}})");
  EXPECT_EQ(
      to_string(v, {.indent = 1}).value(),
      "{\n \"tags\": [\n  2,\n  \"x\"\n ],\n \"age\": 36,\n \"nested\": {\n  \"deep\": []\n }\n}");
}

TEST(Value, TypedAccessNeverUndefined) {
  value s = "str";
  EXPECT_EQ(s.get<int64_t>().kind(), error_kind::type_mismatch);
  EXPECT_EQ(s.push_back(1).kind(), error_kind::type_mismatch);
  EXPECT_EQ(s.set("k", 1).kind(), error_kind::type_mismatch);
  EXPECT_EQ(s.find("k"), nullptr);
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(value(uint64_t{18446744073709551615u}).get<int64_t>().kind(), error_kind::out_of_range);
  EXPECT_EQ(value(-1).get<uint64_t>().kind(), error_kind::out_of_range);
  EXPECT_EQ(value(2.0).get<uint64_t>().value(), 2u);
  EXPECT_EQ(value(7u).get_number_type().value(), number_type::int64);
  value n;
  ASSERT_TRUE(n.push_back(true).ok());  // null becomes an array
  EXPECT_TRUE(n.is_array());
}

TEST(Value, FromDocumentAndEquality) {
  const char* json = R"({"a":[1,-2,18446744073709551615,2.5,"s",true,null,{}],"a":0})";
  value v = parse_value(json).value();
  EXPECT_EQ(text(v), json);  // duplicates and order kept
  EXPECT_EQ(v.find("a")->size(), 8u);
  EXPECT_EQ(value(1), value(1.0));
  EXPECT_EQ(value(uint64_t{5}), value(int64_t{5}));
  EXPECT_NE(value(1), value("1"));
  EXPECT_NE(value(-1), value(uint64_t{18446744073709551615u}));
  EXPECT_EQ(parse_value("[1,2").kind(), error_kind::unexpected_end);
  EXPECT_EQ(value::from(element()).kind(), error_kind::invalid_document);
}

TEST(Value, NonFiniteIsAnError) {
  EXPECT_EQ(to_string(value::array({std::nan("")})).kind(), error_kind::non_finite_number);
}

TEST(Pointer, GetOnDocuments) {
  auto doc = parse(R"({"a":{"b":[10,20,{"c/d":1,"e~f":2,"":3}]},"0":"zero"})");
  element root = doc->root();
  EXPECT_EQ(at_pointer(root, "/a/b/1")->get<int64_t>().value(), 20);
  EXPECT_EQ(at_pointer(root, "/a/b/2/c~1d")->get<int64_t>().value(), 1);
  EXPECT_EQ(at_pointer(root, "/a/b/2/e~0f")->get<int64_t>().value(), 2);
  EXPECT_EQ(at_pointer(root, "/a/b/2/")->get<int64_t>().value(), 3);
  EXPECT_EQ(at_pointer(root, "/0")->get<std::string_view>().value(), "zero");
  EXPECT_TRUE(at_pointer(root, "")->is_object());
  EXPECT_EQ(at_pointer(root, "a").kind(), error_kind::invalid_pointer);
  EXPECT_EQ(at_pointer(root, "/a~2").kind(), error_kind::invalid_pointer);
  EXPECT_EQ(at_pointer(root, "/a/b/01").kind(), error_kind::invalid_pointer);
  EXPECT_EQ(at_pointer(root, "/a/b/x").kind(), error_kind::invalid_pointer);
  EXPECT_EQ(at_pointer(root, "/a/b/3").kind(), error_kind::index_out_of_bounds);
  EXPECT_EQ(at_pointer(root, "/a/zz").kind(), error_kind::no_such_key);
  EXPECT_EQ(at_pointer(root, "/0/x").kind(), error_kind::type_mismatch);
}

TEST(Pointer, SetAndRemoveOnValues) {
  value v = parse_value(R"({"a":[1,2],"b":{}})").value();
  EXPECT_TRUE(set_pointer(v, "/a/0", 9).ok());
  EXPECT_TRUE(set_pointer(v, "/a/-", 3).ok());
  EXPECT_TRUE(set_pointer(v, "/a/3", 4).ok());  // index == size appends
  EXPECT_EQ(set_pointer(v, "/a/9", 4).kind(), error_kind::index_out_of_bounds);
  EXPECT_TRUE(set_pointer(v, "/b/new~1key", "x").ok());
  EXPECT_EQ(set_pointer(v, "/missing/k", 1).kind(), error_kind::no_such_key);
  EXPECT_EQ(text(v), R"({"a":[9,2,3,4],"b":{"new/key":"x"}})");
  EXPECT_EQ((*at_pointer(v, "/a/1").value()).get<int64_t>().value(), 2);
  EXPECT_TRUE(remove_pointer(v, "/a/0").ok());
  EXPECT_TRUE(remove_pointer(v, "/b/new~1key").ok());
  EXPECT_EQ(remove_pointer(v, "/b/new~1key").kind(), error_kind::no_such_key);
  EXPECT_EQ(remove_pointer(v, "").kind(), error_kind::invalid_pointer);
  EXPECT_EQ(text(v), R"({"a":[2,3,4],"b":{}})");
  EXPECT_TRUE(set_pointer(v, "", 1).ok());
  EXPECT_EQ(text(v), "1");
}

struct item {
  std::string name;
  double price = 0;
  std::optional<int32_t> stock;
};
CACHET_JSON_FIELDS(item, name, price, stock)

struct order {
  int64_t id = 0;
  bool paid = false;
  std::vector<item> items;
  std::map<std::string, std::string> meta;
  std::optional<item> gift;
  value extra;
};
CACHET_JSON_FIELDS(order, id, paid, items, meta, gift, extra)

TEST(Mapping, RoundTrip) {
  order o{.id = 42,
          .paid = true,
          .items = {{"pen", 1.5, 3}, {"ink", 20, std::nullopt}},
          .meta = {{"k", "v"}},
          .gift = std::nullopt,
          .extra = value::array({1, "x"})};
  std::string json = to_json(o).value();
  EXPECT_EQ(json, R"({"id":42,"paid":true,"items":[{"name":"pen","price":1.5,"stock":3},)"
                  R"({"name":"ink","price":20.0}],"meta":{"k":"v"},"extra":[1,"x"]})");
  order back = from_json<order>(json).value();
  EXPECT_EQ(back.id, 42);
  ASSERT_EQ(back.items.size(), 2u);
  EXPECT_EQ(back.items[0].stock, 3);
  EXPECT_FALSE(back.items[1].stock.has_value());
  EXPECT_EQ(back.meta.at("k"), "v");
  EXPECT_EQ(back.extra, o.extra);
  EXPECT_EQ(to_json(back).value(), json);
}

TEST(Mapping, ErrorsNameThePath) {
  auto bad = [](std::string_view json) { return from_json<order>(json).error().message; };
  EXPECT_EQ(bad(R"({"id":1,"paid":true,"items":[{"name":"a","price":1},{"name":"b","price":1},)"
                R"({"name":"c","price":1},{"name":"d","price":"x"}],"meta":{}})"),
            "/items/3/price: expected number");
  EXPECT_EQ(bad(R"({"id":1,"paid":true,"items":[],"meta":{"a/b":1}})"),
            "/meta/a~1b: expected string");
  EXPECT_EQ(bad(R"({"id":1,"items":[],"meta":{}})"), "/paid: missing member");
  EXPECT_EQ(bad(R"({"id":1.5,"paid":true,"items":[],"meta":{}})"), "/id: integer out of range");
  EXPECT_EQ(bad(R"({"id":1,"paid":true,"items":[{"name":"a","price":1,"stock":3000000000}],)"
                R"("meta":{}})"),
            "/items/0/stock: integer out of range");
  EXPECT_EQ(bad("[]"), "(root): expected object");
  EXPECT_EQ(from_json<order>("{").kind(), error_kind::unexpected_end);
  EXPECT_EQ(from_json<order>(R"({"paid":true,"items":[],"meta":{}})").kind(),
            error_kind::no_such_key);
}

}  // namespace
}  // namespace cachet::json
