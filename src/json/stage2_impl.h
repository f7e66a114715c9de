// Stage 2 of parsing, instantiated once per kernel (kernel_<isa>.cc, which
// exports stage2_<isa>): walks the structural offsets found by stage 1 and writes the tape
// (tape.h). An explicit stack of open containers replaces recursion, so depth is bounded only by
// parse_options::max_depth. Compiled with each kernel's -m flags, so the number and string steps
// get its instructions (BMI2 shifts, LZCNT, wider copies); internal linkage as in stage1_impl.h.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "json/fast_number.h"
#include "json/stage2.h"
#include "json/tape.h"

namespace cachet::json::detail {
namespace {

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

// Copies 32 bytes from src to dst and sets the masks of those that are '"' and '\\' (one
// 32-byte vector where the kernel has AVX2, two 16-byte ones otherwise).
void copy_32(const uint8_t* src, char* dst, uint32_t& quotes, uint32_t& backslashes) {
#ifdef __AVX2__
  __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), v);
  quotes = uint32_t(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('"'))));
  backslashes = uint32_t(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\'))));
#else
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
#endif
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

// parse_number's result (tag 0 and the error_kind in `bits` for an error) returned by value:
// the fast path's number then never shares a stack slot whose address parse_number was given.
// (parse_number itself returning by value, from number.cc, measured slower: canada's stage 2,
// 1490 -> 1595 us.)
[[gnu::noinline]] parsed_number parse_by_value(const uint8_t* begin, const uint8_t* end) {
  parsed_number num;
  if (error_kind e = parse_number(begin, end, num); e != error_kind::none) {
    return {.tag = 0, .bits = static_cast<uint64_t>(e), .end = begin};
  }
  return num;
}

// The cursors of one stage-2 walk and the steps that advance them. A walker lives in a local
// variable and every step is inlined, so the cursors stay in registers: stores through `out`
// (uint64_t) cannot alias them, as they could alias members of a heap object.
struct walker {
  const uint8_t* buf;     // the input
  const uint8_t* end;     // one past its last byte
  const uint32_t* first;  // stage 1's first offset
  const uint32_t* next;   // the offset of the next structural
  const uint32_t* last;   // one past the last offset
  uint64_t* tape;         // the tape
  uint64_t* out;          // the next tape word
  char* strings;          // the string buffer
  char* text;             // its next free byte
  uint64_t* frames;       // open containers: tape index of the open word | kInObject | count
  uint64_t* top;          // one past the innermost open container
  uint64_t* frames_end;   // frames + max_depth

  [[gnu::always_inline]] uint8_t peek() const { return next < last ? buf[*next] : 0; }
  [[gnu::always_inline]] size_t offset() const { return next < last ? *next : end - buf; }
  [[gnu::always_inline]] bool at_end() const { return next == last; }
  // Whether the structural before the cursor is a comma (for telling trailing commas apart).
  bool after_comma() const { return next != first && buf[next[-1]] == ','; }
  [[gnu::always_inline]] bool terminated(const uint8_t* p) const {
    return p == end || kTerminators.t[*p];
  }
  [[gnu::always_inline]] uint32_t index() const { return static_cast<uint32_t>(out - tape); }

  // A frame: the tape index of the container's open word in the low 32 bits, kInObject for
  // objects, and the count of values so far in units of kCountOne.
  static constexpr uint64_t kInObject = uint64_t{1} << 32;
  static constexpr int kCountShift = 33;
  static constexpr uint64_t kCountOne = uint64_t{1} << kCountShift;

  // Opens a container at the cursor; false when that would exceed the depth limit.
  [[gnu::always_inline]] bool open(char tag) {
    if (top == frames_end) return false;
    *top++ = index() | (tag == '{' ? kInObject : 0);
    *out++ = make_word(tag, 0);
    ++next;
    return true;
  }

  // Closes the innermost container at the cursor, patching its open word.
  [[gnu::always_inline]] void close(char tag) {
    uint64_t f = *--top;
    uint32_t open = static_cast<uint32_t>(f);
    uint64_t count = std::min<uint64_t>(f >> kCountShift, kMaxCount);
    tape[open] = make_word(tape[open] >> kTagShift, (index() + 1) | count << 32);
    *out++ = make_word(tag, open);
    ++next;
  }

  // Copies the string at the cursor (quotes excluded, escapes decoded) into the string buffer.
  // Stage 1 guarantees a closing quote, valid UTF-8 and no control characters.
  [[gnu::always_inline]] error_kind string() {
    const uint8_t* src = buf + *next + 1;
    char* dst = text + sizeof(uint32_t);
    uint64_t clean = kCleanString;
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
      unescaped u = escape(src, dst, end);
      if (u.read == 0) return static_cast<error_kind>(u.written);
      src += u.read;
      dst += u.written;
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

  // The number at the cursor: the common forms inline (fast_number.h), the rest by
  // parse_number (number.h), with the raw text stored like a string when asked for.
  [[gnu::always_inline]] error_kind number_at(bool keep_text) {
    const uint8_t* begin = buf + *next;
    if (parsed_number num; !keep_text && fast_number(begin, end, num) && terminated(num.end)) {
      put_number(num, 0);
      return error_kind::none;
    }
    parsed_number slow = parse_by_value(begin, end);
    if (slow.tag == 0) return static_cast<error_kind>(slow.bits);
    if (!terminated(slow.end)) return error_kind::invalid_number;
    uint64_t payload = 0;
    if (keep_text) {
      char* bytes = text + sizeof(uint32_t);
      std::memcpy(bytes, begin, slow.end - begin);
      payload = 1 + seal_text(bytes + (slow.end - begin));
    }
    put_number(slow, payload);
    return error_kind::none;
  }

  // Writes the two tape words of a number.
  [[gnu::always_inline]] void put_number(const parsed_number& num, uint64_t payload) {
    *out++ = make_word(num.tag, payload);
    *out++ = num.bits;
  }

  // The literal `word` (n bytes) at the cursor, written as `tag`.
  [[gnu::always_inline]] error_kind literal(const char* word, size_t n, char tag) {
    const uint8_t* p = buf + *next;
    if (static_cast<size_t>(end - p) < n || std::memcmp(p, word, n) != 0 || !terminated(p + n)) {
      return error_kind::invalid_literal;
    }
    *out++ = make_word(tag, 0);
    return error_kind::none;
  }

  // A value at the cursor (which does not move) that is not a string, number or container:
  // true, false or null, else the error for what is there.
  [[gnu::always_inline]] error_kind literal_at(uint8_t c) {
    switch (c) {
      case 't':
        return literal("true", 4, 't');
      case 'f':
        return literal("false", 5, 'f');
      case 'n':
        return literal("null", 4, 'n');
      case '+':
      case '.':
        return error_kind::invalid_number;
      default:
        return (c | 0x20) >= 'a' && (c | 0x20) <= 'z' ? error_kind::invalid_literal
                                                      : error_kind::unexpected_character;
    }
  }

  // What escape() did: bytes read from the input and written out; read == 0 on error, with the
  // error_kind in `written`. (Advancing the string cursors through references instead measured
  // slower even inlined: twitter's stage 2, 91 -> 99 us.)
  struct unescaped {
    uint32_t read;
    uint32_t written;
  };
  // Decodes the escape at src (a backslash) into dst. Inlined although rare: the registers a
  // call may clobber would have to be saved around every string, and the string buffer's
  // cursor spilled (twitter's stage 2 took 105 us with a call, 93 without).
  [[gnu::always_inline]] static unescaped escape(const uint8_t* src, char* dst, const uint8_t* end);
};

inline walker::unescaped walker::escape(const uint8_t* src, char* dst, const uint8_t* end) {
  auto fail = [](error_kind e) { return unescaped{0, static_cast<uint32_t>(e)}; };
  if (src[1] != 'u') {
    char c = kEscapes.decoded[src[1]];
    if (c == 0) return fail(error_kind::invalid_escape);
    *dst = c;
    return {2, 1};
  }
  int32_t cp = end - src >= 6 ? hex4(src + 2) : -1;
  if (cp < 0) return fail(error_kind::invalid_escape);
  uint32_t read = 6;
  if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(error_kind::lone_surrogate);
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    const uint8_t* next = src + 6;
    int32_t low = end - next >= 6 && next[0] == '\\' && next[1] == 'u' ? hex4(next + 2) : -1;
    if (low < 0xDC00 || low > 0xDFFF) return fail(error_kind::lone_surrogate);
    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    read = 12;
  }
  return {read, static_cast<uint32_t>(put_utf8(dst, static_cast<uint32_t>(cp)) - dst)};
}

// The state machine: `value` parses one value at the cursor, `after_value` decides what may
// follow it given the innermost open container.
stage2_result walk(walker w, bool keep_text) {
  error_kind e;
value:
  // Strings and numbers first, by conditional branches (they predict better than the switch's
  // indirect jump).
  if (uint8_t c = w.peek(); c == '"' || c == '-' || uint8_t(c - '0') < 10) {
    if ((e = c == '"' ? w.string() : w.number_at(keep_text)) != error_kind::none) goto failed;
    ++w.next;
    goto after_value;
  }
  switch (uint8_t c = w.peek()) {
    case '{':
      if (!w.open('{')) goto depth_exceeded;
      if (w.peek() == '}') {
        w.close('}');
        goto after_value;
      }
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
      e = w.after_comma() ? error_kind::trailing_comma : error_kind::unexpected_character;
      goto failed;
    default:
      if (c == 0 && w.at_end()) {
        e = error_kind::unexpected_end;
        goto failed;
      }
      if ((e = w.literal_at(c)) != error_kind::none) goto failed;
      ++w.next;
      goto after_value;
  }
key:
  if (w.peek() != '"') {
    e = w.peek() == '}' && w.after_comma() ? error_kind::trailing_comma
        : w.at_end()                       ? error_kind::unexpected_end
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
  goto value;
after_value:
  if (w.top == w.frames) {
    if (!w.at_end()) {
      e = error_kind::trailing_content;
      goto failed;
    }
    return {.tape_size = w.index()};
  }
  {
    uint64_t frame = w.top[-1] += walker::kCountOne;
    uint8_t c = w.peek();
    if (frame & walker::kInObject) {
      if (c == ',') {
        ++w.next;
        goto key;
      }
      if (c == '}') {
        w.close('}');
        goto after_value;
      }
    } else {
      if (c == ',') {
        ++w.next;
        goto value;
      }
      if (c == ']') {
        w.close(']');
        goto after_value;
      }
    }
    e = w.at_end() ? error_kind::unexpected_end : error_kind::unexpected_character;
    goto failed;
  }
depth_exceeded:
  e = error_kind::depth_exceeded;
failed:
  return {.error = e, .offset = w.offset()};
}

// The entry point each kernel exports.
inline stage2_result run_stage2(const stage2_state& s) {
  walker w{.buf = s.buf,
           .end = s.end,
           .first = s.first,
           .next = s.first,
           .last = s.last,
           .tape = s.tape,
           .out = s.tape,
           .strings = s.strings,
           .text = s.strings,
           .frames = s.frames,
           .top = s.frames,
           .frames_end = s.frames_end};
  return walk(w, s.keep_number_text);
}

}  // namespace
}  // namespace cachet::json::detail
