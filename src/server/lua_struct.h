// Redis's `struct` Lua library (Roberto Ierusalimschy's struct 0.2 with Redis's bounds checks),
// written for cachet to behave byte for byte as Redis 7.0's on x86-64:
//   struct.pack(fmt, ...) -> string     struct.unpack(fmt, s [, i]) -> values..., next position
//   struct.size(fmt)      -> bytes
// Format letters: '>' big endian, '<' little endian, '!n' max alignment n (default 8), ' '
// ignored, 'x' one zero byte, b/B char, h/H short, l/L long, T size_t, i/In I/In integer of
// n bytes (default 4, at most 32), f float, d double, 'cn' n chars (c0: the string's length on
// pack, the previous result on unpack), s zero-terminated string. Lower case is signed.
// Integers wider than 8 bytes carry only the low 64 bits, as Redis's do.
#pragma once

struct lua_State;

namespace cachet::server {

// A lua_CFunction: pushes the library table and also sets it as the global `struct`. Returns 1.
int open_struct(lua_State* L);

}  // namespace cachet::server
