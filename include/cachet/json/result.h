// cachet::json errors and result<T>: every fallible operation returns a value or an error, never
// throws and never has undefined behaviour on bad input.
//
// The public API of cachet::json follows the standard library's naming (snake_case types), since
// it is the part of cachet other projects include.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace cachet::json {

enum class error_kind : uint8_t {
  none,
  // Parsing.
  empty_input,           // nothing but whitespace
  unexpected_end,        // the document stops in the middle of a value
  unexpected_character,  // a byte that cannot start or continue what is expected here
  trailing_comma,        // `[1,]`, `{"a":1,}`
  expected_colon,        // an object key not followed by ':'
  expected_key,          // an object member that does not start with a string
  invalid_literal,       // `tru`, `nul`, `NaN`, `Infinity`
  invalid_number,        // leading zeros, `1.`, `.5`, `-`, `1e`, `+1`
  number_out_of_range,   // a number whose magnitude does not fit a double (`1e400`)
  invalid_escape,        // `\x`, `\u12G4`
  lone_surrogate,        // a \uD800-\uDFFF escape that is not part of a valid pair
  control_character,     // an unescaped byte below 0x20 inside a string
  unterminated_string,   // end of input inside a string
  invalid_utf8,          // a byte sequence that is not well-formed UTF-8
  depth_exceeded,        // more nested arrays/objects than parse_options::max_depth
  trailing_content,      // anything but whitespace after the top-level value
  input_too_large,       // over 4 GiB - 64 bytes
  // Access to parsed or built values.
  type_mismatch,  // get<int64_t>() on a string, obj["k"] on an array, ...
  out_of_range,   // a number that does not fit the requested C++ type
  no_such_key,    // obj["missing"]
  index_out_of_bounds,
  invalid_pointer,  // a JSON Pointer that is not RFC 6901 syntax
  // Serialization.
  non_finite_number,  // NaN or infinity cannot be written as JSON
  invalid_document,   // a writer call sequence that does not form one JSON value
};

// A short, stable description of the kind ("invalid number", ...).
std::string_view describe(error_kind kind);

// What went wrong and where. `offset` is the byte offset in the input, `line` and `column` are
// 1-based (the column counts UTF-8 characters); all three are 0 for errors not tied to input text.
// `message` may add detail (the JSON path for struct mapping errors); it is never empty for an
// error.
struct error {
  error_kind kind = error_kind::none;
  size_t offset = 0;
  size_t line = 0;
  size_t column = 0;
  std::string message;
};

// "LINE:COLUMN: message" for input errors, "message" otherwise.
std::string to_string(const error& e);

// A value or an error, in the manner of C++23 std::expected. Accessing value() of an error result
// (or error() of a value) is a contract violation checked by assert in debug builds.
template <typename T>
class [[nodiscard]] result {
 public:
  result(T v) : state_(std::in_place_index<0>, std::move(v)) {}            // NOLINT(implicit)
  result(json::error e) : state_(std::in_place_index<1>, std::move(e)) {}  // NOLINT(implicit)
  result(error_kind k) : result(json::error{.kind = k, .message = std::string(describe(k))}) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return *std::get_if<0>(&state_); }
  const T& value() const& { return *std::get_if<0>(&state_); }
  T&& value() && { return std::move(*std::get_if<0>(&state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const json::error& error() const { return *std::get_if<1>(&state_); }
  error_kind kind() const { return ok() ? error_kind::none : error().kind; }
  T value_or(T fallback) const { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, json::error> state_;
};

// Success or an error, for operations without a value.
class [[nodiscard]] status {
 public:
  status() = default;
  status(json::error e) : error_(std::move(e)) {}  // NOLINT(implicit)
  status(error_kind k) : error_{.kind = k, .message = std::string(describe(k))} {}
  bool ok() const { return error_.kind == error_kind::none; }
  explicit operator bool() const { return ok(); }
  const json::error& error() const { return error_; }
  error_kind kind() const { return error_.kind; }

 private:
  json::error error_;
};

}  // namespace cachet::json
