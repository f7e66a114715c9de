#include "cachet/json/writer.h"

#include <emmintrin.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>

#include "json/shortest.h"
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

// The primitives write at `p`, which has the room each states, and return the end.

// Room for escaped(): any string fits in six bytes per byte, the quotes and a vector's slack.
size_t escaped_room(size_t size) { return size * 6 + 2 + 16; }

// `s` as a JSON string, quotes included.
char* escaped(char* p, std::string_view s) {
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
  return p;
}

// `s` in quotes as it is (s.size() + 2 bytes).
char* quoted(char* p, std::string_view s) {
  p[0] = '"';
  std::memcpy(p + 1, s.data(), s.size());
  p[s.size() + 1] = '"';
  return p + s.size() + 2;
}

constexpr size_t kNumberRoom = 2 * detail::kDoubleScratch;  // two doubles; integers need 20

template <typename T>
char* integer_text(char* p, T n) {
  return std::to_chars(p, p + 24, n).ptr;
}

// A newline and `spaces` spaces (spaces + 1 bytes).
char* newline(char* p, size_t spaces) {
  p[0] = '\n';
  std::memset(p + 1, ' ', spaces);
  return p + spaces + 1;
}

// Runs `write` (a primitive) at the end of `out` with `room` bytes, and keeps what it wrote.
template <typename Write>
void append_with(buffer& out, size_t room, Write write) {
  char* p = out.prepare(room);
  out.commit(write(p) - p);
}

void put(buffer& out, char c) {
  *out.prepare(1) = c;
  out.commit(1);
}

// Where the tape writer writes: its position and limit are locals, so they stay in registers
// (the buffer's size, reached through a reference, would be reloaded after every byte stored,
// since char stores may alias it).
struct window {
  char* p;
  char* limit;
};

// Keeps what was written up to `p` and opens a window of at least `room` bytes.
window reopen(buffer& out, char* p, size_t room) {
  out.commit(p - out.prepare(0));
  char* q = out.prepare(room);
  return {q, q + out.spare()};
}

// Writes the tape values in [begin, end) (one complete value), `depth` levels deep.
template <bool Pretty>
void write_tape(const document& doc, uint32_t begin, uint32_t end, buffer& out, size_t indent,
                size_t depth) {
  struct frame {
    bool object;
    bool first;
  };
  std::vector<frame> outer;  // the frames of the containers around `top`
  frame top{false, true};
  size_t level = 0;  // containers open
  bool after_key = false;
  const uint64_t* t = doc.tape();
  const char* strings = doc.strings();
  window w = reopen(out, out.prepare(0), kNumberRoom + 8);
  auto room = [&](size_t n) {
    if (static_cast<size_t>(w.limit - w.p) < n) w = reopen(out, w.p, n);
  };
  auto string = [&](uint64_t payload) {
    std::string_view s = detail::string_at(strings, payload & ~detail::kCleanString);
    bool clean = payload & detail::kCleanString;
    room((clean ? s.size() + 2 : escaped_room(s.size())) + 2);
    w.p = clean ? quoted(w.p, s) : escaped(w.p, s);
  };
  auto line = [&] {
    size_t spaces = (depth + level) * indent;
    room(spaces + 1 + kNumberRoom + 8);
    w.p = newline(w.p, spaces);
  };
  for (uint32_t i = begin; i < end;) {
    uint64_t word = t[i];
    char c = detail::tag_of(word);
    room(kNumberRoom + 8);
    if (c == '}' || c == ']') {
      bool empty = top.first;
      top = outer.back();
      outer.pop_back();
      --level;
      if (Pretty && !empty) line();
      *w.p++ = c;
      ++i;
      continue;
    }
    if (level != 0) {
      if (after_key) {
        after_key = false;
      } else {
        if (!top.first) *w.p++ = ',';
        top.first = false;
        if (Pretty) line();
        if (top.object) {
          string(detail::payload_of(word));
          std::memcpy(w.p, ": ", 2);
          w.p += Pretty ? 2 : 1;
          after_key = true;
          ++i;
          continue;
        }
      }
    }
    switch (c) {
      case '{':
      case '[':
        *w.p++ = c;
        outer.push_back(top);
        top = {c == '{', true};
        ++level;
        break;
      case '"':
        string(detail::payload_of(word));
        break;
      case 'l':
        w.p = integer_text(w.p, static_cast<int64_t>(t[i + 1]));
        break;
      case 'u':
        w.p = integer_text(w.p, t[i + 1]);
        break;
      case 'd':
        if (!top.object && i + 2 < end && detail::tag_of(t[i + 2]) == 'd') {  // [.., x, y, ..]
          w.p = detail::write_double_pair(w.p, std::bit_cast<double>(t[i + 1]),
                                          std::bit_cast<double>(t[i + 3]));
          i += 2;
        } else {
          w.p = detail::write_double(w.p, std::bit_cast<double>(t[i + 1]));
        }
        break;
      case 't':
        std::memcpy(w.p, "true", 4);
        w.p += 4;
        break;
      case 'f':
        std::memcpy(w.p, "false", 5);
        w.p += 5;
        break;
      default:
        std::memcpy(w.p, "null", 4);
        w.p += 4;
        break;
    }
    i += (c == 'l' || c == 'u' || c == 'd') ? 2 : 1;
  }
  out.commit(w.p - out.prepare(0));
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

void writer::newline(size_t depth) {
  size_t spaces = depth * options_.indent;
  append_with(out_, spaces + 1, [&](char* p) { return json::newline(p, spaces); });
}

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
  append_with(out_, escaped_room(k.size()), [&](char* p) { return escaped(p, k); });
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
  return scalar(
      [&] { append_with(out_, escaped_room(s.size()), [&](char* p) { return escaped(p, s); }); });
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
  return scalar(
      [&] { append_with(out_, kNumberRoom, [&](char* p) { return detail::write_double(p, d); }); });
}

writer& writer::integer(int64_t n) {
  return scalar(
      [&] { append_with(out_, kNumberRoom, [&](char* p) { return integer_text(p, n); }); });
}

writer& writer::unsigned_integer(uint64_t n) {
  return scalar(
      [&] { append_with(out_, kNumberRoom, [&](char* p) { return integer_text(p, n); }); });
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
