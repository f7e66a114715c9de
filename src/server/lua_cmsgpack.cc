// Redis's cmsgpack library; the contract is in lua_cmsgpack.h. Every step uses the same Lua API
// calls as Redis's (lua_next order, lua_objlen, lua_settable, luaL_checkstack) so that key
// order, stack limits and error texts come out the same.
#include "server/lua_cmsgpack.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <lua.hpp>
#include <string>
#include <string_view>

namespace cachet::server {

namespace {

// Tables deeper than this pack as nil.
constexpr int kMaxNesting = 16;

// ---------------------------------------------------------------------------------------------
// Encoding

void put_big_endian(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}

void put_tagged(std::string& out, uint8_t tag, uint64_t v, int bytes) {
  out.push_back(static_cast<char>(tag));
  put_big_endian(out, v, bytes);
}

void encode_string(std::string& out, std::string_view s) {
  if (s.size() < 32) {
    out.push_back(static_cast<char>(0xa0 | s.size()));
  } else if (s.size() <= 0xff) {
    put_tagged(out, 0xd9, s.size(), 1);
  } else if (s.size() <= 0xffff) {
    put_tagged(out, 0xda, s.size(), 2);
  } else {
    put_tagged(out, 0xdb, s.size(), 4);
  }
  out.append(s);
}

// An array or map header: `fix | n` up to 15 entries, else `wide` (16-bit) or `wide + 1`.
void encode_count(std::string& out, size_t n, uint8_t fix, uint8_t wide) {
  if (n <= 15) {
    out.push_back(static_cast<char>(fix | n));
  } else if (n <= 0xffff) {
    put_tagged(out, wide, n, 2);
  } else {
    put_tagged(out, wide + 1, n, 4);
  }
}

void encode_int(std::string& out, int64_t n) {
  auto u = static_cast<uint64_t>(n);
  if (n >= 0) {
    if (n <= 127) {
      out.push_back(static_cast<char>(n));
    } else if (n <= 0xff) {
      put_tagged(out, 0xcc, u, 1);
    } else if (n <= 0xffff) {
      put_tagged(out, 0xcd, u, 2);
    } else if (n <= 0xffffffffLL) {
      put_tagged(out, 0xce, u, 4);
    } else {
      put_tagged(out, 0xcf, u, 8);
    }
  } else if (n >= -32) {
    out.push_back(static_cast<char>(n));
  } else if (n >= INT8_MIN) {
    put_tagged(out, 0xd0, u, 1);
  } else if (n >= INT16_MIN) {
    put_tagged(out, 0xd1, u, 2);
  } else if (n >= INT32_MIN) {
    put_tagged(out, 0xd2, u, 4);
  } else {
    put_tagged(out, 0xd3, u, 8);
  }
}

// True when `x` converts to int64 exactly (Redis's IS_INT64_EQUIVALENT without the UB).
bool is_int64(double x) {
  constexpr double kTwo63 = 9223372036854775808.0;
  return x >= -kTwo63 && x < kTwo63 && std::trunc(x) == x;
}

void encode_number(std::string& out, lua_Number d) {
  if (is_int64(d)) return encode_int(out, static_cast<int64_t>(d));
  auto f = static_cast<float>(d);
  if (static_cast<double>(f) == d) {
    put_tagged(out, 0xca, std::bit_cast<uint32_t>(f), 4);
  } else {
    put_tagged(out, 0xcb, std::bit_cast<uint64_t>(d), 8);
  }
}

// True when the keys of the table on top are exactly 1..n (an empty table included).
bool is_array(lua_State* L) {
  long count = 0;
  long max = 0;
  int top = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    lua_Number n = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : 0;
    // Redis's test: a positive number that converts to an int exactly.
    if (!(n > 0 && n < 2147483648.0 && std::trunc(n) == n)) {
      lua_settop(L, top);
      return false;
    }
    max = std::max(max, static_cast<long>(n));
    ++count;
  }
  lua_settop(L, top);
  return max == count;
}

void encode_value(lua_State* L, std::string& out, int level);

void encode_table(lua_State* L, std::string& out, int level) {
  if (is_array(L)) {
    size_t len = lua_objlen(L, -1);
    encode_count(out, len, 0x90, 0xdc);
    luaL_checkstack(L, 1, "in function mp_encode_lua_table_as_array");
    for (size_t i = 1; i <= len; ++i) {
      lua_pushnumber(L, static_cast<lua_Number>(i));
      lua_gettable(L, -2);
      encode_value(L, out, level + 1);
    }
    return;
  }
  luaL_checkstack(L, 3, "in function mp_encode_lua_table_as_map");
  size_t len = 0;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    ++len;
  }
  encode_count(out, len, 0x80, 0xde);
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pushvalue(L, -2);
    encode_value(L, out, level + 1);  // the key's copy
    encode_value(L, out, level + 1);  // the value
  }
}

// Appends the encoding of the value on top of the stack and pops it.
void encode_value(lua_State* L, std::string& out, int level) {
  int type = lua_type(L, -1);
  if (type == LUA_TTABLE && level == kMaxNesting) type = LUA_TNIL;
  switch (type) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      encode_string(out, {s, len});
      break;
    }
    case LUA_TBOOLEAN:
      out.push_back(static_cast<char>(lua_toboolean(L, -1) ? 0xc3 : 0xc2));
      break;
    case LUA_TNUMBER:
      encode_number(out, lua_tonumber(L, -1));
      break;
    case LUA_TTABLE:
      encode_table(L, out, level);
      break;
    default:
      out.push_back(static_cast<char>(0xc0));
  }
  lua_pop(L, 1);
}

int pack(lua_State* L) {
  int nargs = lua_gettop(L);
  if (nargs == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  if (lua_checkstack(L, nargs) == 0) {
    return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
  }
  std::string out;
  for (int i = 1; i <= nargs; ++i) {
    luaL_checkstack(L, 1, "in function mp_check");
    lua_pushvalue(L, i);
    encode_value(L, out, 0);
  }
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}

// ---------------------------------------------------------------------------------------------
// Decoding

enum class DecodeError { kNone, kMissingBytes, kBadFormat };

struct Cursor {
  const unsigned char* p;
  size_t left;
  DecodeError err = DecodeError::kNone;

  // False (and kMissingBytes) when fewer than n bytes are left.
  bool need(size_t n) {
    if (left >= n) return true;
    err = DecodeError::kMissingBytes;
    return false;
  }
  void skip(size_t n) {
    p += n;
    left -= n;
  }
  // The big-endian unsigned integer of `bytes` bytes after the tag byte.
  uint64_t operand(int bytes) const {
    uint64_t v = 0;
    for (int i = 1; i <= bytes; ++i) v = (v << 8) | p[i];
    return v;
  }
};

void decode_value(lua_State* L, Cursor& c);

void decode_array(lua_State* L, Cursor& c, uint64_t len) {
  lua_newtable(L);
  luaL_checkstack(L, 1, "in function mp_decode_to_lua_array");
  for (uint64_t i = 1; i <= len; ++i) {
    lua_pushnumber(L, static_cast<lua_Number>(i));
    decode_value(L, c);
    if (c.err != DecodeError::kNone) return;
    lua_settable(L, -3);
  }
}

void decode_map(lua_State* L, Cursor& c, uint64_t len) {
  lua_newtable(L);
  for (uint64_t i = 0; i < len; ++i) {
    decode_value(L, c);
    if (c.err != DecodeError::kNone) return;
    decode_value(L, c);
    if (c.err != DecodeError::kNone) return;
    lua_settable(L, -3);
  }
}

// An integer of `bytes` bytes after the tag; `is_signed` sign-extends it. uint64 wraps to int64.
void decode_int(lua_State* L, Cursor& c, int bytes, bool is_signed) {
  if (!c.need(1 + bytes)) return;
  uint64_t v = c.operand(bytes);
  int shift = 64 - 8 * bytes;
  auto n = is_signed ? static_cast<int64_t>(v << shift) >> shift : static_cast<int64_t>(v);
  lua_pushnumber(L, static_cast<lua_Number>(n));
  c.skip(1 + bytes);
}

// A string whose length takes `bytes` bytes after the tag (0: the length is in `fix_len`).
void decode_string(lua_State* L, Cursor& c, int bytes, size_t fix_len = 0) {
  if (!c.need(1 + bytes)) return;
  size_t len = bytes == 0 ? fix_len : c.operand(bytes);
  if (!c.need(1 + bytes + len)) return;
  lua_pushlstring(L, reinterpret_cast<const char*>(c.p + 1 + bytes), len);
  c.skip(1 + bytes + len);
}

// An array or map whose count takes `bytes` bytes after the tag.
void decode_container(lua_State* L, Cursor& c, int bytes, bool is_map) {
  if (!c.need(1 + bytes)) return;
  uint64_t len = c.operand(bytes);
  c.skip(1 + bytes);
  is_map ? decode_map(L, c, len) : decode_array(L, c, len);
}

void decode_fixed(lua_State* L, Cursor& c, uint8_t tag) {
  if ((tag & 0x80) == 0) {
    lua_pushnumber(L, tag);
  } else if ((tag & 0xe0) == 0xe0) {
    lua_pushnumber(L, static_cast<int8_t>(tag));
  } else if ((tag & 0xe0) == 0xa0) {
    return decode_string(L, c, 0, tag & 0x1f);
  } else if ((tag & 0xf0) == 0x90 || (tag & 0xf0) == 0x80) {
    c.skip(1);
    return (tag & 0xf0) == 0x80 ? decode_map(L, c, tag & 0x0f) : decode_array(L, c, tag & 0x0f);
  } else {
    c.err = DecodeError::kBadFormat;
    return;
  }
  c.skip(1);
}

void decode_float(lua_State* L, Cursor& c, bool is_double) {
  int bytes = is_double ? 8 : 4;
  if (!c.need(1 + bytes)) return;
  uint64_t v = c.operand(bytes);
  lua_pushnumber(
      L, is_double ? std::bit_cast<double>(v) : std::bit_cast<float>(static_cast<uint32_t>(v)));
  c.skip(1 + bytes);
}

void decode_constant(lua_State* L, Cursor& c, uint8_t tag) {
  if (tag == 0xc0) {
    lua_pushnil(L);
  } else {
    lua_pushboolean(L, tag == 0xc3);
  }
  c.skip(1);
}

// Pushes the next value (on success) and advances the cursor; on failure sets c.err.
void decode_value(lua_State* L, Cursor& c) {
  if (!c.need(1)) return;
  luaL_checkstack(L, 1, "too many return values at once; use unpack_one or unpack_limit instead.");
  uint8_t tag = c.p[0];
  switch (tag) {
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf:
      return decode_int(L, c, 1 << (tag - 0xcc), false);
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3:
      return decode_int(L, c, 1 << (tag - 0xd0), true);
    case 0xc0:
    case 0xc2:
    case 0xc3:
      return decode_constant(L, c, tag);
    case 0xca:
    case 0xcb:
      return decode_float(L, c, tag == 0xcb);
    case 0xd9:
    case 0xda:
    case 0xdb:
      return decode_string(L, c, 1 << (tag - 0xd9));
    case 0xdc:
    case 0xdd:
      return decode_container(L, c, 2 << (tag - 0xdc), false);
    case 0xde:
    case 0xdf:
      return decode_container(L, c, 2 << (tag - 0xde), true);
    default:
      return decode_fixed(L, c, tag);
  }
}

// Redis's mp_unpack_full: `limit` and `offset` both 0 decode everything and return no offset.
int unpack_full(lua_State* L, int limit, int offset) {
  size_t len = 0;
  const char* s = luaL_checklstring(L, 1, &len);
  bool decode_all = limit == 0 && offset == 0;
  if (offset < 0 || limit < 0) {
    // Redis prints the input length where it means the limit.
    return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.", offset,
                      static_cast<int>(len));
  }
  if (static_cast<size_t>(offset) > len) {
    return luaL_error(L, "Start offset %d greater than input length %d.", offset,
                      static_cast<int>(len));
  }
  if (decode_all) limit = INT_MAX;
  Cursor c{reinterpret_cast<const unsigned char*>(s) + offset, len - offset};
  int count = 0;
  for (; c.left > 0 && count < limit; ++count) {
    decode_value(L, c);
    if (c.err == DecodeError::kMissingBytes) return luaL_error(L, "Missing bytes in input.");
    if (c.err == DecodeError::kBadFormat) return luaL_error(L, "Bad data format in input.");
  }
  if (decode_all) return count;
  if (lua_checkstack(L, 1) == 0) {
    return luaL_error(L, "Too many return values at once; use unpack_one or unpack_limit instead.");
  }
  lua_pushinteger(L, c.left == 0 ? -1 : static_cast<lua_Integer>(len - c.left));
  lua_insert(L, 2);
  return count + 1;
}

int unpack(lua_State* L) { return unpack_full(L, 0, 0); }

int unpack_one(lua_State* L) {
  auto offset = static_cast<int>(luaL_optinteger(L, 2, 0));
  lua_settop(L, std::min(lua_gettop(L), 1));
  return unpack_full(L, 1, offset);
}

int unpack_limit(lua_State* L) {
  auto limit = static_cast<int>(luaL_checkinteger(L, 2));
  auto offset = static_cast<int>(luaL_optinteger(L, 3, 0));
  lua_settop(L, 1);
  return unpack_full(L, limit, offset);
}

constexpr luaL_Reg kFunctions[] = {{"pack", pack},
                                   {"unpack", unpack},
                                   {"unpack_one", unpack_one},
                                   {"unpack_limit", unpack_limit},
                                   {nullptr, nullptr}};

}  // namespace

int open_cmsgpack(lua_State* L) {
  lua_newtable(L);
  luaL_register(L, nullptr, kFunctions);
  for (auto [field, text] : {std::pair{"_NAME", "cmsgpack"},
                             {"_VERSION", "lua-cmsgpack 0.4.0"},
                             {"_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo"},
                             {"_DESCRIPTION", "MessagePack C implementation for Lua"}}) {
    lua_pushstring(L, text);
    lua_setfield(L, -2, field);
  }
  lua_pushvalue(L, -1);
  lua_setglobal(L, "cmsgpack");
  return 1;
}

}  // namespace cachet::server
