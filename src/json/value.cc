#include "cachet/json/value.h"

#include "json/number.h"

namespace cachet::json {

result<value> value::from(const element& e) {
  if (!e.ok()) return e.error();
  switch (e.type()) {
    case value_type::null:
      return value();
    case value_type::boolean:
      return value(e.get<bool>().value());
    case value_type::string:
      return value(e.get<std::string_view>().value());
    case value_type::number:
      switch (e.get_number_type().value()) {
        case number_type::int64:
          return value(e.get<int64_t>().value());
        case number_type::uint64:
          return value(e.get<uint64_t>().value());
        default:
          return value(e.get<double>().value());
      }
    case value_type::array: {
      array_type items;
      items.reserve(e.size());
      for (element item : e.array()) items.push_back(std::move(from(item).value()));
      return value(std::move(items));
    }
    case value_type::object: {
      object_type members;
      members.reserve(e.size());
      for (member m : e.object()) {
        members.emplace_back(std::string(m.key), std::move(from(m.value).value()));
      }
      return value(std::move(members));
    }
  }
  return error_kind::invalid_document;
}

value_type value::type() const {
  switch (v_.index()) {
    case 0:
      return value_type::null;
    case 1:
      return value_type::boolean;
    case 2:
    case 3:
    case 4:
      return value_type::number;
    case 5:
      return value_type::string;
    case 6:
      return value_type::array;
    default:
      return value_type::object;
  }
}

template <>
result<bool> value::get<bool>() const {
  if (auto* b = std::get_if<bool>(&v_)) return *b;
  return error_kind::type_mismatch;
}

template <>
result<std::string_view> value::get<std::string_view>() const {
  if (auto* s = std::get_if<std::string>(&v_)) return std::string_view(*s);
  return error_kind::type_mismatch;
}

template <>
result<double> value::get<double>() const {
  if (!is_number()) return error_kind::type_mismatch;
  if (auto* d = std::get_if<double>(&v_)) return *d;
  if (auto* i = std::get_if<int64_t>(&v_)) return double(*i);
  return double(std::get<uint64_t>(v_));
}

template <>
result<int64_t> value::get<int64_t>() const {
  if (auto* i = std::get_if<int64_t>(&v_)) return *i;
  if (std::holds_alternative<uint64_t>(v_)) return error_kind::out_of_range;  // > INT64_MAX
  auto* d = std::get_if<double>(&v_);
  if (d == nullptr) return error_kind::type_mismatch;
  return detail::exact_int64(*d);
}

template <>
result<uint64_t> value::get<uint64_t>() const {
  if (auto* u = std::get_if<uint64_t>(&v_)) return *u;
  if (auto* i = std::get_if<int64_t>(&v_)) {
    if (*i < 0) return error_kind::out_of_range;
    return uint64_t(*i);
  }
  auto* d = std::get_if<double>(&v_);
  if (d == nullptr) return error_kind::type_mismatch;
  return detail::exact_uint64(*d);
}

result<number_type> value::get_number_type() const {
  switch (v_.index()) {
    case 2:
      return number_type::int64;
    case 3:
      return number_type::uint64;
    case 4:
      return number_type::floating;
    default:
      return error_kind::type_mismatch;
  }
}

value* value::find(std::string_view key) {
  object_type* o = as_object();
  if (o == nullptr) return nullptr;
  for (auto& [k, v] : *o) {
    if (k == key) return &v;
  }
  return nullptr;
}

const value* value::find(std::string_view key) const { return const_cast<value*>(this)->find(key); }

value& value::operator[](std::string_view key) {
  if (!is_object()) v_ = object_type();
  if (value* v = find(key)) return *v;
  object_type& o = *as_object();
  o.emplace_back(std::string(key), value());
  return o.back().second;
}

status value::set(std::string_view key, value v) {
  if (!is_object()) return error_kind::type_mismatch;
  (*this)[key] = std::move(v);
  return {};
}

size_t value::erase(std::string_view key) {
  object_type* o = as_object();
  if (o == nullptr) return 0;
  return std::erase_if(*o, [&](const auto& m) { return m.first == key; });
}

status value::push_back(value v) {
  if (is_null()) v_ = array_type();
  array_type* a = as_array();
  if (a == nullptr) return error_kind::type_mismatch;
  a->push_back(std::move(v));
  return {};
}

status value::erase(size_t index) {
  array_type* a = as_array();
  if (a == nullptr) return error_kind::type_mismatch;
  if (index >= a->size()) return error_kind::index_out_of_bounds;
  a->erase(a->begin() + static_cast<std::ptrdiff_t>(index));
  return {};
}

size_t value::size() const {
  if (auto* a = as_array()) return a->size();
  if (auto* o = as_object()) return o->size();
  return 0;
}

namespace {

// A number's value for comparison: exact for integers, double otherwise.
struct number_view {
  bool integer = false;
  bool negative = false;   // for integers: the sign
  uint64_t magnitude = 0;  // for integers: |n|
  double d = 0;
};

number_view view_number(const value& v) {
  switch (v.get_number_type().value()) {
    case number_type::int64: {
      int64_t i = v.get<int64_t>().value();
      return {true, i < 0, i < 0 ? ~uint64_t(i) + 1 : uint64_t(i), double(i)};
    }
    case number_type::uint64: {
      uint64_t u = v.get<uint64_t>().value();
      return {true, false, u, double(u)};
    }
    default:
      return {false, false, 0, v.get<double>().value()};
  }
}

}  // namespace

bool operator==(const value& a, const value& b) {
  if (a.is_number() && b.is_number()) {
    number_view x = view_number(a), y = view_number(b);
    if (x.integer && y.integer) return x.negative == y.negative && x.magnitude == y.magnitude;
    return x.d == y.d;
  }
  return a.v_ == b.v_;
}

result<value> parse_value(std::string_view json, const parse_options& options) {
  auto doc = parse(json, options);
  if (!doc) return doc.error();
  return value::from(doc->root());
}

void write(writer& w, const value& v) {
  switch (v.type()) {
    case value_type::null:
      w.null();
      return;
    case value_type::boolean:
      w.value(v.get<bool>().value());
      return;
    case value_type::string:
      w.value(v.get<std::string_view>().value());
      return;
    case value_type::number:
      switch (v.get_number_type().value()) {
        case number_type::int64:
          w.value(v.get<int64_t>().value());
          return;
        case number_type::uint64:
          w.value(v.get<uint64_t>().value());
          return;
        default:
          w.value(v.get<double>().value());
          return;
      }
    case value_type::array:
      w.begin_array();
      for (const value& item : *v.as_array()) write(w, item);
      w.end_array();
      return;
    case value_type::object:
      w.begin_object();
      for (const auto& [k, item] : *v.as_object()) {
        w.key(k);
        write(w, item);
      }
      w.end_object();
      return;
  }
}

status serialize(const value& v, buffer& out, write_options options) {
  writer w(out, options);
  write(w, v);
  return w.finish();
}

result<std::string> to_string(const value& v, write_options options) {
  buffer out;
  if (status st = serialize(v, out, options); !st) return st.error();
  return out.str();
}

}  // namespace cachet::json
