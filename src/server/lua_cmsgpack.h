// Redis's `cmsgpack` Lua library (MessagePack), written for cachet to behave byte for byte as
// the lua-cmsgpack 0.4.0 that Redis 7.0 embeds:
//   cmsgpack.pack(v1, v2, ...)          -> the encodings of each value, concatenated
//   cmsgpack.unpack(s)                  -> every value in s
//   cmsgpack.unpack_one(s [, offset])   -> next offset (-1 at the end), one value
//   cmsgpack.unpack_limit(s, n [, off]) -> next offset (-1 at the end), up to n values
// Encoding: a number that is an int64 packs as the smallest int form, else as float32 when that
// is exact, else float64; strings use fixstr/str8/str16/str32; a table with keys exactly 1..n
// is an array, any other table a map; tables nested 16 deep pack as nil, as do functions and
// userdata. Decoding: uint64 values wrap to int64 (as Redis's do), bin and ext types are "Bad
// data format in input.", truncated input is "Missing bytes in input.".
#pragma once

struct lua_State;

namespace cachet::server {

// A lua_CFunction: pushes the library table and also sets it as the global `cmsgpack` (the
// Lua 5.1 convention). Returns 1.
int open_cmsgpack(lua_State* L);

}  // namespace cachet::server
