// Struct mapping: list a type's fields once and get to_json / from_json.
//
//   struct item { std::string name; double price; std::optional<int> stock; };
//   struct order { int64_t id; std::vector<item> items; std::map<std::string, std::string> meta; };
//   CACHET_JSON_FIELDS(item, name, price, stock)
//   CACHET_JSON_FIELDS(order, id, items, meta)
//
//   std::string text = cachet::json::to_json(o).value();
//   auto back = cachet::json::from_json<order>(text);
//   // on error: back.error().message == "/items/3/price: expected number"
//
// CACHET_JSON_FIELDS goes in the namespace of the type (it is found by argument-dependent
// lookup). Supported field types: bool, integers (range-checked), float/double, std::string,
// cachet::json::value, std::vector<T>, std::optional<T> (absent or null reads as empty; empty is
// omitted on output), std::map<std::string, T>, and other mapped structs. Unknown members are
// ignored; a missing non-optional member is an error (no_such_key).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "cachet/json/document.h"
#include "cachet/json/result.h"
#include "cachet/json/value.h"
#include "cachet/json/writer.h"

namespace cachet::json {

// One mapped field: its JSON name and member pointer.
template <typename T, typename M>
struct field {
  std::string_view name;
  M T::*member;
};
template <typename T, typename M>
field(std::string_view, M T::*) -> field<T, M>;

#define CACHET_JSON_PARENS ()
#define CACHET_JSON_EXPAND(...) \
  CACHET_JSON_EXPAND3(CACHET_JSON_EXPAND3(CACHET_JSON_EXPAND3(CACHET_JSON_EXPAND3(__VA_ARGS__))))
#define CACHET_JSON_EXPAND3(...) \
  CACHET_JSON_EXPAND2(CACHET_JSON_EXPAND2(CACHET_JSON_EXPAND2(CACHET_JSON_EXPAND2(__VA_ARGS__))))
#define CACHET_JSON_EXPAND2(...) \
  CACHET_JSON_EXPAND1(CACHET_JSON_EXPAND1(CACHET_JSON_EXPAND1(CACHET_JSON_EXPAND1(__VA_ARGS__))))
#define CACHET_JSON_EXPAND1(...) __VA_ARGS__
#define CACHET_JSON_FIELD_LIST(T, first, ...) \
  ::cachet::json::field{                      \
      #first, &T::first} __VA_OPT__(, CACHET_JSON_FIELD_AGAIN CACHET_JSON_PARENS(T, __VA_ARGS__))
#define CACHET_JSON_FIELD_AGAIN() CACHET_JSON_FIELD_LIST

// Declares the JSON fields of struct `T` (up to 64 fields), in output order.
#define CACHET_JSON_FIELDS(T, ...)                                                      \
  [[maybe_unused]] inline auto cachet_json_fields(const T*) {                           \
    return std::make_tuple(CACHET_JSON_EXPAND(CACHET_JSON_FIELD_LIST(T, __VA_ARGS__))); \
  }

template <typename T>
concept mapped = requires(const T* p) {
  cachet_json_fields(p);
};

namespace detail {

template <typename T>
struct is_optional : std::false_type {};
template <typename T>
struct is_optional<std::optional<T>> : std::true_type {};

// A mapping failure: what was expected, and the path to it (built while unwinding).
struct mapping_failure {
  error_kind kind = error_kind::none;
  std::string_view what;
  std::string path;
};

inline bool fail(mapping_failure& f, error_kind kind, std::string_view what) {
  f.kind = kind;
  f.what = what;
  return false;
}

// Prepends "/token" (escaped as RFC 6901) to the failure's path; returns false.
inline bool in(mapping_failure& f, std::string_view token) {
  std::string escaped = "/";
  for (char c : token) {
    if (c == '~')
      escaped += "~0";
    else if (c == '/')
      escaped += "~1";
    else
      escaped += c;
  }
  f.path.insert(0, escaped);
  return false;
}

template <typename T>
bool read(const element& e, T& out, mapping_failure& f);

template <typename T>
bool read_number(const element& e, T& out, mapping_failure& f) {
  if constexpr (std::is_floating_point_v<T>) {
    result<double> d = e.get<double>();
    if (!d) return fail(f, error_kind::type_mismatch, "expected number");
    out = static_cast<T>(*d);
  } else if constexpr (std::is_signed_v<T>) {
    result<int64_t> n = e.get<int64_t>();
    if (!n)
      return fail(
          f, n.kind(),
          n.kind() == error_kind::type_mismatch ? "expected integer" : "integer out of range");
    if (*n < std::numeric_limits<T>::min() || *n > std::numeric_limits<T>::max()) {
      return fail(f, error_kind::out_of_range, "integer out of range");
    }
    out = static_cast<T>(*n);
  } else {
    result<uint64_t> n = e.get<uint64_t>();
    if (!n)
      return fail(
          f, n.kind(),
          n.kind() == error_kind::type_mismatch ? "expected integer" : "integer out of range");
    if (*n > std::numeric_limits<T>::max())
      return fail(f, error_kind::out_of_range, "integer out of range");
    out = static_cast<T>(*n);
  }
  return true;
}

template <typename T>
bool read_struct(const element& e, T& out, mapping_failure& f) {
  if (!e.is_object()) return fail(f, error_kind::type_mismatch, "expected object");
  return std::apply(
      [&](const auto&... fs) {
        auto one = [&](const auto& fd) {
          using M = std::remove_reference_t<decltype(out.*(fd.member))>;
          element member = e[fd.name];
          if (!member.ok() || (is_optional<M>::value && member.is_null())) {
            if constexpr (is_optional<M>::value) {
              (out.*(fd.member)).reset();
              return true;
            }
            return fail(f, error_kind::no_such_key, "missing member") || in(f, fd.name);
          }
          return read(member, out.*(fd.member), f) || in(f, fd.name);
        };
        return (one(fs) && ...);
      },
      cachet_json_fields(static_cast<const T*>(nullptr)));
}

template <typename T>
bool read(const element& e, T& out, mapping_failure& f) {
  if constexpr (std::is_same_v<T, bool>) {
    result<bool> b = e.get<bool>();
    if (!b) return fail(f, error_kind::type_mismatch, "expected boolean");
    out = *b;
    return true;
  } else if constexpr (std::is_arithmetic_v<T>) {
    return read_number(e, out, f);
  } else if constexpr (std::is_same_v<T, std::string>) {
    result<std::string_view> s = e.get<std::string_view>();
    if (!s) return fail(f, error_kind::type_mismatch, "expected string");
    out.assign(s->data(), s->size());
    return true;
  } else if constexpr (std::is_same_v<T, value>) {
    out = value::from(e).value();
    return true;
  } else if constexpr (is_optional<T>::value) {
    if (e.is_null()) {
      out.reset();
      return true;
    }
    return read(e, out.emplace(), f);
  } else if constexpr (mapped<T>) {
    return read_struct(e, out, f);
  } else if constexpr (requires {
                         typename T::key_type;
                         typename T::mapped_type;
                       }) {
    if (!e.is_object()) return fail(f, error_kind::type_mismatch, "expected object");
    out.clear();
    for (member m : e.object()) {
      if (!read(m.value, out[std::string(m.key)], f)) return in(f, m.key);
    }
    return true;
  } else {
    static_assert(
        requires {
          typename T::value_type;
          out.emplace_back();
        },
        "type not mappable");
    if (!e.is_array()) return fail(f, error_kind::type_mismatch, "expected array");
    out.clear();
    out.reserve(e.size());
    size_t i = 0;
    for (element item : e.array()) {
      if (!read(item, out.emplace_back(), f)) return in(f, std::to_string(i));
      ++i;
    }
    return true;
  }
}

template <typename T>
void write_mapped(writer& w, const T& v) {
  if constexpr (std::is_same_v<T, bool> || std::is_arithmetic_v<T> ||
                std::is_same_v<T, std::string>) {
    w.value(v);
  } else if constexpr (std::is_same_v<T, value>) {
    write(w, v);
  } else if constexpr (is_optional<T>::value) {
    if (v)
      write_mapped(w, *v);
    else
      w.null();
  } else if constexpr (mapped<T>) {
    w.begin_object();
    std::apply(
        [&](const auto&... fs) {
          auto one = [&](const auto& fd) {
            const auto& m = v.*(fd.member);
            if constexpr (is_optional<std::remove_cvref_t<decltype(m)>>::value) {
              if (!m) return;
            }
            w.key(fd.name);
            write_mapped(w, m);
          };
          (one(fs), ...);
        },
        cachet_json_fields(static_cast<const T*>(nullptr)));
    w.end_object();
  } else if constexpr (requires {
                         typename T::key_type;
                         typename T::mapped_type;
                       }) {
    w.begin_object();
    for (const auto& [k, item] : v) {
      w.key(k);
      write_mapped(w, item);
    }
    w.end_object();
  } else {
    w.begin_array();
    for (const auto& item : v) write_mapped(w, item);
    w.end_array();
  }
}

}  // namespace detail

// Writes `v` (a mapped struct or any supported field type) to `w`.
template <typename T>
void to_json(writer& w, const T& v) {
  detail::write_mapped(w, v);
}

// `v` as JSON text (non_finite_number if a double is NaN or infinite).
template <typename T>
result<std::string> to_json(const T& v, write_options options = {}) {
  buffer out;
  writer w(out, options);
  detail::write_mapped(w, v);
  if (status st = w.finish(); !st) return st.error();
  return out.str();
}

// Reads `out` from a parsed value. The error message names the JSON Pointer of the bad member:
// "/items/3/price: expected number".
template <typename T>
status from_json(const element& e, T& out) {
  if (!e.ok()) return e.error();
  detail::mapping_failure f;
  if (detail::read(e, out, f)) return {};
  std::string where = f.path.empty() ? "(root)" : f.path;
  return json::error{.kind = f.kind, .message = where + ": " + std::string(f.what)};
}

template <typename T>
result<T> from_json(const element& e) {
  T out{};
  if (status st = from_json(e, out); !st) return st.error();
  return out;
}

// Parses `json` and reads a T from it.
template <typename T>
result<T> from_json(std::string_view json, const parse_options& options = {}) {
  auto doc = parse(json, options);
  if (!doc) return doc.error();
  return from_json<T>(doc->root());
}

}  // namespace cachet::json
