#include "cachet/json/result.h"

namespace cachet::json {

std::string_view describe(error_kind kind) {
  switch (kind) {
    case error_kind::none:
      return "no error";
    case error_kind::empty_input:
      return "empty input: expected a JSON value";
    case error_kind::unexpected_end:
      return "unexpected end of input";
    case error_kind::unexpected_character:
      return "unexpected character";
    case error_kind::trailing_comma:
      return "trailing comma";
    case error_kind::expected_colon:
      return "expected ':' after object key";
    case error_kind::expected_key:
      return "expected a string key";
    case error_kind::invalid_literal:
      return "invalid literal (expected true, false or null)";
    case error_kind::invalid_number:
      return "invalid number";
    case error_kind::number_out_of_range:
      return "number out of range of a double";
    case error_kind::invalid_escape:
      return "invalid escape sequence";
    case error_kind::lone_surrogate:
      return "lone UTF-16 surrogate in \\u escape";
    case error_kind::control_character:
      return "unescaped control character in string";
    case error_kind::unterminated_string:
      return "unterminated string";
    case error_kind::invalid_utf8:
      return "invalid UTF-8";
    case error_kind::depth_exceeded:
      return "nesting too deep";
    case error_kind::trailing_content:
      return "unexpected content after the JSON value";
    case error_kind::input_too_large:
      return "input too large";
    case error_kind::type_mismatch:
      return "type mismatch";
    case error_kind::out_of_range:
      return "number out of range of the requested type";
    case error_kind::no_such_key:
      return "no such key";
    case error_kind::index_out_of_bounds:
      return "index out of bounds";
    case error_kind::invalid_pointer:
      return "invalid JSON Pointer";
    case error_kind::non_finite_number:
      return "NaN and infinity cannot be represented in JSON";
    case error_kind::invalid_document:
      return "invalid document";
  }
  return "unknown error";
}

std::string to_string(const error& e) {
  if (e.line == 0) return e.message;
  return std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + e.message;
}

}  // namespace cachet::json
