// Element views over the tape, iteration, and error descriptions.
#include <bit>

#include "cachet/json/document.h"
#include "json/number.h"
#include "json/tape.h"

namespace cachet::json {

using detail::payload_of;
using detail::tag_of;

uint64_t element::word() const { return doc_->tape()[index_]; }
uint64_t element::next_word() const { return doc_->tape()[index_ + 1]; }

result<element> element::check() const {
  if (!ok()) return error_;
  return *this;
}

value_type element::type() const {
  if (!ok()) return value_type::null;
  switch (tag_of(word())) {
    case '{':
      return value_type::object;
    case '[':
      return value_type::array;
    case '"':
      return value_type::string;
    case 't':
    case 'f':
      return value_type::boolean;
    case 'n':
      return value_type::null;
    default:
      return value_type::number;
  }
}

result<number_type> element::get_number_type() const {
  if (!ok()) return error_;
  switch (tag_of(word())) {
    case 'l':
      return number_type::int64;
    case 'u':
      return number_type::uint64;
    case 'd':
      return number_type::floating;
    default:
      return error_kind::type_mismatch;
  }
}

template <>
result<bool> element::get<bool>() const {
  if (!ok()) return error_;
  char t = tag_of(word());
  if (t != 't' && t != 'f') return error_kind::type_mismatch;
  return t == 't';
}

template <>
result<int64_t> element::get<int64_t>() const {
  if (!ok()) return error_;
  switch (tag_of(word())) {
    case 'l':
      return static_cast<int64_t>(next_word());
    case 'u':
      return error_kind::out_of_range;
    case 'd':
      return detail::exact_int64(std::bit_cast<double>(next_word()));
    default:
      return error_kind::type_mismatch;
  }
}

template <>
result<uint64_t> element::get<uint64_t>() const {
  if (!ok()) return error_;
  switch (tag_of(word())) {
    case 'l':
      if (static_cast<int64_t>(next_word()) < 0) return error_kind::out_of_range;
      return next_word();
    case 'u':
      return next_word();
    case 'd':
      return detail::exact_uint64(std::bit_cast<double>(next_word()));
    default:
      return error_kind::type_mismatch;
  }
}

template <>
result<double> element::get<double>() const {
  if (!ok()) return error_;
  switch (tag_of(word())) {
    case 'l':
      return static_cast<double>(static_cast<int64_t>(next_word()));
    case 'u':
      return static_cast<double>(next_word());
    case 'd':
      return std::bit_cast<double>(next_word());
    default:
      return error_kind::type_mismatch;
  }
}

template <>
result<std::string_view> element::get<std::string_view>() const {
  if (!ok()) return error_;
  uint64_t w = word();
  if (tag_of(w) != '"') return error_kind::type_mismatch;
  return detail::string_at(doc_->strings(), payload_of(w) & ~detail::kCleanString);
}

result<std::string_view> element::raw_number() const {
  if (!ok()) return error_;
  if (type() != value_type::number) return error_kind::type_mismatch;
  uint64_t p = payload_of(word());
  if (p == 0)
    return json::error{.kind = error_kind::invalid_document,
                       .message = "number text not kept (parse_options::keep_number_text)"};
  return detail::string_at(doc_->strings(), p - 1);
}

element element::operator[](std::string_view key) const {
  if (!ok()) return *this;
  if (tag_of(word()) != '{') return element(error_kind::type_mismatch);
  for (member m : object()) {
    if (m.key == key) return m.value;
  }
  return element(error_kind::no_such_key);
}

element element::operator[](size_t index) const {
  if (!ok()) return *this;
  if (tag_of(word()) != '[') return element(error_kind::type_mismatch);
  for (element e : array()) {
    if (index-- == 0) return e;
  }
  return element(error_kind::index_out_of_bounds);
}

object_range element::object() const {
  if (!ok() || tag_of(word()) != '{') return {};
  uint32_t end = static_cast<uint32_t>(word()) - 1;
  return {{doc_, index_ + 1}, {doc_, end}};
}

array_range element::array() const {
  if (!ok() || tag_of(word()) != '[') return {};
  uint32_t end = static_cast<uint32_t>(word()) - 1;
  return {{doc_, index_ + 1}, {doc_, end}};
}

size_t element::size() const {
  if (!ok()) return 0;
  char t = tag_of(word());
  if (t != '{' && t != '[') return 0;
  size_t count = payload_of(word()) >> 32;
  if (count < detail::kMaxCount) return count;
  count = 0;  // the tape saturates counts; count the rest by walking
  for (uint32_t i = index_ + 1, end = static_cast<uint32_t>(word()) - 1; i < end;
       i = detail::next_index(doc_->tape(), i)) {
    ++count;
    if (t == '{') i = detail::next_index(doc_->tape(), i);  // skip the key
  }
  return count;
}

template <>
element array_range::iterator::operator*() const {
  return element(doc_, index_);
}

template <>
array_range::iterator& array_range::iterator::operator++() {
  index_ = detail::next_index(doc_->tape(), index_);
  return *this;
}

template <>
member object_range::iterator::operator*() const {
  element key(doc_, index_);
  return {key.get<std::string_view>().value(), element(doc_, index_ + 1)};
}

template <>
object_range::iterator& object_range::iterator::operator++() {
  index_ = detail::next_index(doc_->tape(), index_ + 1);
  return *this;
}

element document::root() const {
  if (tape_size_ == 0) return element();  // carries invalid_document
  return element(this, 0);
}

std::string_view name(simd_kernel kernel) {
  switch (kernel) {
    case simd_kernel::automatic:
      return "automatic";
    case simd_kernel::avx512:
      return "avx512";
    case simd_kernel::avx2:
      return "avx2";
    case simd_kernel::sse42:
      return "sse42";
    case simd_kernel::fallback:
      return "fallback";
  }
  return "unknown";
}

}  // namespace cachet::json
