// Redis's struct library; the contract is in lua_struct.h. Conversions that are undefined in C
// (a double out of an integer's range, shifts by 64 or more) are spelled out here as x86-64
// executes Redis's code, so the bytes match Redis's on that platform.
#include "server/lua_struct.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <lua.hpp>
#include <string>

namespace cachet::server {

namespace {

constexpr int kMaxIntSize = 32;
// The default for '!': the alignment of a double.
constexpr int kMaxAlign = 8;

struct Header {
  bool little = std::endian::native == std::endian::little;
  int align = 1;
};

// The decimal count at *fmt (advancing past it), or `fallback` when there is none.
int read_count(lua_State* L, const char** fmt, int fallback) {
  if (std::isdigit(static_cast<unsigned char>(**fmt)) == 0) return fallback;
  int a = 0;
  do {
    int digit = *(*fmt)++ - '0';
    if (a > INT_MAX / 10 || a * 10 > INT_MAX - digit) luaL_error(L, "integral size overflow");
    a = a * 10 + digit;
  } while (std::isdigit(static_cast<unsigned char>(**fmt)) != 0);
  return a;
}

// The size of option `opt` (reading its count from *fmt); 0 for options without data.
size_t option_size(lua_State* L, char opt, const char** fmt) {
  switch (opt) {
    case 'B':
    case 'b':
      return sizeof(char);
    case 'H':
    case 'h':
      return sizeof(short);
    case 'L':
    case 'l':
      return sizeof(long);
    case 'T':
      return sizeof(size_t);
    case 'f':
      return sizeof(float);
    case 'd':
      return sizeof(double);
    case 'x':
      return 1;
    case 'c':
      return read_count(L, fmt, 1);
    case 'i':
    case 'I': {
      int size = read_count(L, fmt, sizeof(int));
      if (size > kMaxIntSize) {
        luaL_error(L, "integral size %d is larger than limit of %d", size, kMaxIntSize);
      }
      return size;
    }
    default:
      return 0;
  }
}

struct Item {
  char opt;
  size_t size;
};

// The format item at *fmt, advancing past its letter and count.
Item next_item(lua_State* L, const char** fmt) {
  char opt = *(*fmt)++;
  return {opt, option_size(L, opt, fmt)};
}

// Zero bytes to insert at `pos` before an item of `size` bytes.
size_t padding(size_t pos, const Header& h, char opt, size_t size) {
  if (size == 0 || opt == 'c') return 0;
  size = std::min(size, static_cast<size_t>(h.align));
  return (size - (pos & (size - 1))) & (size - 1);
}

// Applies a control option ('>', '<', '!n', ' '); anything else is an argument error.
void apply_control(lua_State* L, char opt, const char** fmt, Header& h) {
  switch (opt) {
    case ' ':
      return;
    case '>':
      h.little = false;
      return;
    case '<':
      h.little = true;
      return;
    case '!': {
      int a = read_count(L, fmt, kMaxAlign);
      if (a <= 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
      h.align = a;
      return;
    }
    default:
      luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
  }
}

// x86-64's double -> int64 (cvttsd2si): out of range and NaN give INT64_MIN.
uint64_t truncate_signed(double n) {
  constexpr double kTwo63 = 9223372036854775808.0;
  if (!(n >= -kTwo63 && n < kTwo63)) return uint64_t{1} << 63;
  return static_cast<uint64_t>(static_cast<int64_t>(n));
}

// gcc's double -> uint64 on x86-64: below 2^63 (and NaN) as int64, else int64(n - 2^63)
// with bit 63 flipped, which makes 2^64 and above 0.
uint64_t truncate_unsigned(double n) {
  constexpr double kTwo63 = 9223372036854775808.0;
  if (!(n >= kTwo63)) return truncate_signed(n);
  return truncate_signed(n - kTwo63) ^ (uint64_t{1} << 63);
}

void put_integer(lua_State* L, luaL_Buffer* out, int arg, bool little, size_t size) {
  lua_Number n = luaL_checknumber(L, arg);
  uint64_t value = n < 0 ? truncate_signed(n) : truncate_unsigned(n);
  char buf[kMaxIntSize];
  for (size_t i = 0; i < size; ++i) {
    buf[little ? i : size - 1 - i] = static_cast<char>(value & 0xff);
    value = i < 7 ? value >> 8 : 0;
  }
  luaL_addlstring(out, buf, size);
}

// The integer of `size` bytes at p. Only the last 64 bits read survive, and the sign mask is
// shifted by (8 * size - 1) mod 64, as x86 shifts.
lua_Number get_integer(const char* p, bool little, bool is_signed, size_t size) {
  uint64_t l = 0;
  for (size_t i = 0; i < size; ++i) {
    l = (l << 8) | static_cast<unsigned char>(p[little ? size - 1 - i : i]);
  }
  if (!is_signed) return static_cast<lua_Number>(l);
  uint64_t mask = ~uint64_t{0} << ((size * 8 - 1) & 63);
  if ((l & mask) != 0) l |= mask;
  return static_cast<lua_Number>(static_cast<int64_t>(l));
}

// Appends the `size` bytes of a float or double in the requested byte order.
template <typename T>
void put_float(luaL_Buffer* out, T v, bool little) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  if (little != (std::endian::native == std::endian::little)) std::reverse(buf, buf + sizeof(T));
  luaL_addlstring(out, buf, sizeof(T));
}

template <typename T>
T get_float(const char* p, bool little) {
  char buf[sizeof(T)];
  std::memcpy(buf, p, sizeof(T));
  if (little != (std::endian::native == std::endian::little)) std::reverse(buf, buf + sizeof(T));
  T v;
  std::memcpy(&v, buf, sizeof(T));
  return v;
}

bool is_integer_option(char opt) { return std::strchr("bBhHlLTiI", opt) != nullptr; }

// 'c' and 's' on pack; returns the bytes written. Redis names the argument after the string in
// its "string too short" error.
size_t put_chars(lua_State* L, luaL_Buffer* out, int& arg, char opt, size_t size) {
  size_t len = 0;
  const char* s = luaL_checklstring(L, arg++, &len);
  if (size == 0) size = len;
  luaL_argcheck(L, len >= size, arg, "string too short");
  luaL_addlstring(out, s, size);
  if (opt == 's') {
    luaL_addchar(out, '\0');
    ++size;
  }
  return size;
}

// Builds the result in a luaL_Buffer above a nil, as Redis's does: an option reading past the
// last argument meets that nil (or a buffer chunk) rather than no value.
int pack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Header h;
  int arg = 2;
  size_t total = 0;
  lua_pushnil(L);
  luaL_Buffer out;
  luaL_buffinit(L, &out);
  while (*fmt != '\0') {
    auto [opt, size] = next_item(L, &fmt);
    size_t pad = padding(total, h, opt, size);
    total += pad;
    for (; pad > 0; --pad) luaL_addchar(&out, '\0');
    if (is_integer_option(opt)) {
      put_integer(L, &out, arg++, h.little, size);
    } else if (opt == 'x') {
      luaL_addchar(&out, '\0');
    } else if (opt == 'f') {
      put_float(&out, static_cast<float>(luaL_checknumber(L, arg++)), h.little);
    } else if (opt == 'd') {
      put_float(&out, static_cast<double>(luaL_checknumber(L, arg++)), h.little);
    } else if (opt == 'c' || opt == 's') {
      size = put_chars(L, &out, arg, opt, size);
    } else {
      apply_control(L, opt, &fmt, h);
    }
    total += size;
  }
  luaL_pushresult(&out);
  return 1;
}

// 'c' on unpack: c0 takes its length from the previous result, which it replaces. Returns the
// bytes consumed.
size_t get_chars(lua_State* L, const char* data, size_t len, size_t pos, size_t size, int& n) {
  if (size == 0) {
    if (n == 0 || lua_isnumber(L, -1) == 0) luaL_error(L, "format 'c0' needs a previous size");
    size = static_cast<size_t>(truncate_unsigned(lua_tonumber(L, -1)));
    lua_pop(L, 1);
    --n;
    luaL_argcheck(L, size <= len && pos <= len - size, 2, "data string too short");
  }
  lua_pushlstring(L, data + pos, size);
  ++n;
  return size;
}

// 's' on unpack: returns the bytes consumed, the terminating zero included.
size_t get_zstring(lua_State* L, const char* data, size_t len, size_t pos, int& n) {
  const auto* end = static_cast<const char*>(std::memchr(data + pos, '\0', len - pos));
  if (end == nullptr) luaL_error(L, "unfinished string in data");
  size_t size = end - (data + pos) + 1;
  lua_pushlstring(L, data + pos, size - 1);
  ++n;
  return size;
}

int unpack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  size_t len = 0;
  const char* data = luaL_checklstring(L, 2, &len);
  // As Redis's: a negative offset wraps around and is then "data string too short".
  auto pos = static_cast<size_t>(luaL_optinteger(L, 3, 1));
  luaL_argcheck(L, pos > 0, 3, "offset must be 1 or greater");
  --pos;
  Header h;
  int n = 0;
  while (*fmt != '\0') {
    auto [opt, size] = next_item(L, &fmt);
    pos += padding(pos, h, opt, size);
    luaL_argcheck(L, size <= len && pos <= len - size, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    if (is_integer_option(opt)) {
      lua_pushnumber(L, get_integer(data + pos, h.little, std::islower(opt) != 0, size));
      ++n;
    } else if (opt == 'f') {
      lua_pushnumber(L, get_float<float>(data + pos, h.little));
      ++n;
    } else if (opt == 'd') {
      lua_pushnumber(L, get_float<double>(data + pos, h.little));
      ++n;
    } else if (opt == 'c') {
      size = get_chars(L, data, len, pos, size, n);
    } else if (opt == 's') {
      size = get_zstring(L, data, len, pos, n);
    } else if (opt != 'x') {
      apply_control(L, opt, &fmt, h);
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos + 1));
  return n + 1;
}

int size(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Header h;
  size_t pos = 0;
  while (*fmt != '\0') {
    auto [opt, size] = next_item(L, &fmt);
    pos += padding(pos, h, opt, size);
    if (opt == 's') {
      luaL_argerror(L, 1, "option 's' has no fixed size");
    } else if (opt == 'c' && size == 0) {
      luaL_argerror(L, 1, "option 'c0' has no fixed size");
    }
    if (std::isalnum(static_cast<unsigned char>(opt)) == 0) apply_control(L, opt, &fmt, h);
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos));
  return 1;
}

constexpr luaL_Reg kFunctions[] = {
    {"pack", pack}, {"unpack", unpack}, {"size", size}, {nullptr, nullptr}};

}  // namespace

int open_struct(lua_State* L) {
  luaL_register(L, "struct", kFunctions);
  return 1;
}

}  // namespace cachet::server
