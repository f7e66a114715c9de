// Lua scripting: script cache, per-thread sandboxed interpreters (EVAL and functions), redis.*
// API, library loading (redis.register_function), RESP <-> Lua conversions and the busy-script
// registry. The locking rule is in scripting.h, the library registry in functions.h.
#include "server/scripting.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <lua.hpp>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "server/args.h"
#include "server/lua_cmsgpack.h"
#include "server/lua_struct.h"
#include "server/session.h"
#include "store/store.h"

extern "C" {
int luaopen_cjson(lua_State* L);
int luaopen_bit(lua_State* L);
}

namespace cachet::server {

std::atomic<int> detail::g_busy_scripts{0};

// ---------------------------------------------------------------------------------------------
// SHA-1 (FIPS 180-4). Implemented here rather than taken from libcrypto: it is 40 lines, and
// OpenSSL 3 deprecates the one-call SHA1() in favour of the heavier EVP interface.

namespace {

uint32_t rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

void sha1_block(std::array<uint32_t, 5>& h, const unsigned char* p) {
  uint32_t w[80];
  for (int i = 0; i < 16; ++i) {
    w[i] = uint32_t{p[4 * i]} << 24 | uint32_t{p[4 * i + 1]} << 16 | uint32_t{p[4 * i + 2]} << 8 |
           uint32_t{p[4 * i + 3]};
  }
  for (int i = 16; i < 80; ++i) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for (int i = 0; i < 80; ++i) {
    uint32_t f, k;
    if (i < 20) {
      f = (b & c) | (~b & d), k = 0x5A827999;
    } else if (i < 40) {
      f = b ^ c ^ d, k = 0x6ED9EBA1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
    } else {
      f = b ^ c ^ d, k = 0xCA62C1D6;
    }
    uint32_t t = rotl(a, 5) + f + e + k + w[i];
    e = d, d = c, c = rotl(b, 30), b = a, a = t;
  }
  h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
}

}  // namespace

std::string sha1_hex(std::string_view data) {
  std::array<uint32_t, 5> h = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  size_t full = data.size() / 64 * 64;
  for (size_t i = 0; i < full; i += 64) {
    sha1_block(h, reinterpret_cast<const unsigned char*>(data.data() + i));
  }
  // The tail, a 1 bit, zeros and the bit length: one or two more blocks.
  unsigned char tail[128] = {};
  size_t rest = data.size() - full;
  std::memcpy(tail, data.data() + full, rest);
  tail[rest] = 0x80;
  size_t blocks = rest + 9 > 64 ? 2 : 1;
  uint64_t bits = uint64_t{data.size()} * 8;
  for (int i = 0; i < 8; ++i)
    tail[blocks * 64 - 1 - i] = static_cast<unsigned char>(bits >> (8 * i));
  for (size_t b = 0; b < blocks; ++b) sha1_block(h, tail + 64 * b);
  return fmt::format("{:08x}{:08x}{:08x}{:08x}{:08x}", h[0], h[1], h[2], h[3], h[4]);
}

// ---------------------------------------------------------------------------------------------
// The script cache: one per process, shared by every worker.

namespace {

constexpr size_t kEntryOverhead = 96;  // map node, control block, CachedScript, sha

struct Cache {
  std::mutex mutex;
  std::unordered_map<std::string, std::shared_ptr<const CachedScript>> scripts;  // by sha
  size_t bytes = 0;
  // Bumped by SCRIPT FLUSH: a thread whose interpreter is older rebuilds it.
  std::atomic<uint64_t> generation{0};
};

Cache& cache() {
  static Cache c;
  return c;
}

// The scripts this thread has run, so EVALSHA finds its script without the cache's mutex (two
// workers taking it for every call slept on it). Scripts leave the cache only by SCRIPT FLUSH,
// which bumps the generation: a thread seeing a newer one drops its copies.
struct LocalScripts {
  struct ShaHash {
    using is_transparent = void;
    size_t operator()(std::string_view sha) const { return std::hash<std::string_view>()(sha); }
  };
  uint64_t generation = 0;
  std::unordered_map<std::string, std::shared_ptr<const CachedScript>, ShaHash, std::equal_to<>>
      scripts;  // by lower-case sha
};

thread_local LocalScripts t_scripts;

// Parses `#!lua [flags=a,b]` into `flags`; returns Redis's error text, empty when valid. A body
// without a shebang gets no flags.
std::string parse_shebang(std::string_view body, uint32_t& flags) {
  flags = 0;
  if (!body.starts_with("#!")) return "";
  size_t eol = body.find('\n');
  if (eol == std::string_view::npos) return "ERR Invalid script shebang";
  flags = kScriptShebang;
  std::string_view line = body.substr(0, eol);
  bool first = true;
  while (!line.empty()) {
    size_t space = line.find(' ');
    std::string_view part = line.substr(0, space);
    line = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
    if (part.empty()) continue;
    if (std::exchange(first, false)) {
      if (part != "#!lua") return fmt::format("ERR Unexpected engine in script shebang: {}", part);
      continue;
    }
    if (!part.starts_with("flags=")) {
      return fmt::format("ERR Unknown lua shebang option: {}", part);
    }
    std::string_view list = part.substr(6);
    while (!list.empty()) {
      size_t comma = list.find(',');
      std::string_view flag = list.substr(0, comma);
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
      auto it = std::find_if(std::begin(kScriptFlagNames), std::end(kScriptFlagNames),
                             [&](const auto& f) { return f.name == flag; });
      if (it == std::end(kScriptFlagNames)) {
        return fmt::format("ERR Unexpected flag in script shebang: {}", flag);
      }
      flags |= it->flag;
    }
  }
  return "";
}

// What Lua compiles: the body with its shebang line blanked (the newline stays, so line numbers
// match the text the client sent).
std::string_view lua_code(const CachedScript& s) {
  std::string_view body = s.body;
  return (s.flags & kScriptShebang) ? body.substr(body.find('\n')) : body;
}

// ---------------------------------------------------------------------------------------------
// A running script and the registry of busy ones.

// What a run executes: a cached script (EVAL) or a library's function (FCALL).
struct Callee {
  std::string_view name;  // in error texts: the script's sha, or the function's name
  uint32_t flags;
  std::atomic<bool>& needs_full_lock;
  const CachedScript* script;  // EVAL
  const Library* library;      // FCALL
};

struct Run {
  Instance& instance;
  const Callee& callee;
  std::span<const std::string_view> command;  // the caller's EVAL/FCALL (FUNCTION STATS)
  lua_State* vm;    // the thread's interpreter (redis.call may run in a coroutine of it)
  Session session;  // the script's own client: the caller's db, authenticated, RESP per setresp
  int caller_db;
  std::span<const std::string_view> keys;
  bool read_only;
  bool full_lock;  // this attempt holds (or will hold) every shard
  int64_t start_ms;
  int64_t busy_after_ms;  // busy-reply-threshold; 0: never busy
  std::optional<store::TransactionLock> lock;
  bool locked = false;             // the lock is taken (or an enclosing EXEC holds everything)
  bool undeclared = false;         // abandoning this attempt: rerun under the full lock
  bool killed = false;             // SCRIPT KILL stopped it: raise until the script ends
  bool busy = false;               // registered in the busy list
  std::atomic<bool> wrote{false};  // ran a write command (read by SCRIPT KILL)
  std::atomic<bool> kill_requested{false};  // set by SCRIPT KILL
  Session* caller = nullptr;                // the client that ran EVAL/FCALL: its ACL user applies
  // Memory stayed over maxmemory after the call's eviction step (Redis's pre_command_oom_state):
  // commands that may grow memory are refused inside the script unless it allows OOM.
  bool over_maxmemory = false;
};

thread_local Run* t_run = nullptr;  // the script this thread runs, if any

std::mutex g_busy_mutex;
std::vector<Run*> g_busy_runs;  // guarded by g_busy_mutex

void mark_busy(Run& run) {
  std::lock_guard lock(g_busy_mutex);
  g_busy_runs.push_back(&run);
  run.busy = true;
  detail::g_busy_scripts.fetch_add(1, std::memory_order_relaxed);
}

void unmark_busy(Run& run) {
  if (!run.busy) return;
  std::lock_guard lock(g_busy_mutex);
  std::erase(g_busy_runs, &run);
  run.busy = false;
  detail::g_busy_scripts.fetch_sub(1, std::memory_order_relaxed);
}

// ---------------------------------------------------------------------------------------------
// Lua helpers. C functions called from Lua may raise (longjmp): each keeps C++ objects with
// destructors in a helper that returns before lua_error is called.

std::atomic<int64_t> g_eval_vm_bytes{0};
std::atomic<int64_t> g_function_vm_bytes{0};

// The allocator of every interpreter; `counter` is the byte count of its kind.
void* counting_alloc(void* counter, void* p, size_t old_size, size_t new_size) {
  static_cast<std::atomic<int64_t>*>(counter)->fetch_add(
      static_cast<int64_t>(new_size) - static_cast<int64_t>(p ? old_size : 0),
      std::memory_order_relaxed);
  if (new_size == 0) {
    std::free(p);
    return nullptr;
  }
  return std::realloc(p, new_size);
}

std::string_view to_view(lua_State* L, int index) {
  size_t len = 0;
  const char* s = lua_tolstring(L, index, &len);
  return s ? std::string_view(s, len) : std::string_view{};
}

void push(lua_State* L, std::string_view s) { lua_pushlstring(L, s.data(), s.size()); }

// Pushes Redis's error table {err = "CODE message"}: `text` is "-CODE message" (a reply) or a
// bare message, which gets the ERR code.
void push_error(lua_State* L, std::string_view text) {
  std::string msg;
  if (text.starts_with('-')) {
    text.remove_prefix(1);
    msg =
        text.find(' ') == std::string_view::npos ? fmt::format("ERR {}", text) : std::string(text);
  } else {
    msg = fmt::format("ERR {}", text);
  }
  while (!msg.empty() && (msg.back() == '\r' || msg.back() == '\n')) msg.pop_back();
  lua_newtable(L);
  push(L, msg);
  lua_setfield(L, -2, "err");
}

int raise_error(lua_State* L, std::string_view text) {
  push_error(L, text);
  return lua_error(L);
}

// The tables scripts cannot modify (their proxies), as keys of a weak registry table.
constexpr const char* kProtectedKey = "cachet_protected";

bool is_protected(lua_State* L, int index) {
  if (!lua_istable(L, index)) return false;
  lua_getfield(L, LUA_REGISTRYINDEX, kProtectedKey);
  lua_pushvalue(L, index);
  lua_rawget(L, -2);
  bool result = lua_toboolean(L, -1);
  lua_pop(L, 2);
  return result;
}

int readonly_error(lua_State* L) { return luaL_error(L, "Attempt to modify a readonly table"); }

// A C function refusing a protected table: the error carries no position, as Redis's does.
int readonly_error_here(lua_State* L) {
  lua_pushstring(L, "Attempt to modify a readonly table");
  return lua_error(L);
}

// A library being loaded (FUNCTION LOAD, or its first FCALL on a thread): what
// redis.register_function collects. Set only while the library's code runs.
struct LoadContext {
  std::vector<std::unique_ptr<FunctionInfo>> functions;
  const store::Clock* clock;
  int64_t deadline_ms;
};

thread_local LoadContext* t_load = nullptr;

// Registry keys of a function interpreter: the load-time globals, the function table of the
// library being loaded, and every evaluated library's function table by library id.
constexpr const char* kLoadEnvKey = "cachet_load_env";
constexpr const char* kLoadingKey = "cachet_loading";
constexpr const char* kLibrariesKey = "cachet_libraries";

// __index of a strict proxy: the field of the table at `table`, or Redis's error.
int lookup_in(lua_State* L, int table) {
  lua_pushvalue(L, 2);
  lua_rawget(L, table);
  if (!lua_isnil(L, -1)) return 1;
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                    lua_tostring(L, 2));
}

int strict_lookup(lua_State* L) { return lookup_in(L, lua_upvalueindex(1)); }

// The globals' lookup: while a library loads only its load-time environment is visible.
int global_lookup(lua_State* L) {
  if (t_load == nullptr) return lookup_in(L, lua_upvalueindex(1));
  lua_getfield(L, LUA_REGISTRYINDEX, kLoadEnvKey);
  return lookup_in(L, lua_gettop(L));
}

// Replaces the table on top of the stack by an empty proxy that reads through to it and refuses
// writes. With a `lookup` (the globals, the load-time redis table) a missing name is an error
// (Redis's text); `lookup` gets the real table as its upvalue.
void make_proxy(lua_State* L, lua_CFunction lookup) {
  int real = lua_gettop(L);
  lua_newtable(L);  // proxy
  lua_newtable(L);  // its metatable
  lua_pushvalue(L, real);
  if (lookup != nullptr) lua_pushcclosure(L, lookup, 1);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, readonly_error);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_getfield(L, LUA_REGISTRYINDEX, kProtectedKey);
  lua_pushvalue(L, -2);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  lua_replace(L, real);
}

// rawset and setmetatable (the upvalue) refuse protected tables; getmetatable shows them none.
int guarded_write(lua_State* L) {
  if (is_protected(L, 1)) return readonly_error_here(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

int guarded_getmetatable(lua_State* L) {
  if (is_protected(L, 1)) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

// loadstring and load refuse precompiled chunks (crafted bytecode escapes any sandbox).
int guarded_loadstring(lua_State* L) {
  size_t len = 0;
  const char* s = luaL_checklstring(L, 1, &len);
  if (len > 0 && s[0] == LUA_SIGNATURE[0]) {
    lua_pushnil(L);
    lua_pushstring(L, "loading precompiled chunks is not allowed");
    return 2;
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

int guarded_load(lua_State* L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  while (true) {
    lua_pushvalue(L, 1);
    lua_call(L, 0, 1);
    if (lua_isnil(L, -1) || (lua_isstring(L, -1) && lua_objlen(L, -1) == 0)) {
      lua_pop(L, 1);
      break;
    }
    if (!lua_isstring(L, -1)) return luaL_error(L, "reader function must return a string");
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  lua_replace(L, 1);  // load(fn, name) becomes loadstring(text, name)
  return guarded_loadstring(L);
}

// Redis's pcall: an error table {err = ...} comes back as its message. A script that SCRIPT
// KILL stopped, or that is being abandoned, cannot catch that.
int redis_pcall(lua_State* L) {
  int argc = lua_gettop(L);
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0) != 0) {
    if (t_run != nullptr && (t_run->killed || t_run->undeclared)) return lua_error(L);
    lua_remove(L, 1);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) {
        lua_replace(L, -2);
      } else {
        lua_pop(L, 1);
      }
    }
    lua_pushboolean(L, 0);
    lua_insert(L, 1);
  }
  return lua_gettop(L);
}

// The error handler of every script run: turns any error into {err=, source=, line=} where the
// position is the Lua code that raised it (the caller of a C function that did).
int error_handler(lua_State* L) {
  lua_settop(L, 1);
  lua_Debug ar;
  bool have = lua_getstack(L, 1, &ar) && lua_getinfo(L, "nSl", &ar);
  if (have && std::strcmp(ar.what, "C") == 0) {
    have = lua_getstack(L, 2, &ar) && lua_getinfo(L, "nSl", &ar);
  }
  if (!lua_istable(L, 1)) {
    lua_getglobal(L, "tostring");
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    std::string_view text = to_view(L, -1);
    lua_pushfstring(L, "ERR %s", std::string(text).c_str());
    lua_newtable(L);
    lua_insert(L, -2);
    lua_setfield(L, -2, "err");
    lua_replace(L, 1);
    lua_settop(L, 1);
  }
  if (have) {
    lua_pushstring(L, ar.source);
    lua_setfield(L, 1, "source");
    lua_pushnumber(L, ar.currentline);
    lua_setfield(L, 1, "line");
  }
  return 1;
}

// math.random / math.randomseed: Redis's, a 48-bit linear congruential generator (the lrand48
// recurrence and initial state), so sequences do not depend on the platform's libc. As in Redis
// 7.0 the sequence goes on from script to script (per worker thread here).
thread_local uint64_t t_rand_state = 0x1234ABCD330E;
constexpr int32_t kRandMax = INT32_MAX;

void seed_random(int32_t seed) { t_rand_state = (uint64_t(uint32_t(seed)) << 16) | 0x330E; }

int32_t next_random() {
  t_rand_state = (t_rand_state * 0x5DEECE66DULL + 0xB) & ((uint64_t{1} << 48) - 1);
  return static_cast<int32_t>(t_rand_state >> 17);
}

int math_random(lua_State* L) {
  lua_Number r = static_cast<lua_Number>(next_random() % kRandMax) / kRandMax;
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * u) + 1);
      break;
    }
    case 2: {
      int l = luaL_checkint(L, 1);
      int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int math_randomseed(lua_State* L) {
  seed_random(luaL_checkint(L, 1));
  return 0;
}

// ---------------------------------------------------------------------------------------------
// RESP -> Lua (redis.call's reply), as Redis converts it. The bytes come from our own writer.

class ReplyReader {
 public:
  ReplyReader(lua_State* L, std::string_view in) : L_(L), in_(in) {}

  // Pushes the reply at the cursor (nothing for an attribute's parts when `push` is false).
  void read(bool push = true) {
    lua_checkstack(L_, 4);
    char type = in_[pos_++];
    std::string_view line = take_line();
    switch (type) {
      case '+':
        return push ? table_with("ok", line) : void();
      case '-':
        return push ? push_error(L_, fmt::format("-{}", line)) : void();
      case ':':
        return push ? lua_pushnumber(L_, static_cast<lua_Number>(
                                             std::strtoll(std::string(line).c_str(), nullptr, 10)))
                    : void();
      case '$':
        if (line == "-1") return push ? lua_pushboolean(L_, 0) : void();
        return push ? cachet::server::push(L_, take(length(line))) : void(take(length(line)));
      case '*':
      case '>':
        if (line == "-1") return push ? lua_pushboolean(L_, 0) : void();
        return array(length(line), push);
      case '_':
        return push ? lua_pushnil(L_) : void();
      case '#':
        return push ? lua_pushboolean(L_, line == "t") : void();
      case ',':
        if (!push) return;
        lua_newtable(L_);
        lua_pushnumber(L_, std::strtod(std::string(line).c_str(), nullptr));
        lua_setfield(L_, -2, "double");
        return;
      case '(':
        return push ? table_with("big_number", line) : void();
      case '=':
        return verbatim(take(length(line)), push);
      case '%':
        return map(length(line), push);
      case '~':
        return set(length(line), push);
      case '|':
        for (size_t i = 0; i < 2 * length(line); ++i) read(false);
        return read(push);
      default:
        return push ? lua_pushnil(L_) : void();
    }
  }

 private:
  std::string_view take_line() {
    size_t eol = in_.find("\r\n", pos_);
    std::string_view line = in_.substr(pos_, eol - pos_);
    pos_ = eol + 2;
    return line;
  }
  std::string_view take(size_t n) {
    std::string_view s = in_.substr(pos_, n);
    pos_ += n + 2;
    return s;
  }
  static size_t length(std::string_view line) {
    return static_cast<size_t>(std::strtoull(std::string(line).c_str(), nullptr, 10));
  }
  void table_with(const char* field, std::string_view value) {
    lua_newtable(L_);
    cachet::server::push(L_, value);
    lua_setfield(L_, -2, field);
  }
  void array(size_t n, bool push) {
    if (push) lua_newtable(L_);
    for (size_t i = 0; i < n; ++i) {
      if (push) lua_pushnumber(L_, static_cast<lua_Number>(i + 1));
      read(push);
      if (push) lua_settable(L_, -3);
    }
  }
  void map(size_t n, bool push) {
    if (push) {
      lua_newtable(L_);
      lua_newtable(L_);
    }
    for (size_t i = 0; i < n; ++i) {
      read(push);
      read(push);
      if (push) lua_settable(L_, -3);
    }
    if (push) lua_setfield(L_, -2, "map");
  }
  void set(size_t n, bool push) {
    if (push) {
      lua_newtable(L_);
      lua_newtable(L_);
    }
    for (size_t i = 0; i < n; ++i) {
      read(push);
      if (!push) continue;
      lua_pushboolean(L_, 1);
      lua_settable(L_, -3);
    }
    if (push) lua_setfield(L_, -2, "set");
  }
  void verbatim(std::string_view payload, bool push) {
    if (!push) return;
    lua_newtable(L_);
    lua_newtable(L_);
    cachet::server::push(L_, payload.substr(std::min<size_t>(4, payload.size())));
    lua_setfield(L_, -2, "string");
    cachet::server::push(L_, payload.substr(0, 3));
    lua_setfield(L_, -2, "format");
    lua_setfield(L_, -2, "verbatim_string");
  }

  lua_State* L_;
  std::string_view in_;
  size_t pos_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Lua -> RESP (the script's return value), as Redis converts it.

std::string single_line(std::string_view s) {
  std::string out(s);
  std::replace(out.begin(), out.end(), '\r', ' ');
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

int64_t to_integer(lua_Number n) {
  // What the C cast gives on x86-64 (and so Redis's reply): out of range or NaN is INT64_MIN.
  if (!(n >= -9223372036854775808.0 && n < 9223372036854775808.0)) return INT64_MIN;
  return static_cast<int64_t>(n);
}

// Looks up t[field] for the table on top; pushes it and returns its type.
int field(lua_State* L, const char* name) {
  lua_pushstring(L, name);
  lua_gettable(L, -2);
  return lua_type(L, -1);
}

void write_value(lua_State* L, resp::Writer& out, int script_resp);

// Writes the table on top of the stack (which stays there).
void write_table(lua_State* L, resp::Writer& out, int script_resp) {
  std::string& buf = out.buffer();
  bool resp3 = out.protocol() >= 3;
  if (field(L, "err") == LUA_TSTRING) {
    out.error(to_view(L, -1));
    return lua_pop(L, 1);
  }
  lua_pop(L, 1);
  if (field(L, "ok") == LUA_TSTRING) {
    out.simple(single_line(to_view(L, -1)));
    return lua_pop(L, 1);
  }
  lua_pop(L, 1);
  if (field(L, "double") == LUA_TNUMBER) {
    out.dbl(lua_tonumber(L, -1));
    return lua_pop(L, 1);
  }
  lua_pop(L, 1);
  if (field(L, "big_number") == LUA_TSTRING) {
    std::string n = single_line(to_view(L, -1));
    resp3 ? void(buf.append(fmt::format("({}\r\n", n))) : out.bulk(n);
    return lua_pop(L, 1);
  }
  lua_pop(L, 1);
  if (field(L, "verbatim_string") == LUA_TTABLE) {
    lua_getfield(L, -1, "format");
    lua_getfield(L, -2, "string");
    bool valid = lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING;
    if (valid) {
      std::string_view format = to_view(L, -2), text = to_view(L, -1);
      resp3 ? void(buf.append(
                  fmt::format("={}\r\n{}:{}\r\n", text.size() + 4, format.substr(0, 3), text)))
            : out.bulk(text);
    }
    lua_pop(L, 3);
    if (valid) return;
  } else {
    lua_pop(L, 1);
  }
  if (field(L, "map") == LUA_TTABLE) {
    size_t n = 0;
    for (lua_pushnil(L); lua_next(L, -2); lua_pop(L, 1)) ++n;
    out.map(n);
    for (lua_pushnil(L); lua_next(L, -2);) {
      lua_pushvalue(L, -2);
      write_value(L, out, script_resp);  // the key
      write_value(L, out, script_resp);  // the value
    }
    return lua_pop(L, 1);
  }
  lua_pop(L, 1);
  if (field(L, "set") == LUA_TTABLE) {
    size_t n = 0;
    for (lua_pushnil(L); lua_next(L, -2); lua_pop(L, 1)) ++n;
    out.set(n);
    for (lua_pushnil(L); lua_next(L, -2);) {
      lua_pop(L, 1);
      lua_pushvalue(L, -1);
      write_value(L, out, script_resp);
    }
    return lua_pop(L, 1);
  }
  lua_pop(L, 1);
  size_t n = 0;
  while (true) {
    lua_pushnumber(L, static_cast<lua_Number>(n + 1));
    lua_gettable(L, -2);
    bool nil = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (nil) break;
    ++n;
  }
  out.array(n);
  for (size_t i = 1; i <= n; ++i) {
    lua_pushnumber(L, static_cast<lua_Number>(i));
    lua_gettable(L, -2);
    write_value(L, out, script_resp);
  }
}

// Writes and pops the value on top of the stack.
void write_value(lua_State* L, resp::Writer& out, int script_resp) {
  if (!lua_checkstack(L, 4)) {
    out.error("ERR reached lua stack limit");
    return lua_pop(L, 1);
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING:
      out.bulk(to_view(L, -1));
      break;
    case LUA_TBOOLEAN: {
      bool b = lua_toboolean(L, -1);
      if (script_resp == 2) {
        b ? out.integer(1) : out.null();
      } else if (out.protocol() >= 3) {
        out.buffer().append(b ? "#t\r\n" : "#f\r\n");
      } else {
        out.integer(b ? 1 : 0);
      }
      break;
    }
    case LUA_TNUMBER:
      out.integer(to_integer(lua_tonumber(L, -1)));
      break;
    case LUA_TTABLE:
      write_table(L, out, script_resp);
      break;
    default:
      out.null();
  }
  lua_pop(L, 1);
}

// ---------------------------------------------------------------------------------------------
// redis.call and its checks.

// Commands Redis 7.0 refuses in scripts (its `noscript` flag). A container listed by name
// refuses every subcommand but HELP.
bool not_allowed_in_scripts(const CommandSpec& spec, const CommandSpec* parent) {
  static constexpr std::string_view kCommands[] = {
      "auth",         "bgrewriteaof", "bgsave",     "blmove",     "blpop",      "brpop",
      "brpoplpush",   "bzpopmax",     "bzpopmin",   "debug",      "discard",    "eval",
      "eval_ro",      "evalsha",      "evalsha_ro", "exec",       "failover",   "fcall",
      "fcall_ro",     "hello",        "monitor",    "multi",      "psubscribe", "psync",
      "punsubscribe", "quit",         "replconf",   "replicaof",  "reset",      "role",
      "save",         "shutdown",     "slaveof",    "ssubscribe", "subscribe",  "sunsubscribe",
      "sync",         "unsubscribe",  "unwatch",    "wait",       "watch"};
  static constexpr std::string_view kContainers[] = {"acl",     "client", "config", "function",
                                                     "latency", "module", "script"};
  auto in = [](auto& list, std::string_view name) {
    return std::find(std::begin(list), std::end(list), name) != std::end(list);
  };
  if (parent == nullptr) return in(kCommands, spec.name);
  if (parent->name == "cluster") return spec.name == "reset";
  return spec.name != "help" && in(kContainers, parent->name);
}

// Keyless commands that touch no shard, so they run under any lock.
bool keyless_and_shardless(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "time", "ping", "echo", "publish", "spublish", "select", "lastsave", "command", "pubsub"};
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

// The shards of the script's database that the command needs (all of them for a keyspace-wide
// command), or nothing when no set of shards of one database is enough (other databases, SORT's
// BY and GET patterns): then only the full lock will do.
std::optional<uint64_t> shards_needed(const CommandSpec& spec, const CommandSpec* parent,
                                      std::span<const std::string_view> args) {
  std::string_view name = (parent ? parent : &spec)->name;
  if ((spec.flags & kAllDatabases) || name == "sort" || name == "sort_ro") return std::nullopt;
  KeyPositions keys = keys_of(spec, args);
  if (keys.empty()) return keyless_and_shardless(name) ? 0 : ~uint64_t{0};
  uint64_t mask = 0;
  keys.for_each(
      [&](size_t i) { mask |= uint64_t{1} << store::shard_of(store::hash_key(args[i])); });
  return mask;
}

// Whether the command can run inside what the run holds, taking the shards it lacks when the
// lock order allows (see TransactionLock::extend and the rule in scripting.h).
bool within_lock(Run& run, const CommandSpec& spec, const CommandSpec* parent,
                 std::span<const std::string_view> args) {
  if (run.full_lock) return true;
  std::optional<uint64_t> needed = shards_needed(spec, parent, args);
  if (!needed) return false;
  int db = run.session.db;
  uint64_t missing = *needed & ~store::held_shards(db);
  return missing == 0 || run.lock->extend(db, missing);
}

// Takes the run's lock at its first command (nothing is observed before).
void ensure_locked(Run& run) {
  if (std::exchange(run.locked, true)) return;
  store::Store& store = run.instance.store();
  if (store::in_transaction()) {  // inside EXEC, which holds every database for EVAL
    run.full_lock = true;
    return;
  }
  std::vector<uint64_t> hashes;
  hashes.reserve(run.keys.size());
  for (std::string_view key : run.keys) hashes.push_back(store::hash_key(key));
  if (run.full_lock) {
    run.lock.emplace(store, std::vector<bool>(store.databases(), true));
  } else {
    std::vector<uint64_t> masks(store.databases(), 0);
    for (uint64_t hash : hashes) masks[run.caller_db] |= uint64_t{1} << store::shard_of(hash);
    run.lock.emplace(store, std::move(masks));
  }
  // The declared keys' lookups follow: start their entries' cache misses together.
  for (uint64_t hash : hashes) store.prefetch_entry(run.caller_db, hash);
}

// Makes every instruction raise from now on (after SCRIPT KILL, or to abandon a run), so the
// script cannot catch the error and go on.
void keep_raising(lua_State* L);

// Checks the caller's ACL user for a command the script calls (Redis's wording for scripts, the
// refusal logged with context "lua"); empty when allowed.
std::string_view acl_refusal(Run& run, const CommandSpec& spec, const CommandSpec* parent,
                             std::span<const std::string_view> args) {
  Session* caller = run.caller;
  if (caller == nullptr || caller->user == nullptr) return {};
  std::optional<AclDenial> denial =
      run.instance.acl_check(*caller, spec, parent, args, AclContext::kLua);
  if (!denial) return {};
  switch (denial->reason) {
    case AclDenial::kKey:
      return "The user executing the script can't access at least one of the keys mentioned in "
             "the command arguments";
    case AclDenial::kChannel:
      return "The user executing the script can't access at least one of the channels mentioned "
             "in the command arguments";
    default:
      return "The user executing the script can't run this command or subcommand";
  }
}

enum class CallOutcome { kReply, kError, kAbandon };

// Runs the command given by the Lua arguments and pushes its converted reply (or an error
// table). Every C++ object here is gone when it returns, so the caller may raise.
CallOutcome call_command(lua_State* L, Run& run) {
  int argc = lua_gettop(L);
  if (argc == 0) {
    push_error(L, "Please specify at least one argument for this redis lib call");
    return CallOutcome::kError;
  }
  std::vector<std::string> numbers;  // numbers formatted as Redis does (%.17g)
  numbers.reserve(argc);
  std::vector<std::string_view> args(argc);
  for (int i = 1; i <= argc; ++i) {
    if (lua_type(L, i) == LUA_TNUMBER) {
      char buf[64];
      int n = std::snprintf(buf, sizeof buf, "%.17g", static_cast<double>(lua_tonumber(L, i)));
      args[i - 1] = numbers.emplace_back(buf, n);
    } else if (lua_type(L, i) == LUA_TSTRING) {
      args[i - 1] = to_view(L, i);
    } else {
      lua_settop(L, 0);
      push_error(L, "Lua redis lib command arguments must be strings or integers");
      return CallOutcome::kError;
    }
  }
  const CommandSpec* top = find_command(args[0]);
  const CommandSpec* spec = top;
  const CommandSpec* parent = nullptr;
  std::string_view refusal;
  if (spec != nullptr && !spec->subcommands.empty() && args.size() >= 2) {
    parent = std::exchange(spec, find_subcommand(*spec, args[1]));
  }
  if (spec == nullptr) {
    refusal = "Unknown Redis command called from script";
  } else if (!arity_ok(*spec, args.size()) || (spec->fn == nullptr && parent == nullptr)) {
    refusal = "Wrong number of args calling Redis command from script";
  } else if (not_allowed_in_scripts(*spec, parent)) {
    refusal = "This Redis command is not allowed from script";
  } else if ((spec->flags & kWrite) && (run.read_only || (run.callee.flags & kScriptNoWrites))) {
    refusal = "Write commands are not allowed from read-only scripts.";
  } else {
    refusal = acl_refusal(run, *spec, parent, args);
  }
  if (refusal.empty() && (spec->flags & kDenyOom) && run.over_maxmemory &&
      !(run.callee.flags & kScriptAllowOom)) {  // Redis's scriptVerifyOOM
    refusal = "-OOM command not allowed when used memory > 'maxmemory'.";
  }
  if (refusal.empty()) {
    ensure_locked(run);
    if (!within_lock(run, *spec, parent, args)) {
      if (!run.wrote.load(std::memory_order_relaxed)) {
        run.undeclared = true;
        return CallOutcome::kAbandon;
      }
      run.callee.needs_full_lock.store(true, std::memory_order_relaxed);  // next run succeeds
      refusal =
          "Script attempted to access a non-declared key or shard after writing (declare every "
          "key it uses in KEYS)";
    }
  }
  if (!refusal.empty()) {
    lua_settop(L, 0);
    push_error(L, refusal);
    return CallOutcome::kError;
  }
  if (spec->flags & kWrite) run.wrote.store(true, std::memory_order_relaxed);
  std::string reply;
  resp::Writer writer(reply, run.session.protocol);
  run.instance.execute(run.session, args, writer, top);
  lua_settop(L, 0);
  ReplyReader(L, reply).read();
  return reply.starts_with('-') ? CallOutcome::kError : CallOutcome::kReply;
}

int redis_call_generic(lua_State* L, bool raise) {
  Run* run = t_run;
  if (run == nullptr) {
    return raise_error(L, "redis.call/pcall can only be called inside a script invocation");
  }
  if (run->killed || run->undeclared) return raise_error(L, "Script is being stopped");
  CallOutcome outcome = call_command(L, *run);
  if (outcome == CallOutcome::kAbandon) {
    keep_raising(L);
    return raise_error(L, "Script is restarting under the full lock");
  }
  if (outcome == CallOutcome::kError && raise) return lua_error(L);
  return 1;
}

int redis_call(lua_State* L) { return redis_call_generic(L, true); }
int redis_pcall_command(lua_State* L) { return redis_call_generic(L, false); }

int redis_sha1hex(lua_State* L) {
  if (lua_gettop(L) != 1) return raise_error(L, "wrong number of arguments");
  std::array<char, 41> hex{};
  {
    std::string digest = sha1_hex(to_view(L, 1));
    std::memcpy(hex.data(), digest.data(), 40);
  }
  lua_pushstring(L, hex.data());
  return 1;
}

int redis_error_reply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    push_error(L, "wrong number or type of arguments");
    return 1;
  }
  std::string_view text = to_view(L, 1);
  if (text.starts_with('-')) {
    push_error(L, text);
  } else {
    push_error(L, fmt::format("-{}", text));
  }
  return 1;
}

int redis_status_reply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    push_error(L, "wrong number or type of arguments");
    return 1;
  }
  lua_newtable(L);
  lua_pushvalue(L, 1);
  lua_setfield(L, -2, "ok");
  return 1;
}

constexpr int kReplAof = 1, kReplReplica = 2;

int redis_set_repl(lua_State* L) {
  if (t_run == nullptr) {
    return raise_error(L, "redis.set_repl can only be called inside a script invocation");
  }
  if (lua_gettop(L) != 1) return raise_error(L, "redis.set_repl() requires two arguments.");
  int flags = static_cast<int>(lua_tonumber(L, -1));
  if ((flags & ~(kReplAof | kReplReplica)) != 0) {
    return raise_error(
        L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
  }
  return 0;  // cachet does not replicate: accepted, as Redis without replicas
}

int redis_replicate_commands(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}

int redis_setresp(lua_State* L) {
  if (t_run == nullptr) {
    return raise_error(L, "redis.setresp can only be called inside a script invocation");
  }
  if (lua_gettop(L) != 1) return raise_error(L, "redis.setresp() requires one argument.");
  int resp = static_cast<int>(lua_tonumber(L, -1));
  if (resp != 2 && resp != 3) return raise_error(L, "RESP version must be 2 or 3.");
  t_run->session.protocol = resp;
  return 0;
}

constexpr int kLogDebug = 0, kLogWarning = 3;

int redis_log(lua_State* L) {
  int argc = lua_gettop(L);
  if (argc < 2) return raise_error(L, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, 1)) return raise_error(L, "First argument must be a number (log level).");
  int level = static_cast<int>(lua_tonumber(L, 1));
  if (level < kLogDebug || level > kLogWarning) return raise_error(L, "Invalid debug level.");
  // cachet-server logs to stderr at notice level, as Redis's default verbosity.
  if (level < 2) return 0;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 2; i <= argc; ++i) {
    if (!lua_isstring(L, i)) continue;
    if (i != 2) luaL_addchar(&b, ' ');
    lua_pushvalue(L, i);
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  std::fprintf(stderr, "%s\n", lua_tostring(L, -1));
  return 0;
}

int redis_acl_check_cmd(lua_State* L) {
  int argc = lua_gettop(L);
  if (argc == 0 || !lua_isstring(L, 1)) {
    return raise_error(L, "Please specify at least one argument for this redis lib call");
  }
  std::vector<std::string_view> args;
  for (int i = 1; i <= argc; ++i) {
    if (!lua_isstring(L, i)) {
      return raise_error(L, "Lua redis lib command arguments must be strings or integers");
    }
    args.push_back(to_view(L, i));
  }
  const CommandSpec* spec = find_command(args[0]);
  const CommandSpec* parent = nullptr;
  if (spec != nullptr && !spec->subcommands.empty() && args.size() >= 2) {
    parent = std::exchange(spec, find_subcommand(*spec, args[1]));
  }
  if (spec == nullptr) return raise_error(L, "Invalid command passed to redis.acl_check_cmd()");
  const Session* caller = t_run != nullptr ? t_run->caller : nullptr;
  bool allowed = caller == nullptr || caller->user == nullptr ||
                 !Acl::check(*caller->user, *spec, parent, args);
  lua_pushboolean(L, allowed);
  return 1;
}

int redis_breakpoint(lua_State* L) {
  lua_pushboolean(L, 0);  // no debugger session
  return 1;
}

int redis_debug(lua_State*) { return 0; }

int count_hook_raise(lua_State* L) {
  if (t_run != nullptr && t_run->killed) {
    return raise_error(L, "Script killed by user with SCRIPT KILL...");
  }
  return raise_error(L, "Script is restarting under the full lock");
}

void count_hook(lua_State* L, lua_Debug*) {
  Run* run = t_run;
  if (run == nullptr) return;
  if (run->killed || run->undeclared) {
    count_hook_raise(L);
    return;
  }
  int64_t threshold = run->instance.hot().busy_reply_threshold.load(std::memory_order_relaxed);
  if (!run->busy && threshold > 0 && run->instance.clock().now_ms() - run->start_ms >= threshold) {
    mark_busy(*run);
  }
  if (run->busy && run->kill_requested.load(std::memory_order_relaxed)) {
    run->killed = true;
    keep_raising(L);
    count_hook_raise(L);
  }
}

void keep_raising(lua_State* L) {
  lua_sethook(L, count_hook, LUA_MASKCOUNT | LUA_MASKLINE, 1);
  if (t_run != nullptr && t_run->vm != L)
    lua_sethook(t_run->vm, count_hook, LUA_MASKCOUNT | LUA_MASKLINE, 1);
}

// ---------------------------------------------------------------------------------------------
// The per-thread interpreter.

constexpr int kHookInstructions = 100000;  // Redis's count hook period

void set_function(lua_State* L, const char* name, lua_CFunction fn) {
  lua_pushcfunction(L, fn);
  lua_setfield(L, -2, name);
}

void set_number(lua_State* L, const char* name, lua_Number n) {
  lua_pushnumber(L, n);
  lua_setfield(L, -2, name);
}

void open_library(lua_State* L, const char* name, lua_CFunction open) {
  lua_pushcfunction(L, open);
  lua_pushstring(L, name);
  lua_call(L, 1, 1);
  if (*name != '\0') lua_setglobal(L, name);
  lua_settop(L, 0);
}

// Replaces the global function `name` by `fn`, which gets the original as its upvalue.
void wrap_global(lua_State* L, const char* name, lua_CFunction fn) {
  lua_getglobal(L, name);
  lua_pushcclosure(L, fn, 1);
  lua_setglobal(L, name);
}

// The fields the load-time redis table shares with the full one: log levels and version.
void set_log_and_version(lua_State* L) {
  set_function(L, "log", redis_log);
  set_number(L, "LOG_DEBUG", 0);
  set_number(L, "LOG_VERBOSE", 1);
  set_number(L, "LOG_NOTICE", 2);
  set_number(L, "LOG_WARNING", 3);
  // REDIS_VERSION_NUM is 0x00MMmmpp, as Redis encodes it.
  int major = 0, minor = 0, patch = 0;
  std::sscanf(std::string(kRedisVersion).c_str(), "%d.%d.%d", &major, &minor, &patch);
  set_number(L, "REDIS_VERSION_NUM", (major << 16) | (minor << 8) | patch);
  push(L, kRedisVersion);
  lua_setfield(L, -2, "REDIS_VERSION");
}

void register_redis_api(lua_State* L) {
  lua_newtable(L);
  set_function(L, "call", redis_call);
  set_function(L, "pcall", redis_pcall_command);
  set_function(L, "sha1hex", redis_sha1hex);
  set_function(L, "error_reply", redis_error_reply);
  set_function(L, "status_reply", redis_status_reply);
  set_function(L, "set_repl", redis_set_repl);
  set_function(L, "replicate_commands", redis_replicate_commands);
  set_function(L, "setresp", redis_setresp);
  set_function(L, "acl_check_cmd", redis_acl_check_cmd);
  set_function(L, "breakpoint", redis_breakpoint);
  set_function(L, "debug", redis_debug);
  set_log_and_version(L);
  set_number(L, "REPL_NONE", 0);
  set_number(L, "REPL_AOF", kReplAof);
  set_number(L, "REPL_SLAVE", kReplReplica);
  set_number(L, "REPL_REPLICA", kReplReplica);
  set_number(L, "REPL_ALL", kReplAof | kReplReplica);
  lua_setglobal(L, "redis");
}

// Makes the globals and every library table read-only (Redis 7.0's protection): each becomes
// an empty proxy reading through to the real table. The real globals stay reachable from C
// (registry reference `globals_ref`) to set KEYS and ARGV.
void protect(lua_State* L, int& globals_ref) {
  lua_newtable(L);
  lua_newtable(L);
  lua_pushstring(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, kProtectedKey);

  // Strings index their library through their metatable: protect both.
  lua_pushstring(L, "");
  lua_getmetatable(L, -1);
  lua_getglobal(L, "string");
  make_proxy(L, nullptr);
  lua_setfield(L, -2, "__index");
  lua_pushvalue(L, -1);
  make_proxy(L, nullptr);
  lua_setfield(L, -2, "__metatable");
  lua_settop(L, 0);

  for (const char* lib :
       {"string", "table", "math", "coroutine", "redis", "cjson", "bit", "cmsgpack", "struct"}) {
    lua_getglobal(L, lib);
    make_proxy(L, nullptr);
    lua_setglobal(L, lib);
  }
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_pushvalue(L, -1);
  globals_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  make_proxy(L, global_lookup);
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_GLOBALSINDEX, "_G");
  lua_replace(L, LUA_GLOBALSINDEX);
  lua_settop(L, 0);
}

lua_State* create_state(int& globals_ref, std::atomic<int64_t>& bytes) {
  lua_State* L = lua_newstate(counting_alloc, &bytes);
  open_library(L, "", luaopen_base);
  open_library(L, LUA_TABLIBNAME, luaopen_table);
  open_library(L, LUA_STRLIBNAME, luaopen_string);
  open_library(L, LUA_MATHLIBNAME, luaopen_math);
  open_library(L, "cjson", luaopen_cjson);
  open_library(L, "bit", luaopen_bit);
  open_library(L, "cmsgpack", open_cmsgpack);
  open_library(L, "struct", open_struct);
  for (const char* name :
       {"dofile", "loadfile", "print", "getfenv", "setfenv", "newproxy", "module", "require"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }
  lua_pushcfunction(L, redis_pcall);
  lua_setglobal(L, "pcall");
  wrap_global(L, "rawset", guarded_write);
  wrap_global(L, "setmetatable", guarded_write);
  wrap_global(L, "getmetatable", guarded_getmetatable);
  wrap_global(L, "loadstring", guarded_loadstring);
  lua_getglobal(L, "loadstring");
  lua_pushcclosure(L, guarded_load, 1);
  lua_setglobal(L, "load");
  lua_getglobal(L, "math");
  set_function(L, "random", math_random);
  set_function(L, "randomseed", math_randomseed);
  lua_settop(L, 0);
  register_redis_api(L);
  lua_pushcfunction(L, error_handler);
  lua_setglobal(L, "__redis__err__handler");
  protect(L, globals_ref);
  lua_gc(L, LUA_GCCOLLECT, 0);
  return L;
}

// ---------------------------------------------------------------------------------------------
// Library loading: redis.register_function and the load-time environment.

constexpr int64_t kLoadTimeoutMs = 500;  // Redis's LOAD_TIMEOUT_MS

bool is_flag_named(std::string_view name, ScriptFlag& flag) {
  for (const ScriptFlagName& f : kScriptFlagNames) {
    if (iequals(f.name, name)) {
      flag = f.flag;
      return true;
    }
  }
  return false;
}

// Reads register_function's flags table (on top of the stack) into `flags`.
const char* read_function_flags(lua_State* L, uint32_t& flags) {
  for (int i = 1;; ++i) {
    lua_rawgeti(L, -1, i);
    if (lua_isnil(L, -1)) break;
    ScriptFlag flag{};
    bool known = lua_isstring(L, -1) && is_flag_named(to_view(L, -1), flag);
    lua_pop(L, 1);
    if (!known) return "unknown flag given";
    flags |= flag;
  }
  lua_pop(L, 1);  // the nil
  return nullptr;
}

// The table form: {function_name=, callback=, flags=, description=}, keys case-insensitive.
// Leaves the callback at stack index 2.
const char* read_named_registration(lua_State* L, FunctionInfo& info, bool& has_name) {
  if (!lua_istable(L, 1)) {
    return "calling redis.register_function with a single argument is only applicable to Lua "
           "table (representing named arguments).";
  }
  lua_settop(L, 2);  // index 2: the callback, once found
  for (lua_pushnil(L); lua_next(L, 1); lua_pop(L, 1)) {
    if (lua_type(L, -2) != LUA_TSTRING) {
      if (!lua_isnumber(L, -2)) {
        return "named argument key given to redis.register_function is not a string";
      }
      return "unknown argument given to redis.register_function";
    }
    std::string_view key = to_view(L, -2);
    if (iequals(key, "function_name")) {
      if (!lua_isstring(L, -1)) {
        return "function_name argument given to redis.register_function must be a string";
      }
      info.name = std::string(to_view(L, -1));
      has_name = true;
    } else if (iequals(key, "description")) {
      if (!lua_isstring(L, -1)) {
        return "description argument given to redis.register_function must be a string";
      }
      info.description = std::string(to_view(L, -1));
    } else if (iequals(key, "callback")) {
      if (!lua_isfunction(L, -1)) {
        return "callback argument given to redis.register_function must be a function";
      }
      lua_pushvalue(L, -1);
      lua_replace(L, 2);
    } else if (iequals(key, "flags")) {
      if (!lua_istable(L, -1)) {
        return "flags argument to redis.register_function must be a table representing function "
               "flags";
      }
      if (const char* error = read_function_flags(L, info.flags)) return error;
    } else {
      return "unknown argument given to redis.register_function";
    }
  }
  if (!has_name) return "redis.register_function must get a function name argument";
  if (!lua_isfunction(L, 2)) return "redis.register_function must get a callback argument";
  return nullptr;
}

// Reads register_function's arguments, checks the name, and adds the function to the library
// being loaded (its callback to the kLoadingKey table). Returns Redis's error text, or null.
const char* register_function(lua_State* L, LoadContext& load) {
  int argc = lua_gettop(L);
  if (argc < 1 || argc > 2) return "wrong number of arguments to redis.register_function";
  auto info = std::make_unique<FunctionInfo>();
  info->flags = kScriptShebang;  // functions never run in EVAL's compatibility mode
  if (argc == 2) {
    if (!lua_isstring(L, 1)) return "first argument to redis.register_function must be a string";
    if (!lua_isfunction(L, 2)) {
      return "second argument to redis.register_function must be a function";
    }
    info->name = std::string(to_view(L, 1));
  } else {
    bool has_name = false;
    if (const char* error = read_named_registration(L, *info, has_name)) return error;
  }
  if (!valid_function_name(info->name)) {  // Redis 7.0 gives the library text here
    return "Library names can only contain letters, numbers, or underscores(_) and must be at "
           "least one character long";
  }
  for (const auto& other : load.functions) {
    if (other->name == info->name) return "Function already exists in the library";
  }
  lua_getfield(L, LUA_REGISTRYINDEX, kLoadingKey);
  push(L, info->name);
  lua_pushvalue(L, 2);
  lua_rawset(L, -3);
  lua_settop(L, 0);
  load.functions.push_back(std::move(info));
  return nullptr;
}

int redis_register_function(lua_State* L) {
  if (t_load == nullptr) {
    return raise_error(L, "redis.register_function can only be called on FUNCTION LOAD command");
  }
  const char* error = register_function(L, *t_load);
  return error != nullptr ? raise_error(L, error) : 0;
}

void load_hook(lua_State* L, lua_Debug*) {
  if (t_load == nullptr || t_load->clock->now_ms() < t_load->deadline_ms) return;
  lua_sethook(L, load_hook, LUA_MASKLINE, 0);  // keep raising at every line
  raise_error(L, "FUNCTION LOAD timeout");
}

// Adds what a function interpreter has beyond an EVAL one: the load-time globals (a strict
// redis table of register_function, log, log levels and version) and the library tables.
void add_load_environment(lua_State* L) {
  lua_newtable(L);  // the load-time globals
  lua_newtable(L);  // their redis table
  set_function(L, "register_function", redis_register_function);
  set_log_and_version(L);
  make_proxy(L, strict_lookup);
  lua_setfield(L, -2, "redis");
  lua_setfield(L, LUA_REGISTRYINDEX, kLoadEnvKey);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kLibrariesKey);
}

// ---------------------------------------------------------------------------------------------
// The per-thread interpreters.

struct Vm {
  lua_State* L = nullptr;
  uint64_t generation = 0;
  uint64_t version = 0;  // the library_version() a function interpreter last pruned at
  int globals_ref = LUA_NOREF;
  Vm() = default;
  Vm(const Vm&) = delete;
  Vm& operator=(const Vm&) = delete;
  ~Vm() { close(); }
  void close() {
    if (L != nullptr) lua_close(L);
    L = nullptr;
  }
};

thread_local Vm t_eval_vm;
thread_local Vm t_function_vm;

// `vm`, (re)built when missing or older than `generation`.
Vm& current_vm(Vm& vm, uint64_t generation, std::atomic<int64_t>& bytes, bool functions) {
  if (vm.L != nullptr && vm.generation != generation) vm.close();
  if (vm.L == nullptr) {
    vm.L = create_state(vm.globals_ref, bytes);
    if (functions) add_load_environment(vm.L);
    vm.generation = generation;
  }
  return vm;
}

// This thread's EVAL interpreter; rebuilt after SCRIPT FLUSH.
Vm& eval_vm() {
  return current_vm(t_eval_vm, cache().generation.load(std::memory_order_acquire), g_eval_vm_bytes,
                    false);
}

// Drops the function tables of libraries no longer loaded (the garbage collector frees them).
void prune_libraries(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, kLibrariesKey);
  for (lua_pushnil(L); lua_next(L, -2); lua_pop(L, 1)) {
    if (library_loaded(static_cast<uint64_t>(lua_tonumber(L, -2)))) continue;
    lua_pushvalue(L, -2);
    lua_pushnil(L);
    lua_rawset(L, -5);  // clearing a field during the traversal is allowed
  }
  lua_pop(L, 1);
}

// This thread's function interpreter: rebuilt after FUNCTION FLUSH, pruned after a removal.
Vm& function_vm() {
  uint64_t version = library_version();  // read first: a later removal prunes again
  Vm& vm = current_vm(t_function_vm, function_generation(), g_function_vm_bytes, true);
  if (vm.version != version) {
    prune_libraries(vm.L);
    vm.version = version;
  }
  return vm;
}

// The text of the error a failed library run left on top of the stack.
std::string load_error_text(lua_State* L) {
  if (lua_isstring(L, -1)) return fmt::format("ERR {}", to_view(L, -1));
  if (lua_istable(L, -1)) {
    lua_getfield(L, -1, "err");
    std::string text(lua_isstring(L, -1) ? to_view(L, -1) : "ERR unknown error");
    lua_pop(L, 1);
    return text;
  }
  return "ERR unknown error";
}

LibraryEval evaluate_in(Vm& vm, uint64_t library_id, std::string_view body,
                        const store::Clock& clock) {
  lua_State* L = vm.L;
  int top = lua_gettop(L);  // left as found
  LibraryEval result;
  if (luaL_loadbuffer(L, body.data(), body.size(), "@user_function") != 0) {
    result.error = fmt::format("ERR Error compiling function: {}", to_view(L, -1));
    lua_settop(L, top);
    return result;
  }
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kLoadingKey);
  LoadContext load{
      .functions = {}, .clock = &clock, .deadline_ms = clock.now_ms() + kLoadTimeoutMs};
  t_load = &load;
  lua_sethook(L, load_hook, LUA_MASKCOUNT, kHookInstructions);
  int rc = lua_pcall(L, 0, 0, 0);
  lua_sethook(L, nullptr, 0, 0);
  t_load = nullptr;
  if (rc != 0) {
    result.error = "ERR Error registering functions: " + load_error_text(L);
  } else {
    lua_getfield(L, LUA_REGISTRYINDEX, kLibrariesKey);
    lua_getfield(L, LUA_REGISTRYINDEX, kLoadingKey);
    lua_rawseti(L, -2, static_cast<int>(library_id));
    result.functions = std::move(load.functions);
  }
  lua_pushnil(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kLoadingKey);
  lua_settop(L, top);
  return result;
}

// Pushes the function `name` of `library`, evaluating the library on this thread first if it
// has not been; on failure pushes nothing and sets `error`.
bool push_library_function(Vm& vm, const Library& library, std::string_view name,
                           const store::Clock& clock, std::string& error) {
  lua_State* L = vm.L;
  int top = lua_gettop(L);
  auto push_table = [&] {
    lua_getfield(L, LUA_REGISTRYINDEX, kLibrariesKey);
    lua_rawgeti(L, -1, static_cast<int>(library.id));
    lua_remove(L, -2);
    return lua_istable(L, -1);
  };
  if (!push_table()) {
    lua_settop(L, top);
    // The registry's code evaluated once already; it can still fail here (a load timeout).
    LibraryEval eval =
        evaluate_in(vm, library.id, library.code.substr(library.code.find('\n')), clock);
    if (!eval.error.empty()) {
      error = eval.error;
      return false;
    }
    push_table();
  }
  push(L, name);
  lua_rawget(L, -2);
  lua_remove(L, -2);
  return true;
}

// Pushes the compiled function of `script` (compiling it on this thread the first time); on a
// compile error pushes nothing and sets `error`.
bool push_function(Vm& vm, const CachedScript& script, std::string& error) {
  lua_State* L = vm.L;
  std::string name = "f_" + script.sha;
  lua_getfield(L, LUA_REGISTRYINDEX, name.c_str());
  if (lua_isfunction(L, -1)) return true;
  lua_pop(L, 1);
  std::string_view code = lua_code(script);
  if (luaL_loadbuffer(L, code.data(), code.size(), "@user_script") != 0) {
    error = fmt::format("ERR Error compiling script (new function): {}", to_view(L, -1));
    lua_pop(L, 1);
    return false;
  }
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, name.c_str());
  return true;
}

void push_array(lua_State* L, std::span<const std::string_view> items) {
  lua_createtable(L, static_cast<int>(items.size()), 0);
  for (size_t i = 0; i < items.size(); ++i) {
    push(L, items[i]);
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
}

void set_array_global(Vm& vm, const char* name, std::span<const std::string_view> items) {
  lua_State* L = vm.L;
  lua_rawgeti(L, LUA_REGISTRYINDEX, vm.globals_ref);
  push_array(L, items);
  lua_setfield(L, -2, name);  // the real globals have no metatable: a raw store
  lua_pop(L, 1);
}

// Writes the error a failed run left on top of the stack, in Redis 7.0's format.
void write_error(lua_State* L, const Run& run, resp::Writer& out) {
  if (!lua_istable(L, -1)) {
    out.error(fmt::format("ERR Error running script {}, {}", run.callee.name,
                          lua_isstring(L, -1) ? to_view(L, -1) : "execution failure"));
    return;
  }
  lua_getfield(L, -1, "err");
  std::string text(lua_isstring(L, -1) ? to_view(L, -1) : "ERR unknown error");
  lua_getfield(L, -2, "source");
  lua_getfield(L, -3, "line");
  if (lua_isstring(L, -2) && lua_isstring(L, -1)) {
    text += fmt::format(" script: {}, on {}:{}.", run.callee.name, to_view(L, -2), to_view(L, -1));
  }
  lua_pop(L, 3);
  out.error(text);
}

// Pushes the Lua function and the arguments of the run: a script gets KEYS and ARGV as
// globals, a function gets them as its two arguments. Returns the argument count, or -1 (and
// pushes nothing) with `error` set.
int push_call(Run& run, Vm& vm, std::span<const std::string_view> argv, std::string& error) {
  const Callee& callee = run.callee;
  if (callee.script != nullptr) {
    set_array_global(vm, "KEYS", run.keys);
    set_array_global(vm, "ARGV", argv);
    return push_function(vm, *callee.script, error) ? 0 : -1;
  }
  if (!push_library_function(vm, *callee.library, callee.name, run.instance.clock(), error)) {
    return -1;
  }
  push_array(vm.L, run.keys);
  push_array(vm.L, argv);
  return 2;
}

// One attempt; returns false when it was abandoned for the full lock (nothing written).
bool attempt(Run& run, Vm& vm, resp::Writer& out, std::span<const std::string_view> argv) {
  lua_State* L = vm.L;
  int handler = lua_gettop(L) + 1;
  lua_pushcfunction(L, error_handler);
  std::string error;
  int nargs = push_call(run, vm, argv, error);
  if (nargs < 0) {
    lua_settop(L, 0);
    out.error(error);
    return true;
  }
  if (run.busy_after_ms > 0) lua_sethook(L, count_hook, LUA_MASKCOUNT, kHookInstructions);
  t_run = &run;
  int rc = lua_pcall(L, nargs, 1, handler);
  t_run = nullptr;
  lua_sethook(L, nullptr, 0, 0);
  unmark_busy(run);
  if (run.undeclared) {
    lua_settop(L, 0);
    return false;
  }
  if (rc != 0) {
    write_error(L, run, out);
    lua_pop(L, 1);
  } else {
    write_value(L, out, run.session.protocol);
  }
  lua_settop(L, 0);
  return true;
}

// Runs `callee` for the client of `ctx`: the locking rule of scripting.h, rerun once under the
// full lock when the first attempt is abandoned.
void run_callee(Context& ctx, Vm& vm, const Callee& callee, std::span<const std::string_view> keys,
                std::span<const std::string_view> argv, bool read_only) {
  bool full = keys.empty() || callee.needs_full_lock.load(std::memory_order_relaxed);
  for (int tries = 0; tries < 2; ++tries, full = true) {
    Run run{
        .instance = ctx.instance,
        .callee = callee,
        .command = ctx.args,
        .vm = vm.L,
        .session = {},
        .caller_db = ctx.session.db,
        .keys = keys,
        .read_only = read_only,
        .full_lock = full,
        .start_ms = ctx.instance.clock().now_ms(),
        .busy_after_ms = ctx.instance.hot().busy_reply_threshold.load(std::memory_order_relaxed)};
    run.session.db = ctx.session.db;
    run.session.authenticated = true;
    run.session.acl_context = AclContext::kLua;
    run.caller = &ctx.session;
    run.over_maxmemory = ctx.instance.over_maxmemory();
    if (attempt(run, vm, ctx.out, argv)) return;
    callee.needs_full_lock.store(true, std::memory_order_relaxed);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public API.

LoadResult load_script(std::string_view body) {
  std::string sha = sha1_hex(body);
  if (auto found = find_script(sha)) return {found, ""};
  auto script = std::make_shared<CachedScript>();
  script->sha = sha;
  script->body = std::string(body);
  if (std::string err = parse_shebang(body, script->flags); !err.empty()) return {nullptr, err};
  Vm& vm = eval_vm();
  std::string error;
  if (!push_function(vm, *script, error)) return {nullptr, error};
  lua_pop(vm.L, 1);
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  auto [it, inserted] = c.scripts.emplace(sha, script);
  if (inserted) c.bytes += script->body.size() + kEntryOverhead;
  return {it->second, ""};
}

std::shared_ptr<const CachedScript> find_script(std::string_view sha) {
  if (sha.size() != 40) return nullptr;
  char lower[40];
  std::transform(sha.begin(), sha.end(), lower,
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  std::string_view key(lower, sizeof lower);
  Cache& c = cache();
  if (uint64_t generation = c.generation.load(std::memory_order_acquire);
      generation != t_scripts.generation) {
    t_scripts.scripts.clear();
    t_scripts.generation = generation;
  }
  if (auto it = t_scripts.scripts.find(key); it != t_scripts.scripts.end()) return it->second;
  std::lock_guard lock(c.mutex);
  auto it = c.scripts.find(std::string(key));
  if (it == c.scripts.end()) return nullptr;
  return t_scripts.scripts.emplace(key, it->second).first->second;
}

void flush_scripts() {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  c.scripts.clear();
  c.bytes = 0;
  c.generation.fetch_add(1, std::memory_order_release);
}

void run_script(Context& ctx, const CachedScript& script, std::span<const std::string_view> keys,
                std::span<const std::string_view> argv, bool read_only) {
  Callee callee{.name = script.sha,
                .flags = script.flags,
                .needs_full_lock = script.needs_full_lock,
                .script = &script,
                .library = nullptr};
  run_callee(ctx, eval_vm(), callee, keys, argv, read_only);
}

LibraryEval evaluate_library(uint64_t library_id, std::string_view body,
                             const store::Clock& clock) {
  return evaluate_in(function_vm(), library_id, body, clock);
}

void forget_library(uint64_t library_id) {
  if (t_function_vm.L == nullptr) return;
  lua_State* L = t_function_vm.L;
  lua_getfield(L, LUA_REGISTRYINDEX, kLibrariesKey);
  lua_pushnil(L);
  lua_rawseti(L, -2, static_cast<int>(library_id));
  lua_pop(L, 1);
}

bool runs_script(const CommandSpec& spec) {
  static constexpr std::string_view kNames[] = {"eval",       "evalsha", "eval_ro",
                                                "evalsha_ro", "fcall",   "fcall_ro"};
  return std::find(std::begin(kNames), std::end(kNames), spec.name) != std::end(kNames);
}

bool script_denies_oom(const CommandSpec& spec, std::span<const std::string_view> args) {
  if (args.size() < 2) return false;
  std::string_view name = spec.name;
  uint32_t flags = 0;
  if (name == "fcall" || name == "fcall_ro") {
    const FunctionInfo* f = find_function(args[1]).function;
    flags = f ? f->flags : 0;
  } else if (name == "evalsha" || name == "evalsha_ro") {
    auto script = find_script(args[1]);
    flags = script ? script->flags : 0;
  } else if ((name == "eval" || name == "eval_ro") && !parse_shebang(args[1], flags).empty()) {
    flags = 0;  // a malformed shebang: the command replies with the error
  }
  return (flags & kScriptShebang) && !(flags & (kScriptAllowOom | kScriptNoWrites));
}

void release_stale_function_interpreter() {
  if (t_function_vm.generation != function_generation()) t_function_vm.close();
}

void run_function(Context& ctx, const FoundFunction& found, std::span<const std::string_view> keys,
                  std::span<const std::string_view> argv, bool read_only) {
  const FunctionInfo& f = *found.function;
  Callee callee{.name = f.name,
                .flags = f.flags,
                .needs_full_lock = f.needs_full_lock,
                .script = nullptr,
                .library = found.library.get()};
  run_callee(ctx, function_vm(), callee, keys, argv, read_only);
}

KillResult kill_busy_scripts(bool functions) {
  std::lock_guard lock(g_busy_mutex);
  if (g_busy_runs.empty()) return KillResult::kNotBusy;
  size_t killed = 0;
  bool wrote = false;
  for (Run* run : g_busy_runs) {
    if (run->wrote.load(std::memory_order_relaxed)) {
      wrote = true;
    } else if ((run->callee.library != nullptr) == functions) {
      run->kill_requested.store(true, std::memory_order_relaxed);
      ++killed;
    }
  }
  if (killed > 0) return KillResult::kKilled;
  return wrote ? KillResult::kUnkillable : KillResult::kOtherKind;
}

std::optional<RunningFunction> running_function(const store::Clock& clock) {
  std::lock_guard lock(g_busy_mutex);
  for (const Run* run : g_busy_runs) {
    if (run->callee.library == nullptr) continue;
    RunningFunction r{.name = std::string(run->callee.name),
                      .command = {run->command.begin(), run->command.end()},
                      .duration_ms = clock.now_ms() - run->start_ms};
    return r;
  }
  return std::nullopt;
}

bool busy_script_is_eval() {
  std::lock_guard lock(g_busy_mutex);
  return !g_busy_runs.empty() && g_busy_runs.front()->callee.script != nullptr;
}

std::optional<Rejection> busy_rejection(const CommandSpec& spec, const CommandSpec* parent) {
  if (t_run != nullptr) return std::nullopt;  // the busy script's own redis.call
  static constexpr std::string_view kAllowed[] = {"auth",    "discard",  "hello", "multi",
                                                  "quit",    "replconf", "reset", "shutdown",
                                                  "unwatch", "watch"};
  std::string_view name = (parent ? parent : &spec)->name;
  if (parent == nullptr &&
      std::find(std::begin(kAllowed), std::end(kAllowed), name) != std::end(kAllowed)) {
    return std::nullopt;
  }
  if (parent != nullptr &&
      ((name == "script" && spec.name == "kill") ||
       (name == "function" && (spec.name == "kill" || spec.name == "stats")))) {
    return std::nullopt;
  }
  std::string_view text = busy_script_is_eval() ? kBusyEvalError : kBusyFunctionError;
  size_t space = text.find(' ');
  return Rejection{text.substr(0, space), std::string(text.substr(space + 1))};
}

ScriptMemory script_memory() {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  auto bytes = [](const std::atomic<int64_t>& n) {
    return static_cast<size_t>(std::max<int64_t>(0, n.load(std::memory_order_relaxed)));
  };
  return {bytes(g_eval_vm_bytes), bytes(g_function_vm_bytes), c.bytes, c.scripts.size()};
}

}  // namespace cachet::server
