#include "cachet/json/writer.h"

#include <emmintrin.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>

#include "json/tape.h"

namespace cachet::json {
namespace {

// The two-character escape for each byte that has one ('"' -> \", '\n' -> \n, ...), else 0
// for bytes that need \u00XX, and 1 for bytes written as they are.
constexpr auto kEscapes = [] {
  struct table {
    char c[256];
  } t{};
  for (int i = 0x20; i < 256; ++i) t.c[i] = 1;
  const char pairs[][2] = {{'"', '"'},  {'\\', '\\'}, {'\b', 'b'}, {'\f', 'f'},
                           {'\n', 'n'}, {'\r', 'r'},  {'\t', 't'}};
  for (auto [raw, escaped] : pairs) t.c[uint8_t(raw)] = escaped;
  return t;
}();

char* escape_byte(char* p, uint8_t c) {
  char e = kEscapes.c[c];
  *p++ = '\\';
  if (e != 0) {
    *p++ = e;
    return p;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::memcpy(p, "u00", 3);
  p[3] = kHex[c >> 4];
  p[4] = kHex[c & 0xF];
  return p + 5;
}

// Writes `s` as a JSON string, quotes included.
void write_string(buffer& out, std::string_view s) {
  char* start = out.prepare(s.size() * 6 + 2 + 16);
  char* p = start;
  *p++ = '"';
  const char* src = s.data();
  const char* end = src + s.size();
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
                control = _mm_set1_epi8(0x1F);
  while (end - src >= 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v);
    __m128i special =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                     _mm_cmpeq_epi8(_mm_min_epu8(v, control), v));
    unsigned m = _mm_movemask_epi8(special);
    if (m == 0) {
      src += 16;
      p += 16;
      continue;
    }
    int k = __builtin_ctz(m);
    p = escape_byte(p + k, uint8_t(src[k]));
    src += k + 1;
  }
  for (; src < end; ++src) {
    uint8_t c = uint8_t(*src);
    if (kEscapes.c[c] == 1) {
      *p++ = char(c);
    } else {
      p = escape_byte(p, c);
    }
  }
  *p++ = '"';
  out.commit(p - start);
}

// A string from the tape: one without escapes in its source needs none on output.
void write_tape_string(buffer& out, const char* strings, uint64_t payload) {
  std::string_view s = detail::string_at(strings, payload & ~detail::kCleanString);
  if (!(payload & detail::kCleanString)) return write_string(out, s);
  char* p = out.prepare(s.size() + 2);
  p[0] = '"';
  std::memcpy(p + 1, s.data(), s.size());
  p[s.size() + 1] = '"';
  out.commit(s.size() + 2);
}

template <typename T>
void write_integer(buffer& out, T n) {
  char* p = out.prepare(24);
  out.commit(std::to_chars(p, p + 24, n).ptr - p);
}

// The shortest round-trip text, made to read back as a double: "1.0" not "1", "1e300" and
// "1e-7" for to_chars's "1e+300" and "1e-07".
void write_finite_double(buffer& out, double d) {
  char* p = out.prepare(32);
  char* end = std::to_chars(p, p + 30, d).ptr;
  char* e = static_cast<char*>(std::memchr(p, 'e', end - p));
  if (e != nullptr) {
    char* first = e + 1 + (e[1] == '-' || e[1] == '+');
    while (*first == '0' && first + 1 < end) ++first;
    char* to = e + 1 + (e[1] == '-');
    std::memmove(to, first, end - first);
    end = to + (end - first);
  } else if (std::memchr(p, '.', end - p) == nullptr) {
    std::memcpy(end, ".0", 2);
    end += 2;
  }
  out.commit(end - p);
}

void put(buffer& out, char c) {
  *out.prepare(1) = c;
  out.commit(1);
}

void newline(buffer& out, size_t spaces) {
  char* p = out.prepare(spaces + 1);
  p[0] = '\n';
  std::memset(p + 1, ' ', spaces);
  out.commit(spaces + 1);
}

// Writes the tape values in [begin, end) (one complete value), `depth` levels deep.
template <bool Pretty>
void write_tape(const document& doc, uint32_t begin, uint32_t end, buffer& out, size_t indent,
                size_t depth) {
  struct frame {
    bool object;
    bool first;
  };
  std::vector<frame> stack;
  bool after_key = false;
  const uint64_t* t = doc.tape();
  for (uint32_t i = begin; i < end;) {
    uint64_t w = t[i];
    char c = detail::tag_of(w);
    if (c == '}' || c == ']') {
      bool empty = stack.back().first;
      stack.pop_back();
      if (Pretty && !empty) newline(out, (depth + stack.size()) * indent);
      put(out, c);
      ++i;
      continue;
    }
    if (!stack.empty()) {
      frame& f = stack.back();
      if (after_key) {
        after_key = false;
      } else {
        if (!f.first) put(out, ',');
        f.first = false;
        if (Pretty) newline(out, (depth + stack.size()) * indent);
        if (f.object) {
          write_tape_string(out, doc.strings(), detail::payload_of(w));
          if (Pretty) {
            std::memcpy(out.prepare(2), ": ", 2);
            out.commit(2);
          } else {
            put(out, ':');
          }
          after_key = true;
          ++i;
          continue;
        }
      }
    }
    switch (c) {
      case '{':
      case '[':
        put(out, c);
        stack.push_back({c == '{', true});
        break;
      case '"':
        write_tape_string(out, doc.strings(), detail::payload_of(w));
        break;
      case 'l':
        write_integer(out, static_cast<int64_t>(t[i + 1]));
        break;
      case 'u':
        write_integer(out, t[i + 1]);
        break;
      case 'd':
        write_finite_double(out, std::bit_cast<double>(t[i + 1]));
        break;
      case 't':
        out.append("true");
        break;
      case 'f':
        out.append("false");
        break;
      default:
        out.append("null");
        break;
    }
    i += (c == 'l' || c == 'u' || c == 'd') ? 2 : 1;
  }
}

}  // namespace

void buffer::grow(size_t n) {
  size_t capacity = std::max(capacity_ * 2, size_ + n);
  capacity = std::max<size_t>(capacity, 256);
  std::unique_ptr<char[]> bigger(new char[capacity]);
  if (size_ != 0) std::memcpy(bigger.get(), data_.get(), size_);
  data_ = std::move(bigger);
  capacity_ = capacity;
}

void buffer::append(std::string_view s) {
  std::memcpy(prepare(s.size()), s.data(), s.size());
  commit(s.size());
}

writer::writer(buffer& out, write_options options) : out_(out), options_(options) {
  if (options_.indent < 0) options_.indent = 0;
}

void writer::fail(error_kind kind) {
  if (error_ == error_kind::none) error_ = kind;
}

void writer::newline(size_t depth) { json::newline(out_, depth * options_.indent); }

bool writer::begin_value() {
  if (error_ != error_kind::none) return false;
  if (stack_.empty()) {
    if (done_) fail(error_kind::invalid_document);
    return !done_;
  }
  frame& f = stack_.back();
  if (f.object) {
    if (f.expect_key) {
      fail(error_kind::invalid_document);
      return false;
    }
    f.expect_key = true;
    return true;
  }
  if (f.count++ != 0) put(out_, ',');
  if (options_.indent > 0) newline(stack_.size());
  return true;
}

writer& writer::key(std::string_view k) {
  if (error_ != error_kind::none) return *this;
  if (stack_.empty() || !stack_.back().object || !stack_.back().expect_key) {
    fail(error_kind::invalid_document);
    return *this;
  }
  frame& f = stack_.back();
  if (f.count++ != 0) put(out_, ',');
  if (options_.indent > 0) newline(stack_.size());
  write_string(out_, k);
  if (options_.indent > 0) {
    out_.append(": ");
  } else {
    put(out_, ':');
  }
  f.expect_key = false;
  return *this;
}

writer& writer::open(char c, bool object) {
  if (!begin_value()) return *this;
  put(out_, c);
  stack_.push_back({object, true, 0});
  return *this;
}

writer& writer::close(char c, bool object) {
  if (error_ != error_kind::none) return *this;
  if (stack_.empty() || stack_.back().object != object || !stack_.back().expect_key) {
    fail(error_kind::invalid_document);
    return *this;
  }
  bool empty = stack_.back().count == 0;
  stack_.pop_back();
  if (options_.indent > 0 && !empty) newline(stack_.size());
  put(out_, c);
  done_ = stack_.empty();
  return *this;
}

writer& writer::begin_object() { return open('{', true); }
writer& writer::end_object() { return close('}', true); }
writer& writer::begin_array() { return open('[', false); }
writer& writer::end_array() { return close(']', false); }

template <typename Emit>
writer& writer::scalar(Emit emit) {
  if (begin_value()) {
    emit();
    done_ = stack_.empty();
  }
  return *this;
}

writer& writer::value(std::string_view s) {
  return scalar([&] { write_string(out_, s); });
}

writer& writer::value(bool b) {
  return scalar([&] { out_.append(b ? "true" : "false"); });
}

writer& writer::null() {
  return scalar([&] { out_.append("null"); });
}

writer& writer::value(double d) {
  if (!std::isfinite(d)) {
    fail(error_kind::non_finite_number);
    return *this;
  }
  return scalar([&] { write_finite_double(out_, d); });
}

writer& writer::integer(int64_t n) {
  return scalar([&] { write_integer(out_, n); });
}

writer& writer::unsigned_integer(uint64_t n) {
  return scalar([&] { write_integer(out_, n); });
}

writer& writer::raw(std::string_view json) {
  return scalar([&] { out_.append(json); });
}

writer& writer::value(const element& e) {
  if (!e.ok()) {
    fail(e.error());
    return *this;
  }
  if (!begin_value()) return *this;
  uint32_t begin = e.tape_index();
  uint32_t end = detail::next_index(e.doc()->tape(), begin);
  if (options_.indent > 0) {
    write_tape<true>(*e.doc(), begin, end, out_, options_.indent, stack_.size());
  } else {
    write_tape<false>(*e.doc(), begin, end, out_, 0, 0);
  }
  done_ = stack_.empty();
  return *this;
}

status writer::finish() const {
  if (error_ != error_kind::none) return error_;
  if (!done_ || !stack_.empty()) return error_kind::invalid_document;
  return {};
}

status serialize(const element& e, buffer& out, write_options options) {
  writer w(out, options);
  w.value(e);
  return w.finish();
}

result<std::string> to_string(const element& e, write_options options) {
  buffer out;
  if (status st = serialize(e, out, options); !st) return st.error();
  return out.str();
}

}  // namespace cachet::json
