// libFuzzer target: the command layer in process (no sockets). The input is a sequence of
// commands run against one Instance with a manual clock, by one authenticated RESP2 session.
// Checks: nothing crashes; every command appends exactly one well-formed RESP2 reply; at the end
// of each input the store's memory accounting matches what its tables and entries really hold,
// after FLUSHALL it is back to zero, and nothing leaks once the lazy-free thread is done.
//
// Input format, repeated until the input ends:
//   one byte   the command (an entry of kVocabulary; some entries carry fixed leading words,
//              e.g. "CONFIG SET maxmemory"; "@advance" and "@expire" drive the clock)
//   one byte   the number of further arguments (0..11, modulo 12); for "@advance" how far
//              the clock moves
//   per arg    one byte choosing its kind, then what that kind needs (see next_argument)
//
// With CACHET_FUZZ_TRACE set in the environment, every command and its reply are printed to
// stderr (to read what a crashing input does).
//
// Memory bound: one input must not allocate gigabytes, so offsets that size a value are clamped
// (clamp_sizes): SETBIT offsets and BITFIELD offsets below 1 << 20 bits (a "#N" offset below
// 1 << 14, times at most 64 bits), SETRANGE offsets below 1 << 17 bytes, and a negative
// SRANDMEMBER / ZRANDMEMBER count to at least -(1 << 10); CONFIG SET maxmemory below 1 << 16 (see
// clamp_maxmemory). Long strings are at most 4080 bytes and a command
// has at most 11 arguments.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "resp/reply.h"
#include "resp/writer.h"
#include "server/args.h"
#include "server/command.h"
#include "server/instance.h"
#include "store/clock.h"
#include "store/entry.h"
#include "store/hll.h"
#include "store/store.h"

namespace {

using cachet::server::iequals;

void check(bool ok) {
  if (!ok) std::abort();
}

constexpr std::string_view kAdvance = "@advance";
constexpr std::string_view kActiveExpire = "@expire";

// clang-format off
// Every command the fuzzer may send. No command here blocks: the session has no `deliver`, so
// BLPOP and friends answer as if timed out.
constexpr std::string_view kVocabulary[] = {
    "LPUSH", "RPUSH", "LPUSHX", "RPUSHX", "LPOP", "RPOP", "LLEN", "LRANGE", "LINDEX", "LSET",
    "LINSERT", "LREM", "LTRIM", "LPOS", "LMOVE", "LMPOP", "RPOPLPUSH", "BLPOP", "BRPOP", "BLMOVE",
    "BLMPOP", "BRPOPLPUSH", "SADD", "SREM", "SPOP", "SRANDMEMBER", "SMOVE", "SCARD", "SISMEMBER",
    "SMISMEMBER", "SINTER", "SUNION", "SDIFF", "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE",
    "SINTERCARD", "SSCAN", "SMEMBERS", "SETBIT", "GETBIT", "BITCOUNT", "BITPOS", "BITOP",
    "BITFIELD", "PFADD", "PFCOUNT", "PFMERGE", "SET", "GET", "GETDEL", "GETEX", "GETSET", "APPEND",
    "SETRANGE", "GETRANGE", "STRLEN", "INCR", "INCRBY", "DECRBY", "INCRBYFLOAT", "MSET", "HSET",
    "HDEL", "HGETALL", "HINCRBY", "HSETNX", "DEL", "UNLINK", "COPY", "MOVE", "RENAME", "RENAMENX",
    "EXISTS", "EXPIRE", "PEXPIRE", "PERSIST", "TTL", "TYPE", "OBJECT ENCODING", "OBJECT FREQ",
    "OBJECT IDLETIME", "MEMORY USAGE", "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH", "SELECT",
    "FLUSHDB", "FLUSHALL", "FLUSHALL ASYNC", "FLUSHDB ASYNC", "CONFIG SET hll-sparse-max-bytes",
    "CONFIG SET list-max-listpack-size", "CONFIG SET set-max-intset-entries",
    "CONFIG SET hash-max-listpack-entries", "CONFIG SET hash-max-listpack-value",
    "CONFIG SET maxmemory", "CONFIG SET maxmemory-policy", "SCAN", "KEYS", "RANDOMKEY", "DBSIZE",
    "SET", "SADD", "ZADD", "ZADD", "ZINCRBY", "ZREM", "ZCARD", "ZCOUNT", "ZLEXCOUNT", "ZSCORE",
    "ZMSCORE", "ZRANK", "ZREVRANK", "ZRANGE", "ZRANGESTORE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE",
    "ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZREVRANGE", "ZREMRANGEBYRANK", "ZREMRANGEBYSCORE",
    "ZREMRANGEBYLEX", "ZPOPMIN", "ZPOPMAX", "ZMPOP", "ZRANDMEMBER", "ZUNION", "ZINTER", "ZDIFF",
    "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE", "ZINTERCARD", "ZSCAN", "BZPOPMIN", "BZMPOP",
    "CONFIG SET zset-max-listpack-entries", "CONFIG SET zset-max-listpack-value", "GEOADD",
    "GEODIST", "GEOHASH", "GEOPOS", "GEORADIUS", "GEORADIUSBYMEMBER", "GEOSEARCH",
    "GEOSEARCHSTORE", "SORT", "SORT_RO", "XADD", "XADD", "XLEN", "XRANGE", "XREVRANGE", "XDEL",
    "XTRIM", "XSETID", "XREAD", "XREADGROUP GROUP", "XGROUP CREATE", "XGROUP SETID",
    "XGROUP DESTROY", "XGROUP CREATECONSUMER", "XGROUP DELCONSUMER", "XACK", "XPENDING",
    "XCLAIM", "XAUTOCLAIM", "XINFO STREAM", "XINFO GROUPS", "XINFO CONSUMERS",
    "CONFIG SET stream-node-max-entries", kAdvance, kActiveExpire};

// The settings the vocabulary may change, with their defaults (restored before each input).
constexpr std::string_view kDefaultSettings[] = {
    "hll-sparse-max-bytes", "3000", "list-max-listpack-size", "-2", "set-max-intset-entries",
    "512", "hash-max-listpack-entries", "128", "hash-max-listpack-value", "64", "maxmemory", "0",
    "maxmemory-policy", "allkeys-tinylfu", "zset-max-listpack-entries", "128",
    "zset-max-listpack-value", "64", "stream-node-max-entries", "100"};

constexpr std::string_view kKeys[] = {"k0", "k1", "k2", "k3"};

// Members that collide across commands; integers keep a set an intset.
constexpr std::string_view kMembers[] = {
    "a", "b", "c", "d", "1", "2", "3", "100", "-1", "0", "3.5", "", "hello", "12345678901", "x",
    "y"};

constexpr std::string_view kNumbers[] = {
    "-1", "0", "1", "2", "3", "-2", "5", "7", "8", "10", "63", "64", "65", "100", "-100", "1000",
    "512", "513", "4294967295", "4294967296", "9223372036854775807", "-9223372036854775808",
    "9223372036854775808", "18446744073709551615", "2147483647", "-2147483648", "1.5", "-0", "+1",
    "01", "1e3", "inf", "-inf", "nan", "", "#0", "#1", "#7", "#9223372036854775807",
    "1.7976931348623157e308", "0.1", "-9223372036854775807", "1099511627776", "3000", "20000",
    "16384", "-3", "4", "(1", "(-inf", "+inf", "(2.5", "[a", "(b", "-", "+", "[", "13.361389",
    "38.115556", "-180.5", "85.06", "200", "1-1", "0-0", "0-1", "5-*", "2-3", "(1-1", "7",
    "18446744073709551615-18446744073709551615", "18446744073709551615-*"};

constexpr std::string_view kKeywords[] = {
    "LEFT", "RIGHT", "BEFORE", "AFTER", "COUNT", "RANK", "MAXLEN", "BYTE", "BIT", "AND", "OR",
    "XOR", "NOT", "GET", "SET", "INCRBY", "OVERFLOW", "WRAP", "SAT", "FAIL", "u1", "i1", "u8",
    "i8", "u16", "i16", "u63", "i63", "i64", "u64", "u0", "i65", "NX", "XX", "GT", "LT", "EX",
    "PX", "EXAT", "PXAT", "KEEPTTL", "PERSIST", "DB", "REPLACE", "MATCH", "*", "k*", "LIMIT",
    "TYPE", "ASYNC", "SYNC", "string", "list", "set", "hash", "SAMPLES", "noeviction",
    "allkeys-lru", "allkeys-lfu", "volatile-ttl", "allkeys-random", "volatile-lru", "0", "1",
    "CH", "INCR", "WITHSCORES", "BYSCORE", "BYLEX", "REV", "WEIGHTS", "AGGREGATE", "SUM", "MIN",
    "MAX", "m", "km", "FROMMEMBER", "FROMLONLAT", "BYRADIUS", "BYBOX", "ASC", "DESC", "ANY",
    "WITHCOORD", "WITHDIST", "WITHHASH", "STORE", "STOREDIST", "BY", "ALPHA", "nosort", "#",
    "k*->a", "zset", "MINID", "~", "=", "NOMKSTREAM", "STREAMS", "$", ">", "MKSTREAM",
    "ENTRIESREAD", "JUSTID", "FORCE", "IDLE", "TIME", "RETRYCOUNT", "LASTID", "FULL", "NOACK",
    "BLOCK", "GROUP", "ENTRIESADDED", "MAXDELETEDID", "stream"};
// clang-format on

// Reads the input byte by byte; past the end it yields zeros.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool done() const { return pos_ >= size_; }
  uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  std::string bytes(size_t n) {
    n = std::min(n, size_ - std::min(pos_, size_));
    std::string s(reinterpret_cast<const char*>(data_) + pos_, n);
    pos_ += n;
    return s;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

template <size_t N>
std::string pick(const std::string_view (&pool)[N], uint8_t b) {
  return std::string(pool[b % N]);
}

// An HLL-looking value: a header with the chosen encoding and cache, then raw registers (a dense
// one padded to its full size, so it passes as an HLL).
std::string hll_like(Reader& in) {
  uint8_t control = in.byte();
  std::string v = cachet::store::hll::make_empty();
  bool dense = control & 1;
  v[4] = static_cast<char>(dense ? 0 : 1);
  v[15] = static_cast<char>(control & 0x80);
  if (control & 2) {
    v.resize(cachet::store::hll::kHeaderBytes);
    v += in.bytes(in.byte() % 64);
  }
  if (dense) v.resize(cachet::store::hll::kDenseBytes, '\0');
  return v;
}

// One argument: its kind is chosen by one byte, its content by what follows.
std::string next_argument(Reader& in) {
  uint8_t kind = in.byte();
  switch (kind % 16) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
      return pick(kKeys, kind >> 4);
    case 6:
    case 7:
      return pick(kNumbers, in.byte());
    case 8:
      return std::to_string(static_cast<int8_t>(in.byte()));
    case 9:
    case 10:
      return pick(kKeywords, in.byte());
    case 11:
    case 12:
      return in.bytes(in.byte() % 32);
    case 13:
      return pick(kMembers, in.byte());
    case 14:
      return hll_like(in);
    default:
      return std::string(size_t{in.byte()} * 16, static_cast<char>('a' + (kind >> 4)));
  }
}

// Replaces an integer argument at or above `limit` (or "#N" with N at or above `hash_limit`) by
// itself modulo the limit; anything that is not an integer is left for the command to reject.
void clamp_offset(std::string& arg, int64_t limit, int64_t hash_limit) {
  bool hash = !arg.empty() && arg[0] == '#';
  auto n = cachet::server::parse_int64(std::string_view(arg).substr(hash ? 1 : 0));
  int64_t bound = hash ? hash_limit : limit;
  if (n && *n >= bound) arg = (hash ? "#" : "") + std::to_string(*n % bound);
}

// Keeps a CONFIG SET maxmemory value below kMaxMaxmemory, anything that is not an integer
// turning into an invalid value: a small maxmemory makes writes evict (coverage), and keeps the
// TinyLFU sketch at its smallest width (4 KB) instead of up to 64 MB per input.
void clamp_maxmemory(std::string& arg) {
  constexpr int64_t kMaxMaxmemory = int64_t{1} << 16;
  auto n = cachet::server::parse_int64(arg);
  if (!n) {
    arg = "not-a-size";
  } else if (*n >= kMaxMaxmemory) {
    arg = std::to_string(*n % kMaxMaxmemory);
  }
}

// The memory bound described at the top of the file.
void clamp_sizes(std::vector<std::string>& args) {
  constexpr int64_t kMaxBit = int64_t{1} << 20;
  constexpr int64_t kMaxFieldIndex = int64_t{1} << 14;
  constexpr int64_t kMaxByte = int64_t{1} << 17;
  constexpr int64_t kMinRandomCount = -(int64_t{1} << 10);
  const std::string& name = args[0];
  if (iequals(name, "SETBIT") && args.size() > 2) clamp_offset(args[2], kMaxBit, kMaxBit);
  if (iequals(name, "SETRANGE") && args.size() > 2) clamp_offset(args[2], kMaxByte, kMaxByte);
  if (iequals(name, "BITFIELD")) {
    for (size_t i = 4; i < args.size(); ++i) {
      const std::string& op = args[i - 2];
      if (iequals(op, "GET") || iequals(op, "SET") || iequals(op, "INCRBY")) {
        clamp_offset(args[i], kMaxBit, kMaxFieldIndex);
      }
    }
  }
  if (iequals(name, "CONFIG")) {
    for (size_t i = 3; i < args.size(); ++i) {
      if (iequals(args[i - 1], "maxmemory")) clamp_maxmemory(args[i]);
    }
  }
  if ((iequals(name, "SRANDMEMBER") || iequals(name, "ZRANDMEMBER")) && args.size() > 2) {
    auto n = cachet::server::parse_int64(args[2]);
    if (n && *n < kMinRandomCount) args[2] = std::to_string(kMinRandomCount);
  }
}

// Splits a vocabulary entry into its words.
std::vector<std::string> words_of(std::string_view entry) {
  std::vector<std::string> words;
  for (size_t start = 0; start < entry.size();) {
    size_t end = std::min(entry.find(' ', start), entry.size());
    words.emplace_back(entry.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

// The process-wide server the inputs run against (one, so each input does not start threads).
struct Harness {
  cachet::store::ManualClock clock;
  cachet::server::Instance instance{cachet::server::Config{}, clock};
  bool settings_changed = true;

  void restore_settings() {
    if (!settings_changed) return;
    std::vector<std::string_view> pairs(std::begin(kDefaultSettings), std::end(kDefaultSettings));
    check(instance.set_config(pairs).empty());
    settings_changed = false;
  }
};

Harness& harness() {
  static Harness* h = new Harness();
  return *h;
}

// Prints `s` with non-printable bytes as \xNN, at most 80 bytes of it.
void print_escaped(std::string_view s) {
  for (unsigned char c : s.substr(0, 80)) {
    if (c >= 0x20 && c < 0x7f) {
      std::fputc(c, stderr);
    } else {
      std::fprintf(stderr, "\\x%02x", c);
    }
  }
  if (s.size() > 80) std::fprintf(stderr, "...(%zu bytes)", s.size());
}

void trace(const std::vector<std::string>& words, std::string_view reply) {
  static const bool enabled = std::getenv("CACHET_FUZZ_TRACE") != nullptr;
  if (!enabled) return;
  for (const std::string& w : words) {
    std::fputc('"', stderr);
    print_escaped(w);
    std::fputs("\" ", stderr);
  }
  std::fputs("-> ", stderr);
  print_escaped(reply);
  std::fputc('\n', stderr);
}

// Runs one command and checks that it answered with exactly one complete RESP2 reply.
void run(Harness& h, cachet::server::Session& session, const std::vector<std::string>& words) {
  std::vector<std::string_view> args(words.begin(), words.end());
  std::string out;
  cachet::resp::Writer writer(out, session.protocol);
  h.instance.execute(session, args, writer);
  trace(words, out);
  cachet::resp::Reply reply;
  size_t used = 0;
  check(cachet::resp::parse_reply(out, reply, used, size_t{1} << 30) ==
        cachet::resp::ReplyStatus::kOk);
  check(used == out.size());
}

// Moves the clock by an input-chosen amount: a few ms up to about a day.
void advance(Harness& h, uint8_t b) {
  constexpr std::array<int64_t, 4> kScale = {1, 97, 10'007, 1'000'003};
  h.clock.advance(std::chrono::milliseconds(int64_t{b >> 2} * kScale[b & 3]));
}

// Bytes the store's tables and entries really hold, summed over every shard of every database.
int64_t audited_bytes(cachet::store::Store& store) {
  int64_t total = 0;
  for (int db = 0; db < store.databases(); ++db) {
    store.for_each_shard(db, [&](cachet::store::Shard& shard) {
      total += static_cast<int64_t>(shard.table().bucket_bytes());
      shard.table().for_each([&](const cachet::store::Entry* e) {
        total += static_cast<int64_t>(cachet::store::entry_bytes(e));
      });
    });
  }
  return total;
}

// Waits until the lazy-free thread has freed everything UNLINK and FLUSH* ASYNC handed it. The
// table links carry hash tags in their top bits, so LeakSanitizer cannot see that a queued
// table still owns its entries: without this wait, libFuzzer's leak check would report them.
void wait_for_lazy_free(const cachet::store::Store& store) {
  while (store.lazy_freer().pending() != 0) std::this_thread::yield();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Harness& h = harness();
  h.restore_settings();
  cachet::server::Session session;
  session.authenticated = true;
  Reader in(data, size);
  while (!in.done()) {
    std::string_view entry = kVocabulary[in.byte() % std::size(kVocabulary)];
    uint8_t second = in.byte();
    if (entry == kAdvance) {
      advance(h, second);
      continue;
    }
    if (entry == kActiveExpire) {
      h.instance.active_expire(0, 1, std::chrono::microseconds(200));
      continue;
    }
    std::vector<std::string> words = words_of(entry);
    for (int i = 0; i < second % 12; ++i) words.push_back(next_argument(in));
    clamp_sizes(words);
    h.settings_changed |= words[0] == "CONFIG";
    run(h, session, words);
  }
  cachet::server::discard_transaction(session);
  cachet::server::unwatch_all(h.instance, session);
  check(audited_bytes(h.instance.store()) == h.instance.store().used_bytes());
  run(h, session, {"FLUSHALL"});
  check(h.instance.store().used_bytes() == 0);
  wait_for_lazy_free(h.instance.store());
  return 0;
}
