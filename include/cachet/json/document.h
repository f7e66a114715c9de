// Parsing JSON text into a document, and reading it through cheap element views.
//
//   auto doc = cachet::json::parse(R"({"user":{"name":"ada","age":36}})");
//   if (!doc) { report(doc.error()); return; }
//   auto name = doc->root()["user"]["name"].get<std::string_view>();   // result<string_view>
//
// Strict RFC 8259: any value at top level; invalid UTF-8, control characters in strings, lone
// surrogates, leading zeros, trailing commas, comments, NaN/Infinity, a byte order mark and
// trailing content are errors. Duplicate object keys are kept, in document order; lookup by key
// finds the first. Integers that fit int64_t (or else uint64_t) are exact, every other number is
// the nearest double.
//
// A document owns all its memory (a tape of 64-bit words plus a buffer of unescaped strings); it
// does not refer to the input after parse() returns. Elements are (document, index) pairs: valid
// while the document lives and is not re-parsed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

#include "cachet/json/result.h"

namespace cachet::json {

// The stage-1 scanner implementations. `automatic` picks the fastest the CPU supports.
enum class simd_kernel : uint8_t { automatic, avx512, avx2, sse42, fallback };

std::string_view name(simd_kernel kernel);
// The kernels this CPU can run, fastest first (always ends with `fallback`).
std::span<const simd_kernel> supported_kernels();

struct parse_options {
  // Arrays/objects nested deeper than this are an error (depth_exceeded), so hostile input
  // cannot exhaust memory or stack in callers that recurse over the result.
  uint32_t max_depth = 1024;
  // Keep each number's original text, available through element::raw_number().
  bool keep_number_text = false;
  simd_kernel kernel = simd_kernel::automatic;
};

enum class value_type : uint8_t { null, boolean, number, string, array, object };
// How a number is stored: exact integers as int64 (or uint64 above INT64_MAX), others as double.
enum class number_type : uint8_t { int64, uint64, floating };

class document;
struct member;
template <bool Members>
class tape_range;
using array_range = tape_range<false>;
using object_range = tape_range<true>;

// A read-only view of one value inside a document. An element can also carry an error (from
// a failed lookup such as obj["missing"] or arr[99]); every accessor of such an element returns
// that error, so lookups chain without checks in between:
//   doc.root()["a"][3]["b"].get<double>()
class element {
 public:
  element() : error_(error_kind::invalid_document) {}

  bool ok() const { return error_ == error_kind::none; }
  // The error this element carries, or none.
  error_kind error() const { return error_; }
  // The element itself, or its error.
  result<element> check() const;

  value_type type() const;  // null for an element that carries an error
  bool is_null() const { return ok() && type() == value_type::null; }
  bool is_bool() const { return ok() && type() == value_type::boolean; }
  bool is_number() const { return ok() && type() == value_type::number; }
  bool is_string() const { return ok() && type() == value_type::string; }
  bool is_array() const { return ok() && type() == value_type::array; }
  bool is_object() const { return ok() && type() == value_type::object; }
  // For numbers: how the value is stored.
  result<number_type> get_number_type() const;

  // T is one of bool, int64_t, uint64_t, double, std::string_view (the unescaped string; it
  // lives as long as the document). Numbers convert when the value fits exactly (3.0 as int64_t,
  // 7 as uint64_t, any number as double); otherwise type_mismatch or out_of_range.
  template <typename T>
  result<T> get() const;

  // The original text of a number; requires parse_options::keep_number_text.
  result<std::string_view> raw_number() const;

  // Object member lookup (first match) and array indexing; errors become an error element.
  element operator[](std::string_view key) const;
  element operator[](size_t index) const;
  element operator[](const char* key) const { return (*this)[std::string_view(key)]; }
  element operator[](int index) const = delete;  // ambiguous with a key: use size_t

  // Members or items in document order; an empty range for other types.
  object_range object() const;
  array_range array() const;
  // Number of members or items; 0 for scalars.
  size_t size() const;

  // Implementation detail used by the library's own code (serialization, iteration).
  const document* doc() const { return doc_; }
  uint32_t tape_index() const { return index_; }
  element(const document* doc, uint32_t index) : doc_(doc), index_(index) {}

 private:
  explicit element(error_kind e) : error_(e) {}
  uint64_t word() const;
  uint64_t next_word() const;

  const document* doc_ = nullptr;
  uint32_t index_ = 0;
  error_kind error_ = error_kind::none;
};

struct member {
  std::string_view key;
  element value;
};

// Iteration in document order over an array's items (Members = false, yielding element) or an
// object's members (Members = true, yielding member: key and value, duplicates included).
template <bool Members>
class tape_range {
 public:
  class iterator {
   public:
    using value_type = std::conditional_t<Members, member, element>;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    iterator(const document* doc, uint32_t index) : doc_(doc), index_(index) {}
    value_type operator*() const;
    iterator& operator++();
    iterator operator++(int) {
      iterator old = *this;
      ++*this;
      return old;
    }
    bool operator==(const iterator& other) const { return index_ == other.index_; }

   private:
    const document* doc_ = nullptr;
    uint32_t index_ = 0;
  };
  tape_range() = default;
  tape_range(iterator begin, iterator end) : begin_(begin), end_(end) {}
  iterator begin() const { return begin_; }
  iterator end() const { return end_; }

 private:
  iterator begin_, end_;
};

// Defined in the library for both instantiations.
template <>
element array_range::iterator::operator*() const;
template <>
array_range::iterator& array_range::iterator::operator++();
template <>
member object_range::iterator::operator*() const;
template <>
object_range::iterator& object_range::iterator::operator++();

// A parsed JSON text. Move-only; re-parsing into an existing document reuses its buffers.
class document {
 public:
  document();
  ~document();
  document(document&&) noexcept;
  document& operator=(document&&) noexcept;

  // Parses `json` into this document, replacing what it held (also on error, when the document
  // becomes empty). Reuses the buffers of earlier parses.
  status parse(std::string_view json, const parse_options& options = {});

  // The top-level value; an error element when the document is empty.
  element root() const;

  // Tape access for the library's own code.
  const uint64_t* tape() const { return tape_.get(); }
  const char* strings() const { return strings_.get(); }

 private:
  friend class parser;
  std::unique_ptr<uint64_t[]> tape_;
  std::unique_ptr<char[]> strings_;
  std::unique_ptr<uint32_t[]> indexes_;
  std::unique_ptr<uint64_t[]> frames_;  // the parser's stack of open containers
  size_t tape_capacity_ = 0;
  size_t frames_capacity_ = 0;
  size_t strings_capacity_ = 0;
  size_t indexes_capacity_ = 0;
  size_t tape_size_ = 0;
};

// Parses `json` into a new document.
result<document> parse(std::string_view json, const parse_options& options = {});

}  // namespace cachet::json
