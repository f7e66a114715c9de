// A mutable JSON value: build in code, convert from a parsed document, edit, serialize.
//
//   auto v = cachet::json::value::object({{"name", "ada"}, {"tags", value::array({1, 2})}});
//   v["age"] = 36;                    // adds a member
//   v["tags"].push_back("x");
//   v.erase("name");
//   std::string text = cachet::json::to_string(v).value();
//
// Objects keep members in insertion order and may hold duplicate keys (as parsed); lookups
// find the first. No operation has undefined behaviour: wrong-type access returns an error or
// nullptr.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "cachet/json/document.h"
#include "cachet/json/result.h"
#include "cachet/json/writer.h"

namespace cachet::json {

class value {
 public:
  using array_type = std::vector<value>;
  using object_type = std::vector<std::pair<std::string, value>>;

  value() = default;  // null
  value(std::nullptr_t) {}
  value(bool b) : v_(b) {}
  template <typename T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) value(T n) {
    if constexpr (std::is_signed_v<T>) {
      v_ = static_cast<int64_t>(n);
    } else if (static_cast<uint64_t>(n) <= uint64_t(INT64_MAX)) {
      v_ = static_cast<int64_t>(n);  // one representation per integer, as the parser does
    } else {
      v_ = static_cast<uint64_t>(n);
    }
  }
  value(double d) : v_(d) {}
  value(std::string s) : v_(std::move(s)) {}
  value(std::string_view s) : v_(std::string(s)) {}
  value(const char* s) : v_(std::string(s)) {}
  value(array_type a) : v_(std::move(a)) {}
  value(object_type o) : v_(std::move(o)) {}

  static value array(std::initializer_list<value> items = {}) { return array_type(items); }
  static value object(std::initializer_list<std::pair<std::string, value>> members = {}) {
    return object_type(members);
  }
  // A deep copy of a parsed value (or the element's error).
  static result<value> from(const element& e);

  value_type type() const;
  bool is_null() const { return type() == value_type::null; }
  bool is_bool() const { return type() == value_type::boolean; }
  bool is_number() const { return type() == value_type::number; }
  bool is_string() const { return type() == value_type::string; }
  bool is_array() const { return type() == value_type::array; }
  bool is_object() const { return type() == value_type::object; }

  // As element::get<T>: bool, int64_t, uint64_t, double, std::string_view (valid until the
  // value changes).
  template <typename T>
  result<T> get() const;
  result<number_type> get_number_type() const;

  // The array or object itself, or nullptr for other types.
  array_type* as_array() { return std::get_if<array_type>(&v_); }
  const array_type* as_array() const { return std::get_if<array_type>(&v_); }
  object_type* as_object() { return std::get_if<object_type>(&v_); }
  const object_type* as_object() const { return std::get_if<object_type>(&v_); }

  // The first member named `key`, or nullptr (also for non-objects).
  value* find(std::string_view key);
  const value* find(std::string_view key) const;
  // The first member named `key`, appended as null if absent. A null value first becomes an
  // empty object; any other non-object value is replaced by an empty object.
  value& operator[](std::string_view key);
  value& operator[](const char* key) { return (*this)[std::string_view(key)]; }
  // Sets `key` (replacing the first match or appending); type_mismatch unless an object.
  status set(std::string_view key, value v);
  // Removes every member named `key`; returns how many were removed.
  size_t erase(std::string_view key);

  // Appends to an array (a null value first becomes an empty array); type_mismatch otherwise.
  status push_back(value v);
  // Removes item `index` of an array.
  status erase(size_t index);
  // Items of an array, members of an object, 0 otherwise.
  size_t size() const;

  // Deep equality; numbers compare by value across int64/uint64/double.
  friend bool operator==(const value& a, const value& b);

 private:
  std::variant<std::nullptr_t, bool, int64_t, uint64_t, double, std::string, array_type,
               object_type>
      v_;
};

// Parses JSON text straight into a value.
result<value> parse_value(std::string_view json, const parse_options& options = {});

// Writes `v` (non_finite_number for NaN/infinity doubles, reported by w.finish()).
void write(writer& w, const value& v);
status serialize(const value& v, buffer& out, write_options options = {});
result<std::string> to_string(const value& v, write_options options = {});

}  // namespace cachet::json
