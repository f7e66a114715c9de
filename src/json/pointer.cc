#include "cachet/json/pointer.h"

#include <charconv>
#include <string>

namespace cachet::json {
namespace {

// Splits RFC 6901 pointers into unescaped reference tokens.
class tokens {
 public:
  explicit tokens(std::string_view pointer) : rest_(pointer) {}

  // The syntax is valid: empty, or '/'-separated tokens whose '~' is followed by '0' or '1'.
  bool valid() const {
    if (!rest_.empty() && rest_[0] != '/') return false;
    for (size_t i = 0; i < rest_.size(); ++i) {
      if (rest_[i] == '~' &&
          (i + 1 == rest_.size() || (rest_[i + 1] != '0' && rest_[i + 1] != '1'))) {
        return false;
      }
    }
    return true;
  }
  bool done() const { return rest_.empty(); }
  // Whether the token next() would return is the last one.
  bool last() const { return rest_.find('/', 1) == std::string_view::npos; }

  // The next token, unescaped (valid() must hold and done() must not).
  const std::string& next() {
    size_t end = rest_.find('/', 1);
    std::string_view raw = rest_.substr(1, end == std::string_view::npos ? end : end - 1);
    rest_ = end == std::string_view::npos ? std::string_view() : rest_.substr(end);
    token_.clear();
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~') {
        token_ += raw[++i] == '0' ? '~' : '/';
      } else {
        token_ += raw[i];
      }
    }
    return token_;
  }

 private:
  std::string_view rest_;
  std::string token_;
};

// An array index token: "0" or digits without a leading zero.
result<size_t> index_of(std::string_view token) {
  size_t n = 0;
  if (token.empty() || (token.size() > 1 && token[0] == '0')) return error_kind::invalid_pointer;
  auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), n);
  if (ptr != token.data() + token.size()) return error_kind::invalid_pointer;
  if (ec != std::errc()) return error_kind::index_out_of_bounds;
  return n;
}

// One step down from `v` by `token`.
result<value*> child(value& v, const std::string& token) {
  if (v.is_object()) {
    value* c = v.find(token);
    if (c == nullptr) return error_kind::no_such_key;
    return c;
  }
  if (!v.is_array()) return error_kind::type_mismatch;
  result<size_t> i = index_of(token);
  if (!i) return i.error();
  if (*i >= v.size()) return error_kind::index_out_of_bounds;
  return &(*v.as_array())[*i];
}

// Follows the tokens from `root`: all of them, or all but the last (`to_parent`, for set and
// remove, which act on the last token themselves).
result<value*> descend(value& root, tokens& t, bool to_parent) {
  value* v = &root;
  while (!t.done() && !(to_parent && t.last())) {
    result<value*> c = child(*v, t.next());
    if (!c) return c.error();
    v = *c;
  }
  return v;
}

}  // namespace

result<element> at_pointer(const element& root, std::string_view pointer) {
  tokens t(pointer);
  if (!t.valid()) return error_kind::invalid_pointer;
  element e = root;
  while (!t.done() && e.ok()) {
    const std::string& token = t.next();
    if (e.is_array()) {
      result<size_t> i = index_of(token);
      if (!i) return i.error();
      e = e[*i];
    } else {
      e = e[std::string_view(token)];
    }
  }
  return e.check();
}

result<value*> at_pointer(value& root, std::string_view pointer) {
  tokens t(pointer);
  if (!t.valid()) return error_kind::invalid_pointer;
  return descend(root, t, false);
}

status set_pointer(value& root, std::string_view pointer, value v) {
  tokens t(pointer);
  if (!t.valid()) return error_kind::invalid_pointer;
  if (t.done()) {
    root = std::move(v);
    return {};
  }
  result<value*> parent = descend(root, t, true);
  if (!parent) return parent.error();
  value& p = **parent;
  const std::string& token = t.next();
  if (p.is_object()) return p.set(token, std::move(v));
  if (!p.is_array()) return error_kind::type_mismatch;
  if (token == "-") return p.push_back(std::move(v));
  result<size_t> i = index_of(token);
  if (!i) return i.error();
  if (*i > p.size()) return error_kind::index_out_of_bounds;
  if (*i == p.size()) return p.push_back(std::move(v));
  (*p.as_array())[*i] = std::move(v);
  return {};
}

status remove_pointer(value& root, std::string_view pointer) {
  tokens t(pointer);
  if (!t.valid() || t.done()) return error_kind::invalid_pointer;
  result<value*> parent = descend(root, t, true);
  if (!parent) return parent.error();
  value& p = **parent;
  const std::string& token = t.next();
  if (p.is_object())
    return p.erase(std::string_view(token)) > 0 ? status() : error_kind::no_such_key;
  if (!p.is_array()) return error_kind::type_mismatch;
  result<size_t> i = index_of(token);
  if (!i) return i.error();
  return p.erase(*i);
}

}  // namespace cachet::json
