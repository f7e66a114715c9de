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
             __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("pclmul");
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

}  // namespace

// One parse: the tape writer over stage 1's offsets.
class parser {
 public:
  parser(document& doc, const uint8_t* buf, size_t len, const parse_options& options)
      : doc_(doc), buf_(buf), len_(len), options_(options) {}

  status run();

 private:
  // An open container: the tape index of its open word (low 32 bits) and its count of members
  // or items so far (high 32 bits).
  using frame = uint64_t;
  static uint32_t open_of(frame f) { return static_cast<uint32_t>(f); }
  static uint64_t count_of(frame f) { return f >> 32; }

  void reserve();
  status walk();
  uint8_t peek() const { return pos_ < count_ ? buf_[indexes_[pos_]] : 0; }
  size_t offset() const { return pos_ < count_ ? indexes_[pos_] : len_; }
  status fail(error_kind kind) const { return fail_at(kind, offset()); }
  status fail_at(error_kind kind, size_t offset) const;
  status unexpected() const {
    return fail(pos_ < count_ ? error_kind::unexpected_character : error_kind::unexpected_end);
  }

  bool open(char tag);
  void close(char tag);
  bool terminated(size_t end) const { return end == len_ || kTerminators.t[buf_[end]]; }
  error_kind scalar(uint8_t c);
  error_kind string();
  error_kind escape(const uint8_t*& src, char*& dst);
  error_kind number();
  bool small_integer(const uint8_t* p);
  error_kind literal(const char* text, size_t n, char tag);
  uint64_t store_text(const uint8_t* begin, size_t n);

  document& doc_;
  const uint8_t* buf_;
  size_t len_;
  const parse_options& options_;
  const uint32_t* indexes_ = nullptr;
  // 32-bit (inputs are < 4 GB) so that stores through tape_ (uint64_t) cannot alias them and
  // the compiler keeps them in registers.
  uint32_t count_ = 0;
  uint32_t pos_ = 0;
  uint64_t* tape_ = nullptr;
  uint32_t tape_n_ = 0;
  char* strings_ = nullptr;
  size_t strings_n_ = 0;
  frame* stack_ = nullptr;
  uint32_t depth_ = 0;
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

void parser::reserve() {
  size_t tape_need = 2 * count_ + 4;
  if (doc_.tape_capacity_ < tape_need) {
    doc_.tape_.reset(new uint64_t[tape_need]);
    doc_.tape_capacity_ = tape_need;
  }
  size_t strings_need = (options_.keep_number_text ? 3 : 2) * len_ + 64;
  if (doc_.strings_capacity_ < strings_need) {
    doc_.strings_.reset(new char[strings_need]);
    doc_.strings_capacity_ = strings_need;
  }
  tape_ = doc_.tape_.get();
  strings_ = doc_.strings_.get();
  size_t frames_need = std::min<size_t>(options_.max_depth, count_) + 1;
  if (doc_.frames_capacity_ < frames_need) {
    doc_.frames_.reset(new uint64_t[frames_need]);
    doc_.frames_capacity_ = frames_need;
  }
  stack_ = doc_.frames_.get();
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
  indexes_ = doc_.indexes_.get();
  count_ = static_cast<uint32_t>(s1.count);
  if (count_ == 0) return fail_at(error_kind::empty_input, len_);
  reserve();
  status st = walk();
  if (st.ok()) doc_.tape_size_ = tape_n_;
  return st;
}

bool parser::open(char tag) {
  if (depth_ >= options_.max_depth) return false;
  stack_[depth_++] = tape_n_;
  tape_[tape_n_++] = make_word(tag, 0);
  ++pos_;
  return true;
}

void parser::close(char tag) {
  frame f = stack_[--depth_];
  uint64_t count = std::min<uint64_t>(count_of(f), detail::kMaxCount);
  tape_[open_of(f)] =
      make_word(tape_[open_of(f)] >> detail::kTagShift, (tape_n_ + 1) | count << 32);
  tape_[tape_n_++] = make_word(tag, open_of(f));
  ++pos_;
}

// The state machine: `value` parses one value at the cursor, `after_value` decides what may
// follow it given the innermost open container.
status parser::walk() {
  bool after_comma = false;
value:
  switch (uint8_t c = peek()) {
    case '{':
      if (!open('{')) return fail(error_kind::depth_exceeded);
      if (peek() == '}') {
        close('}');
        goto after_value;
      }
      after_comma = false;
      goto key;
    case '[':
      if (!open('[')) return fail(error_kind::depth_exceeded);
      if (peek() == ']') {
        close(']');
        goto after_value;
      }
      goto value;
    case ']':
    case '}':
      return fail(after_comma ? error_kind::trailing_comma : error_kind::unexpected_character);
    default:
      if (c == 0 && pos_ == count_) return fail(error_kind::unexpected_end);
      if (error_kind e = scalar(c); e != error_kind::none) return fail(e);
      ++pos_;
      goto after_value;
  }
key:
  if (peek() != '"') {
    if (peek() == '}' && after_comma) return fail(error_kind::trailing_comma);
    return fail(pos_ < count_ ? error_kind::expected_key : error_kind::unexpected_end);
  }
  if (error_kind e = string(); e != error_kind::none) return fail(e);
  ++pos_;
  if (peek() != ':')
    return fail(pos_ < count_ ? error_kind::expected_colon : error_kind::unexpected_end);
  ++pos_;
  after_comma = false;
  goto value;
after_value:
  if (depth_ == 0) {
    if (pos_ < count_) return fail(error_kind::trailing_content);
    return {};
  }
  {
    frame& top = stack_[depth_ - 1];
    top += uint64_t{1} << 32;
    bool in_object = detail::tag_of(tape_[open_of(top)]) == '{';
    uint8_t c = peek();
    if (c == ',') {
      ++pos_;
      after_comma = true;
      if (in_object) goto key;
      goto value;
    }
    if (c == (in_object ? '}' : ']')) {
      close(in_object ? '}' : ']');
      goto after_value;
    }
    return unexpected();
  }
}

error_kind parser::scalar(uint8_t c) {
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
      return number();
    case '+':
    case '.':
      return error_kind::invalid_number;
    default:
      return (c | 0x20) >= 'a' && (c | 0x20) <= 'z' ? error_kind::invalid_literal
                                                    : error_kind::unexpected_character;
  }
}

error_kind parser::literal(const char* text, size_t n, char tag) {
  size_t at = indexes_[pos_];
  if (len_ - at < n || std::memcmp(buf_ + at, text, n) != 0 || !terminated(at + n)) {
    return error_kind::invalid_literal;
  }
  tape_[tape_n_++] = make_word(tag, 0);
  return error_kind::none;
}

// Copies the string at the cursor (quotes excluded, escapes decoded) into the string buffer.
// Stage 1 guarantees a closing quote, valid UTF-8 and no control characters.
error_kind parser::string() {
  const uint8_t* src = buf_ + indexes_[pos_] + 1;
  const uint8_t* end = buf_ + len_;
  char* start = strings_ + strings_n_ + sizeof(uint32_t);
  char* dst = start;
  uint64_t clean = detail::kCleanString;
  for (;;) {
    if (end - src >= 32) {
      uint32_t quotes, backslashes;
      copy_32(src, dst, quotes, backslashes);
      // A quote before any backslash ends the string (no backslash: all bits below count).
      if ((backslashes - 1) & quotes) {
        int k = __builtin_ctz(quotes);
        dst += k;
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
    if (error_kind e = escape(src, dst); e != error_kind::none) return e;
  }
  uint32_t n = static_cast<uint32_t>(dst - start);
  std::memcpy(strings_ + strings_n_, &n, sizeof n);
  *dst = '\0';
  tape_[tape_n_++] = make_word('"', strings_n_ | clean);
  strings_n_ += sizeof n + n + 1;
  return error_kind::none;
}

// Decodes the escape at src (a backslash) into dst; advances both.
error_kind parser::escape(const uint8_t*& src, char*& dst) {
  const uint8_t* end = buf_ + len_;
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

// The common case inline: a non-negative integer of 1 to 18 digits without a leading zero,
// followed by a terminator. Writes it and returns true; false leaves everything to number().
bool parser::small_integer(const uint8_t* p) {
  const uint8_t* end = buf_ + len_;
  const uint8_t* q = p;
  uint64_t n = 0;
  while (q < end && uint8_t(*q - '0') < 10 && q - p < 18) n = n * 10 + (*q++ - '0');
  size_t digits = q - p;
  if (digits == 0 || (digits > 1 && *p == '0') || !terminated(q - buf_)) return false;
  tape_[tape_n_++] = make_word('l', 0);
  tape_[tape_n_++] = n;
  return true;
}

uint64_t parser::store_text(const uint8_t* begin, size_t n) {
  uint64_t at = strings_n_;
  uint32_t n32 = static_cast<uint32_t>(n);
  std::memcpy(strings_ + at, &n32, sizeof n32);
  std::memcpy(strings_ + at + sizeof n32, begin, n);
  strings_[at + sizeof n32 + n] = '\0';
  strings_n_ += sizeof n32 + n + 1;
  return at;
}

error_kind parser::number() {
  const uint8_t* begin = buf_ + indexes_[pos_];
  if (!options_.keep_number_text && small_integer(begin)) return error_kind::none;
  detail::parsed_number num;
  error_kind e = detail::parse_number(begin, buf_ + len_, num);
  if (e != error_kind::none) return e;
  if (!terminated(static_cast<size_t>(num.end - buf_))) return error_kind::invalid_number;
  uint64_t payload = options_.keep_number_text ? 1 + store_text(begin, num.end - begin) : 0;
  tape_[tape_n_++] = make_word(num.tag, payload);
  tape_[tape_n_++] = num.bits;
  return error_kind::none;
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
