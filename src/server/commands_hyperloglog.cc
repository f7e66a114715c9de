// HyperLogLog commands: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST with Redis 7.0 semantics. An HLL
// is a string value in Redis's byte representation (store/hll.h), so GET / SET move HLLs between
// cachet and Redis unchanged.
#include <fmt/format.h>

#include <optional>
#include <string>
#include <vector>

#include "server/args.h"
#include "server/command.h"
#include "server/key_lock.h"
#include "server/notify.h"
#include "store/hll.h"
#include "store/strings.h"

namespace cachet::server {
namespace {

using store::Entry;
namespace hll = store::hll;

constexpr std::string_view kNotHll = "WRONGTYPE Key is not a valid HyperLogLog string value.";
constexpr std::string_view kCorrupt = "INVALIDOBJ Corrupted HLL object detected";

// Whether `e` (absent, or a live entry) may be used as an HLL; replies WRONGTYPE when not.
bool usable(Context& ctx, const Entry* e) {
  if (e == nullptr) return true;
  if (!e->is_string()) {
    reply_wrong_type(ctx);
    return false;
  }
  if (!hll::is_hll(e->value())) {
    ctx.out.error(kNotHll);
    return false;
  }
  return true;
}

// PFADD key [element ...]: 1 when the key was created or a register grew.
void cmd_pfadd(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  Entry* e = k.find();
  if (!usable(ctx, e)) return;
  bool created = e == nullptr;
  if (created) {
    std::string fresh = hll::make_empty();
    hll::invalidate_cache(fresh);  // Redis counts the creation as a change
    e = k.put(fresh);
  }
  hll::Change change = hll::add(k.shard(), e, ctx.args.subspan(2));
  store::str::set_form(e, store::str::Form::kRaw);  // an HLL is a raw string, as in Redis
  if (change == hll::Change::kCorrupt) return ctx.out.error(kCorrupt);
  bool updated = created || change == hll::Change::kChanged;
  if (updated) notify_keyspace_event(ctx, kNotifyString, "pfadd", k.key());
  ctx.out.integer(updated ? 1 : 0);
}

// The union of the HLLs at the locked keys (absent keys count as empty) into `max`; replies with
// the error and returns false when one is not an HLL or is corrupt. `dense` tells whether any
// of them is dense.
bool union_of(Context& ctx, MultiKeyLock& keys, size_t n, hll::Registers& max, bool& dense) {
  dense = false;
  for (size_t i = 0; i < n; ++i) {
    const Entry* e = keys.find_read(i);
    if (!usable(ctx, e)) return false;
    if (e == nullptr) continue;
    dense |= hll::encoding_of(e->value()) == hll::Encoding::kDense;
    if (!hll::merge_into(max, e->value())) {
      ctx.out.error(kCorrupt);
      return false;
    }
  }
  return true;
}

void count_one(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  Entry* e = k.find_read();
  if (!usable(ctx, e)) return;
  if (e == nullptr) return ctx.out.integer(0);
  auto card = hll::cardinality(k.shard(), e);
  store::str::set_form(e, store::str::Form::kRaw);
  if (!card) return ctx.out.error(kCorrupt);
  ctx.out.integer(static_cast<int64_t>(*card));
}

// PFCOUNT key [key ...]: one key uses (and refreshes) its cached cardinality; several count
// their union without writing anything.
void cmd_pfcount(Context& ctx) {
  if (ctx.args.size() == 2) return count_one(ctx);
  auto keys = ctx.args.subspan(1);
  MultiKeyLock lock(ctx, keys);
  hll::Registers max{};
  bool dense;
  if (!union_of(ctx, lock, keys.size(), max, dense)) return;
  ctx.out.integer(static_cast<int64_t>(hll::count(max)));
}

// PFMERGE destkey [sourcekey ...]: destkey takes the union of itself and the sources; it is
// created even with no sources, and turns dense when any input is dense.
void cmd_pfmerge(Context& ctx) {
  auto keys = ctx.args.subspan(1);  // keys[0] is destkey, itself an input
  MultiKeyLock lock(ctx, keys);
  hll::Registers max{};
  bool dense;
  if (!union_of(ctx, lock, keys.size(), max, dense)) return;
  Entry* dest = lock.find(0);
  std::string merged = dest ? std::string(dest->value()) : hll::make_empty();
  if (!hll::store_registers(merged, max, dense)) return ctx.out.error(kCorrupt);
  if (dest != nullptr) {
    hll::replace(lock.shard(0), dest, merged);
  } else {
    dest = lock.put(0, merged);
  }
  store::str::set_form(dest, store::str::Form::kRaw);
  notify_keyspace_event(ctx, kNotifyString, "pfadd", keys[0]);  // as Redis names it
  ctx.out.ok();
}

// Makes the HLL at the locked key dense (PFDEBUG GETREG, TODENSE); whether it was sparse, or
// nothing (after replying) when it is corrupt.
std::optional<bool> make_dense(Context& ctx, KeyLock& k, Entry*& e) {
  if (hll::encoding_of(e->value()) == hll::Encoding::kDense) return false;
  std::string dense(e->value());
  if (!hll::to_dense(dense)) {
    ctx.out.error(kCorrupt);
    return std::nullopt;
  }
  hll::reencode(k.shard(), e, dense);
  return true;
}

// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key, with Redis's check order: the key, its type, then
// the subcommand.
void cmd_pfdebug(Context& ctx) {
  std::string_view sub = ctx.args[1];
  KeyLock k(ctx, ctx.args[2]);
  Entry* e = k.find();
  if (e == nullptr) return ctx.out.error("ERR The specified key does not exist");
  if (!usable(ctx, e)) return;
  store::str::set_form(e, store::str::Form::kRaw);  // Redis unshares the value first
  bool sparse = hll::encoding_of(e->value()) == hll::Encoding::kSparse;
  if (iequals(sub, "encoding")) return ctx.out.simple(sparse ? "sparse" : "dense");
  if (iequals(sub, "decode")) {
    if (!sparse) return ctx.out.error("ERR HLL encoding is not sparse");
    return ctx.out.bulk(hll::describe_sparse(e->value()));
  }
  if (iequals(sub, "todense")) {
    std::optional<bool> converted = make_dense(ctx, k, e);
    if (converted) ctx.out.integer(*converted ? 1 : 0);
    return;
  }
  if (iequals(sub, "getreg")) {
    if (!make_dense(ctx, k, e)) return;
    hll::Registers registers{};
    if (!hll::merge_into(registers, e->value())) return ctx.out.error(kCorrupt);
    ctx.out.array(registers.size());
    for (uint8_t r : registers) ctx.out.integer(r);
    return;
  }
  ctx.out.error(fmt::format("ERR Unknown PFDEBUG subcommand '{}'", sub));
}

void cmd_pfselftest(Context& ctx) {
  if (auto failure = hll::self_test()) return ctx.out.error(*failure);
  ctx.out.ok();
}

const CommandSpec kCommands[] = {
    {.name = "pfadd",
     .arity = -2,
     .flags = kWrite | kDenyOom | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_pfadd,
     .doc = {"Adds the specified elements to the specified HyperLogLog.", "2.8.9"}},
    {.name = "pfcount",
     .arity = -2,
     .flags = kReadonly,
     .keys = {1, -1, 1},
     .fn = cmd_pfcount,
     .doc = {"Return the approximated cardinality of the set(s) observed by the HyperLogLog at "
             "key(s).",
             "2.8.9"}},
    {.name = "pfmerge",
     .arity = -2,
     .flags = kWrite | kDenyOom,
     .keys = {1, -1, 1},
     .fn = cmd_pfmerge,
     .doc = {"Merge N different HyperLogLogs into a single one.", "2.8.9"}},
    {.name = "pfdebug",
     .arity = 3,
     .flags = kWrite | kDenyOom | kAdmin,
     .keys = {2, 2, 1},
     .fn = cmd_pfdebug,
     .doc = {"Internal commands for debugging HyperLogLog values.", "2.8.9"}},
    {.name = "pfselftest",
     .arity = 1,
     .flags = kAdmin,
     .fn = cmd_pfselftest,
     .doc = {"An internal command for testing HyperLogLog values", "2.8.9"}},
};

}  // namespace

CommandFamily hyperloglog_commands() { return {"hyperloglog", kCommands}; }

}  // namespace cachet::server
