// libFuzzer target: the cmsgpack and struct Lua libraries (server/lua_cmsgpack.h,
// server/lua_struct.h) on arbitrary bytes. Checks: nothing crashes; whatever cmsgpack.unpack
// decodes packs again, and once a round has normalized it another unpack/pack round gives the
// same number of values and the same length (map order may change, content may not); where
// struct.unpack(fmt, data) and struct.size(fmt) both succeed, the size is the position unpack
// stopped at, less one. The input is the struct format, a newline, then the data, which cmsgpack
// also decodes whole.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <lua.hpp>
#include <string>

#include "server/lua_cmsgpack.h"
#include "server/lua_struct.h"

namespace {

constexpr const char* kChecks = R"(
local fmt, data = ...
local function packed(ok, ...)
  if not ok or select('#', ...) == 0 then return nil end
  return cmsgpack.pack(...), select('#', ...)
end
-- The first round drops what Redis drops (nil map values, tables past the nesting limit), and
-- a nil map key made that way does not decode; after a second round the bytes are stable.
local once = packed(pcall(cmsgpack.unpack, data))
local twice, count = packed(pcall(cmsgpack.unpack, once or ''))
local thrice, count2 = packed(pcall(cmsgpack.unpack, twice or ''))
if twice then
  assert(thrice and count2 == count and #thrice == #twice, 'cmsgpack round trip changed')
end
local r = {pcall(struct.unpack, fmt, data)}
local ok, size = pcall(struct.size, fmt)
if r[1] and ok then assert(size == r[#r] - 1, 'struct.size disagrees with unpack') end
pcall(struct.pack, fmt, 1, -2, 3.5, 'abc', 2^40, 'd', 7, 8)
)";

lua_State* make_state() {
  lua_State* L = luaL_newstate();
  luaL_openlibs(L);
  lua_pushcfunction(L, cachet::server::open_cmsgpack);
  lua_call(L, 0, 0);
  lua_pushcfunction(L, cachet::server::open_struct);
  lua_call(L, 0, 0);
  if (luaL_loadstring(L, kChecks) != 0) std::abort();
  lua_setglobal(L, "checks");
  return L;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static lua_State* L = make_state();
  std::string input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string fmt = input.substr(0, newline);
  std::string bytes = newline == std::string::npos ? input : input.substr(newline + 1);
  lua_getglobal(L, "checks");
  lua_pushlstring(L, fmt.data(), fmt.size());
  lua_pushlstring(L, bytes.data(), bytes.size());
  if (lua_pcall(L, 2, 0, 0) != 0) {
    std::string error = lua_tostring(L, -1);
    // Only the checks' own assertions are failures; stack exhaustion and the like are not.
    if (error.find("round trip") != std::string::npos ||
        error.find("disagrees") != std::string::npos) {
      std::abort();
    }
    lua_settop(L, 0);
  }
  lua_gc(L, LUA_GCCOLLECT, 0);
  return 0;
}
