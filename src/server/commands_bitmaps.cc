// Bitmap commands: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO with Redis 7.0
// semantics, including its order of checks (BITCOUNT and BITPOS look the key up before parsing
// their range, so a missing key answers 0 / -1 whatever the range says).
//
// Each command parses, reads or edits the string through store::str and store::bits, and
// replies. A bitmap is an ordinary string value; writes pad it with zero bytes.
#include <algorithm>
#include <optional>
#include <string_view>
#include <vector>

#include "server/args.h"
#include "server/command.h"
#include "server/key_lock.h"
#include "server/notify.h"
#include "store/bits.h"
#include "store/strings.h"

namespace cachet::server {
namespace {

using store::Entry;
namespace bits = store::bits;
namespace str = store::str;

constexpr unsigned kByteBits = 8;

// The bytes of a string entry (none when absent).
bits::Bytes bytes_of(const Entry* e) {
  return e == nullptr ? bits::Bytes() : bits::as_bytes(e->value());
}

// The string at the locked key for reading, or null when absent. Replies WRONGTYPE and sets
// `wrong` when the key holds another type.
Entry* find_string(Context& ctx, KeyLock& k, bool& wrong) {
  Entry* e = k.find_read();
  wrong = wrong_kind(ctx, e, store::Kind::kString);
  return wrong ? nullptr : e;
}

// The string at the locked key for a bit write, created when absent and zero-padded so that bit
// `max_bit` exists (`grown` says whether that created or lengthened it); null (after replying)
// on WRONGTYPE. Like Redis's lookupStringForBitCommand, it touches nothing (WATCH, tracking):
// the command touches the key when it counts a change.
Entry* string_for_write(Context& ctx, KeyLock& k, uint64_t max_bit, bool& grown) {
  Entry* e = k.find();
  if (e != nullptr && !e->is_string()) {
    reply_wrong_type(ctx);
    return nullptr;
  }
  size_t len = max_bit / kByteBits + 1;
  grown = e == nullptr || e->value_len() < len;
  if (e == nullptr) e = k.add_quietly("");
  str::grow_zeroed(k.shard(), e, len);
  return e;
}

// A bit offset argument: a non-negative integer whose byte is below proto-max-bulk-len. With
// `field_bits` (BITFIELD), `#n` means n * field_bits (wrapping on overflow, as Redis does).
// Replies with the error and returns nothing when invalid.
std::optional<uint64_t> parse_bit_offset(Context& ctx, std::string_view arg,
                                         unsigned field_bits = 0) {
  bool scaled = field_bits > 0 && !arg.empty() && arg[0] == '#';
  auto n = parse_int64(scaled ? arg.substr(1) : arg);
  if (n && scaled) n = static_cast<int64_t>(static_cast<uint64_t>(*n) * field_bits);
  if (!n || *n < 0 || static_cast<uint64_t>(*n) / kByteBits >= ctx.instance.proto_max_bulk_len()) {
    ctx.out.error("ERR bit offset is not an integer or out of range");
    return std::nullopt;
  }
  return static_cast<uint64_t>(*n);
}

// BIT / BYTE (case-insensitive): whether the range counts bits. Replies a syntax error and
// returns nothing otherwise.
std::optional<bool> parse_unit(Context& ctx, std::string_view arg) {
  if (iequals(arg, "bit")) return true;
  if (iequals(arg, "byte")) return false;
  reply_syntax_error(ctx);
  return std::nullopt;
}

// An inclusive bit range.
struct BitRange {
  uint64_t first, last;
};

// The bits that BITCOUNT / BITPOS's start..end cover in a string of `len` bytes: negative
// indexes count from the end, both are clamped to the string; in bytes unless `in_bits`.
// Nothing when the range is empty.
std::optional<BitRange> resolve_range(int64_t start, int64_t end, bool in_bits, size_t len) {
  auto range = clamp_range(start, end, in_bits ? len * kByteBits : len);
  if (!range) return std::nullopt;
  auto [first, last] = *range;
  if (in_bits) return BitRange{first, last};
  return BitRange{first * kByteBits, last * kByteBits + kByteBits - 1};
}

void cmd_setbit(Context& ctx) {
  auto offset = parse_bit_offset(ctx, ctx.args[2]);
  if (!offset) return;
  auto value = parse_int64(ctx.args[3]);
  if (!value || (*value & ~int64_t{1}) != 0) {
    return ctx.out.error("ERR bit is not an integer or out of range");
  }
  KeyLock k(ctx, ctx.args[1]);
  // Redis 7.0 leaves a string whose bit already has the value (and needs no growth) untouched,
  // so a WATCH on it stays clean.
  const Entry* current = k.find();
  if (current != nullptr && current->is_string() && *offset / kByteBits < current->value_len() &&
      bits::get(bytes_of(current), *offset) == (*value == 1)) {
    str::set_form(k.find(), str::Form::kRaw);  // Redis unshares it all the same
    return ctx.out.integer(*value);
  }
  bool grown;
  Entry* e = string_for_write(ctx, k, *offset, grown);
  if (e == nullptr) return;
  bool old = str::edit(k.shard(), e,
                       [&](bits::MutableBytes b) { return bits::set(b, *offset, *value == 1); });
  notify_keyspace_event(ctx, kNotifyString, "setbit", k.key());
  ctx.out.integer(old ? 1 : 0);
}

void cmd_getbit(Context& ctx) {
  auto offset = parse_bit_offset(ctx, ctx.args[2]);
  if (!offset) return;
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  const Entry* e = find_string(ctx, k, wrong);
  if (!wrong) ctx.out.integer(bits::get(bytes_of(e), *offset) ? 1 : 0);
}

// BITCOUNT key [start end [BYTE|BIT]]
void cmd_bitcount(Context& ctx) {
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  const Entry* e = find_string(ctx, k, wrong);
  if (wrong) return;
  if (e == nullptr) return ctx.out.integer(0);
  size_t argc = ctx.args.size();
  if (argc != 2 && argc != 4 && argc != 5) return reply_syntax_error(ctx);
  bits::Bytes value = bytes_of(e);
  std::optional<BitRange> range;
  if (argc == 2) {
    if (!value.empty()) range = BitRange{0, value.size() * kByteBits - 1};
  } else {
    auto start = parse_int64(ctx.args[2]), end = parse_int64(ctx.args[3]);
    if (!start || !end) return reply_not_integer(ctx);
    if (*start < 0 && *end < 0 && *start > *end) return ctx.out.integer(0);
    std::optional<bool> in_bits = argc == 5 ? parse_unit(ctx, ctx.args[4]) : false;
    if (!in_bits) return;
    range = resolve_range(*start, *end, *in_bits, value.size());
  }
  ctx.out.integer(range ? static_cast<int64_t>(bits::count(value, range->first, range->last)) : 0);
}

// BITPOS key bit [start [end [BYTE|BIT]]]. Looking for a clear bit without an end, the string
// counts as padded with zeros: past its last bit is the answer when it has no clear bit.
void cmd_bitpos(Context& ctx) {
  auto bit = parse_int64(ctx.args[2]);
  if (!bit) return reply_not_integer(ctx);
  if (*bit != 0 && *bit != 1) return ctx.out.error("ERR The bit argument must be 1 or 0.");
  KeyLock k(ctx, ctx.args[1]);
  bool wrong;
  const Entry* e = find_string(ctx, k, wrong);
  if (wrong) return;
  if (e == nullptr) return ctx.out.integer(*bit == 1 ? -1 : 0);
  size_t argc = ctx.args.size();
  if (argc > 6) return reply_syntax_error(ctx);
  bits::Bytes value = bytes_of(e);
  int64_t start = 0, end = static_cast<int64_t>(value.size()) - 1;
  bool in_bits = false, end_given = argc >= 5;
  if (argc >= 4) {
    auto s = parse_int64(ctx.args[3]);
    if (!s) return reply_not_integer(ctx);
    start = *s;
    if (argc == 6) {
      auto unit = parse_unit(ctx, ctx.args[5]);
      if (!unit) return;
      in_bits = *unit;
    }
    if (end_given) {
      auto t = parse_int64(ctx.args[4]);
      if (!t) return reply_not_integer(ctx);
      end = *t;
    }
  }
  auto range = resolve_range(start, end, in_bits, value.size());
  if (!range) return ctx.out.integer(-1);
  int64_t pos = bits::find(value, *bit == 1, range->first, range->last);
  if (pos < 0 && *bit == 0 && !end_given) pos = static_cast<int64_t>(range->last + 1);
  ctx.out.integer(pos);
}

std::optional<bits::Op> parse_op(std::string_view name) {
  if (iequals(name, "and")) return bits::Op::kAnd;
  if (iequals(name, "or")) return bits::Op::kOr;
  if (iequals(name, "xor")) return bits::Op::kXor;
  if (iequals(name, "not")) return bits::Op::kNot;
  return std::nullopt;
}

// BITOP AND|OR|XOR|NOT destkey key [key ...]: replies the result's length; an empty result
// deletes destkey.
void cmd_bitop(Context& ctx) {
  auto op = parse_op(ctx.args[1]);
  if (!op) return reply_syntax_error(ctx);
  if (*op == bits::Op::kNot && ctx.args.size() != 4) {
    return ctx.out.error("ERR BITOP NOT must be called with a single source key.");
  }
  auto keys = ctx.args.subspan(2);  // the destination, then the sources
  MultiKeyLock k(ctx, keys);
  std::vector<bits::Bytes> sources;
  for (size_t i = 1; i < keys.size(); ++i) {
    const Entry* e = k.find_read(i);
    if (e != nullptr && !e->is_string()) return reply_wrong_type(ctx);
    sources.push_back(bytes_of(e));
  }
  std::string result = bits::combine(*op, sources);
  if (result.empty()) {
    if (k.erase(0)) notify_keyspace_event(ctx, kNotifyGeneric, "del", keys[0]);
  } else {
    str::set_form(k.put(0, result), str::Form::kRaw);  // Redis creates it raw
    notify_keyspace_event(ctx, kNotifyString, "set", keys[0]);
  }
  ctx.out.integer(static_cast<int64_t>(result.size()));
}

enum class FieldOp { kGet, kSet, kIncrBy };

// One BITFIELD subcommand, with the OVERFLOW mode in force where it appears.
struct FieldCommand {
  FieldOp op;
  bits::FieldType type;
  uint64_t offset;
  int64_t value;  // SET's value or INCRBY's increment
  bits::Overflow overflow;
};

// i1..i64 or u1..u63 (the prefix is case-sensitive, as in Redis).
std::optional<bits::FieldType> parse_field_type(Context& ctx, std::string_view arg) {
  bool is_signed = !arg.empty() && arg[0] == 'i';
  auto n =
      (is_signed || (!arg.empty() && arg[0] == 'u')) ? parse_int64(arg.substr(1)) : std::nullopt;
  if (!n || *n < 1 || *n > (is_signed ? 64 : 63)) {
    ctx.out.error(
        "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
        "i64 is.");
    return std::nullopt;
  }
  return bits::FieldType{is_signed, static_cast<unsigned>(*n)};
}

std::optional<bits::Overflow> parse_overflow(Context& ctx, std::string_view arg) {
  if (iequals(arg, "wrap")) return bits::Overflow::kWrap;
  if (iequals(arg, "sat")) return bits::Overflow::kSat;
  if (iequals(arg, "fail")) return bits::Overflow::kFail;
  ctx.out.error("ERR Invalid OVERFLOW type specified");
  return std::nullopt;
}

// Parses BITFIELD's subcommands from args[2..]. Replies with the error and returns false when
// one is invalid (nothing has run then).
bool parse_field_commands(Context& ctx, std::vector<FieldCommand>& out) {
  bits::Overflow overflow = bits::Overflow::kWrap;
  for (size_t i = 2; i < ctx.args.size();) {
    std::string_view name = ctx.args[i];
    size_t remaining = ctx.args.size() - i - 1;
    if (iequals(name, "overflow") && remaining >= 1) {
      auto mode = parse_overflow(ctx, ctx.args[i + 1]);
      if (!mode) return false;
      overflow = *mode;
      i += 2;
      continue;
    }
    FieldOp op = iequals(name, "get")   ? FieldOp::kGet
                 : iequals(name, "set") ? FieldOp::kSet
                                        : FieldOp::kIncrBy;
    size_t needs = op == FieldOp::kGet ? 2 : 3;
    if ((op == FieldOp::kIncrBy && !iequals(name, "incrby")) || remaining < needs) {
      reply_syntax_error(ctx);
      return false;
    }
    auto type = parse_field_type(ctx, ctx.args[i + 1]);
    if (!type) return false;
    auto offset = parse_bit_offset(ctx, ctx.args[i + 2], type->bits);
    if (!offset) return false;
    std::optional<int64_t> value = 0;
    if (op != FieldOp::kGet && !(value = parse_int64(ctx.args[i + 3]))) {
      reply_not_integer(ctx);
      return false;
    }
    out.push_back({op, *type, *offset, *value, overflow});
    i += 1 + needs;
  }
  return true;
}

// Runs one SET / INCRBY on the string and replies with its result (SET: the old value; INCRBY:
// the new one; null when OVERFLOW FAIL refuses it, leaving the field as it was). Returns whether
// Redis counts it as a change, which touches the key: a write that changed the field or follows
// a `grown` string. A refused write, or one to a string that was there, that leaves the field as
// it was touches nothing (a WATCH stays clean).
bool run_field_write(Context& ctx, KeyLock& k, Entry* e, const FieldCommand& c, bool grown) {
  int64_t old = bits::get_field(bytes_of(e), c.offset, c.type);
  auto stored = c.op == FieldOp::kSet ? bits::fit_value(c.type, c.value, c.overflow)
                                      : bits::fit_increment(c.type, old, c.value, c.overflow);
  if (!stored) return ctx.out.null(), false;
  if (*stored != old) {
    str::edit(k.shard(), e,
              [&](bits::MutableBytes b) { bits::set_field(b, c.offset, c.type, *stored); });
  } else if (grown) {
    k.shard().touch(k.key());
  }
  ctx.out.integer(c.op == FieldOp::kSet ? old : *stored);
  return grown || *stored != old;
}

void bitfield_generic(Context& ctx, bool read_only_command) {
  std::vector<FieldCommand> commands;
  if (!parse_field_commands(ctx, commands)) return;
  uint64_t max_bit = 0;
  bool writes = false;
  for (const FieldCommand& c : commands) {
    if (c.op == FieldOp::kGet) continue;
    writes = true;
    max_bit = std::max(max_bit, c.offset + c.type.bits - 1);
  }
  if (writes && read_only_command) {
    return ctx.out.error("ERR BITFIELD_RO only supports the GET subcommand");
  }
  KeyLock k(ctx, ctx.args[1]);
  bool wrong = false, grown = false;
  Entry* e = writes ? string_for_write(ctx, k, max_bit, grown)
                    : const_cast<Entry*>(find_string(ctx, k, wrong));
  if (wrong || (writes && e == nullptr)) return;
  ctx.out.array(commands.size());
  bool changed = false;
  for (const FieldCommand& c : commands) {
    if (c.op == FieldOp::kGet) {
      ctx.out.integer(bits::get_field(bytes_of(e), c.offset, c.type));
    } else {
      changed |= run_field_write(ctx, k, e, c, grown);
    }
  }
  if (changed) notify_keyspace_event(ctx, kNotifyString, "setbit", k.key());
}

void cmd_bitfield(Context& ctx) { bitfield_generic(ctx, false); }
void cmd_bitfield_ro(Context& ctx) { bitfield_generic(ctx, true); }

constexpr uint32_t kW = kWrite | kDenyOom;

const CommandSpec kCommands[] = {
    {.name = "setbit",
     .arity = 4,
     .flags = kW,
     .keys = {1, 1, 1},
     .fn = cmd_setbit,
     .doc = {"Sets or clears the bit at offset of the string value. Creates the key if it doesn't "
             "exist.",
             "2.2.0"}},
    {.name = "getbit",
     .arity = 3,
     .flags = kReadonly | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_getbit,
     .doc = {"Returns a bit value by offset.", "2.2.0"}},
    {.name = "bitcount",
     .arity = -2,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_bitcount,
     .doc = {"Counts the number of set bits (population counting) in a string.", "2.6.0"}},
    {.name = "bitpos",
     .arity = -3,
     .flags = kReadonly,
     .keys = {1, 1, 1},
     .fn = cmd_bitpos,
     .doc = {"Finds the first set (1) or clear (0) bit in a string.", "2.8.7"}},
    {.name = "bitop",
     .arity = -4,
     .flags = kW,
     .keys = {2, -1, 1},
     .fn = cmd_bitop,
     .doc = {"Performs bitwise operations on multiple strings, and stores the result.", "2.6.0"}},
    {.name = "bitfield",
     .arity = -2,
     .flags = kW,
     .keys = {1, 1, 1},
     .fn = cmd_bitfield,
     .doc = {"Performs arbitrary bitfield integer operations on strings.", "3.2.0"}},
    {.name = "bitfield_ro",
     .arity = -2,
     .flags = kReadonly | kFast,
     .keys = {1, 1, 1},
     .fn = cmd_bitfield_ro,
     .doc = {"Performs arbitrary read-only bitfield integer operations on strings.", "6.0.0"}},
};

}  // namespace

CommandFamily bitmap_commands() { return {"bitmap", kCommands}; }

}  // namespace cachet::server
