// Stage 2 of parsing: walks the structural offsets found by stage 1 and writes the tape
// (tape.h). An explicit stack of open containers replaces recursion, so depth is bounded only by
// parse_options::max_depth.
#include <emmintrin.h>

#include <algorithm>
#include <cstring>

#include "cachet/json/document.h"
#include "json/number.h"
#include "json/stage1.h"
#include "json/tape.h"

namespace cachet::json {
namespace {

using detail::make_word;

bool cpu_has(simd_kernel k) {
  switch (k) {
    case simd_kernel::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vbmi2") && __builtin_cpu_supports("bmi2") &&
             __builtin_cpu_supports("pclmul");
    case simd_kernel::avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2") &&
             __builtin_cpu_supports("pclmul");
    case simd_kernel::sse42:
      return __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("popcnt");
    default:
      return true;
  }
}

struct kernel_list {
  simd_kernel kernels[4];
  size_t size = 0;
};

const kernel_list& detected() {
  static const kernel_list list = [] {
    kernel_list l;
    for (simd_kernel k :
         {simd_kernel::avx512, simd_kernel::avx2, simd_kernel::sse42, simd_kernel::fallback}) {
      if (cpu_has(k)) l.kernels[l.size++] = k;
    }
    return l;
  }();
  return list;
}

using stage1_fn = detail::stage1_result (*)(const uint8_t*, size_t, uint32_t*);

// The stage-1 function for `k`; an unsupported kernel falls back to the best supported one.
stage1_fn stage1_for(simd_kernel k) {
  if (k == simd_kernel::automatic || !cpu_has(k)) k = detected().kernels[0];
  switch (k) {
    case simd_kernel::avx512:
      return detail::stage1_avx512;
    case simd_kernel::avx2:
      return detail::stage1_avx2;
    case simd_kernel::sse42:
      return detail::stage1_sse42;
    default:
      return detail::stage1_fallback;
  }
}

// Bytes that may follow a scalar: whitespace, structural characters, or the end of input.
constexpr auto kTerminators = [] {
  struct table {
    bool t[256];
  } t{};
  for (unsigned char c : {' ', '\t', '\n', '\r', ',', ':', '[', ']', '{', '}'}) t.t[c] = true;
  return t;
}();

// What each simple escape (the byte after a backslash) stands for; 0 for invalid escapes.
constexpr auto kEscapes = [] {
  struct table {
    char decoded[256];
  } t{};
  const char pairs[][2] = {{'"', '"'},  {'\\', '\\'}, {'/', '/'},  {'b', '\b'},
                           {'f', '\f'}, {'n', '\n'},  {'r', '\r'}, {'t', '\t'}};
  for (auto [escape, decoded] : pairs) t.decoded[uint8_t(escape)] = decoded;
  return t;
}();

int hex_value(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  c |= 0x20;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The four hex digits at p as a number, or -1.
int32_t hex4(const uint8_t* p) {
  int a = hex_value(p[0]), b = hex_value(p[1]), c = hex_value(p[2]), d = hex_value(p[3]);
  if ((a | b | c | d) < 0) return -1;
  return a << 12 | b << 8 | c << 4 | d;
}

// Copies 32 bytes from src to dst and sets the masks of those that are '"' and '\\'.
void copy_32(const uint8_t* src, char* dst, uint32_t& quotes, uint32_t& backslashes) {
  __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
  __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 16));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), lo);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 16), hi);
  auto mask = [&](char c) {
    __m128i v = _mm_set1_epi8(c);
    return uint32_t(_mm_movemask_epi8(_mm_cmpeq_epi8(lo, v))) |
           uint32_t(_mm_movemask_epi8(_mm_cmpeq_epi8(hi, v))) << 16;
  };
  quotes = mask('"');
  backslashes = mask('\\');
}

char* put_utf8(char* dst, uint32_t cp) {
  if (cp < 0x80) {
    *dst++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *dst++ = static_cast<char>(0xC0 | cp >> 6);
    *dst++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *dst++ = static_cast<char>(0xE0 | cp >> 12);
    *dst++ = static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    *dst++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *dst++ = static_cast<char>(0xF0 | cp >> 18);
    *dst++ = static_cast<char>(0x80 | (cp >> 12 & 0x3F));
    *dst++ = static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    *dst++ = static_cast<char>(0x80 | (cp & 0x3F));
  }
  return dst;
}

// The cursors of one stage-2 walk and the steps that advance them. A walker lives in a local
// variable and every step is inlined, so the cursors stay in registers: stores through `out`
// (uint64_t) cannot alias them, as they could alias members of a heap object.
struct walker {
  const uint8_t* buf;    // the input
  const uint8_t* end;    // one past its last byte
  const uint32_t* next;  // stage 1's offset of the next structural
  const uint32_t* last;  // one past the last offset
  uint64_t* tape;        // the tape
  uint64_t* out;         // the next tape word
  char* strings;         // the string buffer
  char* text;            // its next free byte
  uint64_t* frames;      // open containers: tape index of the open word | count << 32
  uint64_t* top;         // one past the innermost open container
  uint64_t* frames_end;  // frames + max_depth

  [[gnu::always_inline]] uint8_t peek() const { return next < last ? buf[*next] : 0; }
  [[gnu::always_inline]] size_t offset() const { return next < last ? *next : end - buf; }
  [[gnu::always_inline]] bool at_end() const { return next == last; }
  [[gnu::always_inline]] bool terminated(const uint8_t* p) const {
    return p == end || kTerminators.t[*p];
  }
  [[gnu::always_inline]] uint32_t index() const { return static_cast<uint32_t>(out - tape); }

  // Opens a container at the cursor; false when that would exceed the depth limit.
  [[gnu::always_inline]] bool open(char tag) {
    if (top == frames_end) return false;
    *top++ = index();
    *out++ = make_word(tag, 0);
    ++next;
    return true;
  }

  // Closes the innermost container at the cursor, patching its open word.
  [[gnu::always_inline]] void close(char tag) {
    uint64_t f = *--top;
    uint32_t open = static_cast<uint32_t>(f);
    uint64_t count = std::min<uint64_t>(f >> 32, detail::kMaxCount);
    tape[open] = make_word(tape[open] >> detail::kTagShift, (index() + 1) | count << 32);
    *out++ = make_word(tag, open);
    ++next;
  }

  // Copies the string at the cursor (quotes excluded, escapes decoded) into the string buffer.
  // Stage 1 guarantees a closing quote, valid UTF-8 and no control characters.
  [[gnu::always_inline]] error_kind string() {
    const uint8_t* src = buf + *next + 1;
    char* dst = text + sizeof(uint32_t);
    uint64_t clean = detail::kCleanString;
    for (;;) {
      if (end - src >= 32) {
        uint32_t quotes, backslashes;
        copy_32(src, dst, quotes, backslashes);
        // A quote before any backslash ends the string (no backslash: all bits below count).
        if ((backslashes - 1) & quotes) {
          dst += __builtin_ctz(quotes);
          break;
        }
        if (backslashes == 0) {
          src += 32;
          dst += 32;
          continue;
        }
        int k = __builtin_ctz(backslashes);
        src += k;
        dst += k;
      } else {
        while (*src != '"' && *src != '\\') *dst++ = static_cast<char>(*src++);
        if (*src == '"') break;
      }
      clean = 0;
      if (error_kind e = escape(src, dst, end); e != error_kind::none) return e;
    }
    *out++ = make_word('"', seal_text(dst) | clean);
    return error_kind::none;
  }

  // Completes the string-buffer entry at `text` whose bytes were written up to `dst` (its
  // length before them, a NUL after: tape.h), moves `text` past it and returns its offset.
  [[gnu::always_inline]] uint64_t seal_text(char* dst) {
    uint32_t n = static_cast<uint32_t>(dst - (text + sizeof n));
    std::memcpy(text, &n, sizeof n);
    *dst = '\0';
    uint64_t at = static_cast<uint64_t>(text - strings);
    text = dst + 1;
    return at;
  }

  // The common number inline: a non-negative integer of 1 to 18 digits without a leading zero,
  // followed by a terminator. Writes it and returns true; false leaves it to number().
  [[gnu::always_inline]] bool small_integer(const uint8_t* p) {
    const uint8_t* q = p;
    uint64_t n = 0;
    while (q < end && uint8_t(*q - '0') < 10 && q - p < 18) n = n * 10 + (*q++ - '0');
    if (q == p || (q - p > 1 && *p == '0') || !terminated(q)) return false;
    *out++ = make_word('l', 0);
    *out++ = n;
    return true;
  }

  error_kind number(bool keep_text);
  error_kind literal(const char* word, size_t n, char tag);

  // The scalar at the cursor (which does not move).
  [[gnu::always_inline]] error_kind scalar(uint8_t c, bool keep_text) {
    switch (c) {
      case '"':
        return string();
      case 't':
        return literal("true", 4, 't');
      case 'f':
        return literal("false", 5, 'f');
      case 'n':
        return literal("null", 4, 'n');
      case '-':
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
      case '8':
      case '9':
        if (!keep_text && small_integer(buf + *next)) return error_kind::none;
        return number(keep_text);
      case '+':
      case '.':
        return error_kind::invalid_number;
      default:
        return (c | 0x20) >= 'a' && (c | 0x20) <= 'z' ? error_kind::invalid_literal
                                                      : error_kind::unexpected_character;
    }
  }

  // Decodes the escape at src (a backslash) into dst; advances both.
  static error_kind escape(const uint8_t*& src, char*& dst, const uint8_t* end);
};

error_kind walker::literal(const char* word, size_t n, char tag) {
  const uint8_t* p = buf + *next;
  if (static_cast<size_t>(end - p) < n || std::memcmp(p, word, n) != 0 || !terminated(p + n)) {
    return error_kind::invalid_literal;
  }
  *out++ = make_word(tag, 0);
  return error_kind::none;
}

error_kind walker::number(bool keep_text) {
  const uint8_t* begin = buf + *next;
  detail::parsed_number num;
  error_kind e = detail::parse_number(begin, end, num);
  if (e != error_kind::none) return e;
  if (!terminated(num.end)) return error_kind::invalid_number;
  uint64_t payload = 0;
  if (keep_text) {  // the raw text, stored like a string
    char* bytes = text + sizeof(uint32_t);
    std::memcpy(bytes, begin, num.end - begin);
    payload = 1 + seal_text(bytes + (num.end - begin));
  }
  *out++ = make_word(num.tag, payload);
  *out++ = num.bits;
  return error_kind::none;
}

error_kind walker::escape(const uint8_t*& src, char*& dst, const uint8_t* end) {
  if (src[1] != 'u') {
    char c = kEscapes.decoded[src[1]];
    if (c == 0) return error_kind::invalid_escape;
    *dst++ = c;
    src += 2;
    return error_kind::none;
  }
  int32_t cp = end - src >= 6 ? hex4(src + 2) : -1;
  if (cp < 0) return error_kind::invalid_escape;
  src += 6;
  if (cp >= 0xDC00 && cp <= 0xDFFF) return error_kind::lone_surrogate;
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    int32_t low = end - src >= 6 && src[0] == '\\' && src[1] == 'u' ? hex4(src + 2) : -1;
    if (low < 0xDC00 || low > 0xDFFF) return error_kind::lone_surrogate;
    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    src += 6;
  }
  dst = put_utf8(dst, static_cast<uint32_t>(cp));
  return error_kind::none;
}

}  // namespace

// One parse: stage 1, then the walker over its offsets.
class parser {
 public:
  parser(document& doc, const uint8_t* buf, size_t len, const parse_options& options)
      : doc_(doc), buf_(buf), len_(len), options_(options) {}

  status run();

 private:
  walker reserve(uint32_t count);
  status walk(walker w);
  status fail_at(error_kind kind, size_t offset) const;

  document& doc_;
  const uint8_t* buf_;
  size_t len_;
  const parse_options& options_;
};

status parser::fail_at(error_kind kind, size_t offset) const {
  json::error e{.kind = kind, .offset = offset, .line = 1, .column = 1};
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (buf_[i] == '\n') {
      ++e.line;
      line_start = i + 1;
    }
  }
  for (size_t i = line_start; i < offset; ++i) e.column += (buf_[i] & 0xC0) != 0x80;
  e.message = std::string(describe(kind));
  return e;
}

// Sizes the document's buffers for `count` structurals and returns a walker at their start.
walker parser::reserve(uint32_t count) {
  size_t tape_need = 2 * size_t{count} + 4;
  if (doc_.tape_capacity_ < tape_need) {
    doc_.tape_.reset(new uint64_t[tape_need]);
    doc_.tape_capacity_ = tape_need;
  }
  size_t strings_need = (options_.keep_number_text ? 3 : 2) * len_ + 64;
  if (doc_.strings_capacity_ < strings_need) {
    doc_.strings_.reset(new char[strings_need]);
    doc_.strings_capacity_ = strings_need;
  }
  size_t depth = std::min<size_t>(options_.max_depth, count);
  if (doc_.frames_capacity_ < depth + 1) {
    doc_.frames_.reset(new uint64_t[depth + 1]);
    doc_.frames_capacity_ = depth + 1;
  }
  const uint32_t* indexes = doc_.indexes_.get();
  return {.buf = buf_,
          .end = buf_ + len_,
          .next = indexes,
          .last = indexes + count,
          .tape = doc_.tape_.get(),
          .out = doc_.tape_.get(),
          .strings = doc_.strings_.get(),
          .text = doc_.strings_.get(),
          .frames = doc_.frames_.get(),
          .top = doc_.frames_.get(),
          .frames_end = doc_.frames_.get() + depth};
}

status parser::run() {
  doc_.tape_size_ = 0;
  if (len_ > UINT32_MAX - 64) return fail_at(error_kind::input_too_large, 0);
  size_t index_need = len_ + detail::kIndexSlack;
  if (doc_.indexes_capacity_ < index_need) {
    doc_.indexes_.reset(new uint32_t[index_need]);
    doc_.indexes_capacity_ = index_need;
  }
  detail::stage1_result s1 = stage1_for(options_.kernel)(buf_, len_, doc_.indexes_.get());
  if (s1.error != error_kind::none) return fail_at(s1.error, s1.error_offset);
  if (s1.count == 0) return fail_at(error_kind::empty_input, len_);
  return walk(reserve(static_cast<uint32_t>(s1.count)));
}

// The state machine: `value` parses one value at the cursor, `after_value` decides what may
// follow it given the innermost open container.
status parser::walk(walker w) {
  const bool keep_text = options_.keep_number_text;
  bool after_comma = false;
  error_kind e;
value:
  switch (uint8_t c = w.peek()) {
    case '{':
      if (!w.open('{')) goto depth_exceeded;
      if (w.peek() == '}') {
        w.close('}');
        goto after_value;
      }
      after_comma = false;
      goto key;
    case '[':
      if (!w.open('[')) goto depth_exceeded;
      if (w.peek() == ']') {
        w.close(']');
        goto after_value;
      }
      goto value;
    case ']':
    case '}':
      e = after_comma ? error_kind::trailing_comma : error_kind::unexpected_character;
      goto failed;
    default:
      if (c == 0 && w.at_end()) {
        e = error_kind::unexpected_end;
        goto failed;
      }
      if ((e = w.scalar(c, keep_text)) != error_kind::none) goto failed;
      ++w.next;
      goto after_value;
  }
key:
  if (w.peek() != '"') {
    e = w.peek() == '}' && after_comma ? error_kind::trailing_comma
        : w.at_end()                   ? error_kind::unexpected_end
                                       : error_kind::expected_key;
    goto failed;
  }
  if ((e = w.string()) != error_kind::none) goto failed;
  ++w.next;
  if (w.peek() != ':') {
    e = w.at_end() ? error_kind::unexpected_end : error_kind::expected_colon;
    goto failed;
  }
  ++w.next;
  after_comma = false;
  goto value;
after_value:
  if (w.top == w.frames) {
    if (!w.at_end()) {
      e = error_kind::trailing_content;
      goto failed;
    }
    doc_.tape_size_ = w.index();
    return {};
  }
  {
    uint64_t& top = w.top[-1];
    top += uint64_t{1} << 32;
    bool in_object = detail::tag_of(w.tape[static_cast<uint32_t>(top)]) == '{';
    uint8_t c = w.peek();
    if (c == ',') {
      ++w.next;
      after_comma = true;
      if (in_object) goto key;
      goto value;
    }
    if (c == (in_object ? '}' : ']')) {
      w.close(in_object ? '}' : ']');
      goto after_value;
    }
    e = w.at_end() ? error_kind::unexpected_end : error_kind::unexpected_character;
    goto failed;
  }
depth_exceeded:
  e = error_kind::depth_exceeded;
failed:
  return fail_at(e, w.offset());
}

document::document() = default;
document::~document() = default;
document::document(document&&) noexcept = default;
document& document::operator=(document&&) noexcept = default;

status document::parse(std::string_view json, const parse_options& options) {
  return parser(*this, reinterpret_cast<const uint8_t*>(json.data()), json.size(), options).run();
}

result<document> parse(std::string_view json, const parse_options& options) {
  document doc;
  status st = doc.parse(json, options);
  if (!st) return st.error();
  return doc;
}

std::span<const simd_kernel> supported_kernels() {
  const kernel_list& l = detected();
  return {l.kernels, l.size};
}

}  // namespace cachet::json
