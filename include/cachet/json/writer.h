// Serializing JSON: compact or pretty, from a parsed document, a mutable value (value.h) or a
// streaming writer that appends straight into a caller's buffer.
//
//   cachet::json::buffer out;
//   cachet::json::writer w(out);
//   w.begin_object().key("id").value(7).key("tags").begin_array().value("a").end_array()
//    .end_object();
//   if (auto st = w.finish(); !st) ...;   // out.view() == R"({"id":7,"tags":["a"]})"
//
// Strings are written as UTF-8 with only '"', '\\' and control characters escaped; doubles as the
// shortest text that parses back to the same double (always with a '.' or an exponent, so they
// read back as doubles); NaN and infinity are errors (non_finite_number).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "cachet/json/document.h"
#include "cachet/json/result.h"

namespace cachet::json {

// A growable byte buffer (no zero-filling on growth); reusing one avoids allocation.
class buffer {
 public:
  buffer() = default;
  buffer(buffer&&) noexcept = default;
  buffer& operator=(buffer&&) noexcept = default;

  std::string_view view() const { return {data_.get(), size_}; }
  std::string str() const { return std::string(view()); }
  size_t size() const { return size_; }
  void clear() { size_ = 0; }

  // Room for `n` more bytes: write them at the returned pointer, then commit() how many.
  char* prepare(size_t n) {
    if (capacity_ - size_ < n) grow(n);
    return data_.get() + size_;
  }
  void commit(size_t n) { size_ += n; }
  // Bytes that can be written at prepare()'s pointer without growing.
  size_t spare() const { return capacity_ - size_; }
  void append(std::string_view s);
  // Drops bytes from the end.
  void truncate(size_t size) { size_ = size < size_ ? size : size_; }

 private:
  void grow(size_t n);
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

struct write_options {
  // 0 writes compact JSON; N > 0 puts each member and item on its own line, indented N spaces
  // per level, with ": " after keys.
  int indent = 0;
};

// Streaming writer. Calls must form exactly one JSON value (key() only directly inside an
// object, before each member's value); a violation, or a non-finite double, makes finish()
// return the error, and later calls are ignored.
class writer {
 public:
  explicit writer(buffer& out, write_options options = {});

  writer& begin_object();
  writer& end_object();
  writer& begin_array();
  writer& end_array();
  writer& key(std::string_view k);
  writer& value(std::string_view s);
  writer& value(const char* s) { return value(std::string_view(s)); }
  writer& value(bool b);
  writer& value(double d);
  writer& value(std::nullptr_t) { return null(); }
  template <typename T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) writer& value(T n) {
    if constexpr (std::is_signed_v<T>)
      return integer(static_cast<int64_t>(n));
    else
      return unsigned_integer(static_cast<uint64_t>(n));
  }
  writer& null();
  // Writes a parsed value (with everything inside it).
  writer& value(const element& e);
  // Writes `json`, which the caller guarantees is one valid JSON value, verbatim.
  writer& raw(std::string_view json);

  // Ok when exactly one complete value was written without errors.
  status finish() const;

 private:
  struct frame {
    bool object;
    bool expect_key;  // object: the next call must be key() or end_object()
    uint32_t count;
  };
  bool begin_value();  // separator and indentation before a value; false on a state error
  template <typename Emit>
  writer& scalar(Emit emit);  // begin_value(), emit(), and note a finished top-level value
  writer& integer(int64_t n);
  writer& unsigned_integer(uint64_t n);
  writer& open(char c, bool object);
  writer& close(char c, bool object);
  void newline(size_t depth);
  void fail(error_kind kind);

  buffer& out_;
  write_options options_;
  std::vector<frame> stack_;
  bool done_ = false;
  error_kind error_ = error_kind::none;
};

// Serializes a parsed value (a whole document: doc.root()). Fails only for error elements.
status serialize(const element& e, buffer& out, write_options options = {});
result<std::string> to_string(const element& e, write_options options = {});

}  // namespace cachet::json
