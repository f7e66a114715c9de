#include "server/command.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <unordered_map>
#include <vector>

#include "server/args.h"
#include "server/instance.h"
#include "store/entry.h"

namespace cachet::server {
namespace {

struct Table {
  std::vector<const CommandSpec*> ordered;
  std::unordered_map<std::string_view, const CommandSpec*> by_name;
  std::unordered_map<const CommandSpec*, std::string_view> group;
};

const Table& table() {
  static const Table t = [] {
    Table t;
    for (CommandFamily family :
         {connection_commands(), string_commands(), key_commands(), hash_commands(),
          list_commands(), blocking_commands(), set_commands(), zset_commands(), stream_commands(),
          geo_commands(), sort_commands(), bitmap_commands(), hyperloglog_commands(),
          pubsub_commands(), introspection_commands(), transaction_commands(), server_commands(),
          scripting_commands(), acl_commands()}) {
      for (const CommandSpec& spec : family.commands) {
        t.ordered.push_back(&spec);
        t.by_name.emplace(spec.name, &spec);
        t.group.emplace(&spec, spec.group.empty() ? family.group : spec.group);
      }
    }
    return t;
  }();
  return t;
}

}  // namespace

const CommandSpec* find_command(std::string_view name) {
  char lower[32];
  if (name.size() > sizeof(lower)) return nullptr;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    lower[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;  // ASCII only
  }
  const auto& by_name = table().by_name;
  auto it = by_name.find(std::string_view(lower, name.size()));
  return it == by_name.end() ? nullptr : it->second;
}

const CommandSpec* find_subcommand(const CommandSpec& parent, std::string_view name) {
  for (const CommandSpec& sub : parent.subcommands) {
    if (iequals(sub.name, name)) return &sub;
  }
  return nullptr;
}

std::span<const CommandSpec* const> all_commands() { return table().ordered; }

std::string_view group_of(const CommandSpec& spec, const CommandSpec* parent) {
  const auto& groups = table().group;
  auto it = groups.find(parent ? parent : &spec);
  return it == groups.end() ? std::string_view() : it->second;
}

KeyPositions keys_of(const CommandSpec& spec, std::span<const std::string_view> args) {
  if (!arity_ok(spec, args.size())) return {};  // (find_keys reads the arity's arguments)
  if (spec.find_keys != nullptr) return spec.find_keys(args);
  const KeySpec& k = spec.keys;
  if (k.first <= 0 || static_cast<size_t>(k.first) >= args.size()) return {};
  int64_t last = k.last >= 0 ? k.last : static_cast<int64_t>(args.size()) + k.last;
  last = std::min<int64_t>(last, static_cast<int64_t>(args.size()) - 1);
  if (last < k.first) return {};
  uint32_t step = static_cast<uint32_t>(std::max(k.step, 1));
  return KeyPositions({static_cast<uint32_t>(k.first), static_cast<uint32_t>(last) + 1, step});
}

bool arity_ok(const CommandSpec& spec, size_t argc) {
  return spec.arity >= 0 ? argc == static_cast<size_t>(spec.arity)
                         : argc >= static_cast<size_t>(-spec.arity);
}

std::string full_name(const CommandSpec& spec, const CommandSpec* parent) {
  return parent ? fmt::format("{}|{}", parent->name, spec.name) : std::string(spec.name);
}

void reply_syntax_error(Context& ctx) { ctx.out.error("ERR syntax error"); }
void reply_not_integer(Context& ctx) {
  ctx.out.error("ERR value is not an integer or out of range");
}
void reply_wrong_type(Context& ctx) { ctx.out.error(kWrongTypeError); }
bool wrong_kind(Context& ctx, const store::Entry* e, store::Kind kind) {
  bool wrong = e != nullptr && e->kind() != kind;
  if (wrong) reply_wrong_type(ctx);
  return wrong;
}

std::optional<int> parse_database(Context& ctx, size_t i) {
  auto db = parse_int64(ctx.args[i]);
  if (!db) {
    reply_not_integer(ctx);
    return std::nullopt;
  }
  if (*db < 0 || *db >= ctx.instance.store().databases()) {
    ctx.out.error("ERR DB index is out of range");
    return std::nullopt;
  }
  return static_cast<int>(*db);
}

void reply_wrong_arity(Context& ctx, std::string_view name) {
  ctx.out.error(fmt::format("ERR wrong number of arguments for '{}' command", name));
}

std::optional<int64_t> increment_int(Context& ctx, std::optional<std::string_view> current,
                                     int64_t delta, std::string_view not_integer) {
  int64_t value = 0;
  if (current) {
    auto n = parse_int64(*current);
    if (!n) {
      ctx.out.error(not_integer);
      return std::nullopt;
    }
    value = *n;
  }
  int64_t result;
  if (__builtin_add_overflow(value, delta, &result)) {
    ctx.out.error("ERR increment or decrement would overflow");
    return std::nullopt;
  }
  return result;
}

std::optional<std::string> increment_float(Context& ctx, std::optional<std::string_view> current,
                                           long double delta, std::string_view not_float) {
  long double value = 0;
  if (current) {
    auto n = parse_long_double(*current);
    if (!n) {
      ctx.out.error(not_float);
      return std::nullopt;
    }
    value = *n;
  }
  long double result = value + delta;
  if (std::isnan(result) || std::isinf(result)) {
    ctx.out.error("ERR increment would produce NaN or Infinity");
    return std::nullopt;
  }
  return format_long_double(result);
}

std::optional<uint64_t> parse_scan_cursor(std::string_view text) {
  bool negative = !text.empty() && text[0] == '-';
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) text.remove_prefix(1);
  uint64_t cursor;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), cursor);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return negative ? 0 - cursor : cursor;
}

bool parse_scan_arguments(Context& ctx, size_t at, bool allow_type, uint64_t& cursor,
                          ScanOptions& o) {
  std::optional<uint64_t> parsed = parse_scan_cursor(ctx.args[at]);
  if (!parsed) {
    ctx.out.error("ERR invalid cursor");
    return false;
  }
  cursor = *parsed;
  for (size_t i = at + 1; i < ctx.args.size(); i += 2) {
    std::string_view name = ctx.args[i];
    if (i + 1 >= ctx.args.size()) {
      reply_syntax_error(ctx);
      return false;
    }
    std::string_view value = ctx.args[i + 1];
    if (iequals(name, "count")) {
      auto n = parse_int64(value);
      if (!n) {
        reply_not_integer(ctx);
        return false;
      }
      if (*n < 1) {
        reply_syntax_error(ctx);
        return false;
      }
      o.count = static_cast<size_t>(*n);
    } else if (iequals(name, "match")) {
      o.match = value;
    } else if (allow_type && iequals(name, "type")) {
      o.type = value;
    } else {
      reply_syntax_error(ctx);
      return false;
    }
  }
  return true;
}

void reply_help_lines(Context& ctx, std::span<const std::string_view> lines) {
  ctx.out.array(lines.size());
  for (std::string_view line : lines) ctx.out.simple(line);
}

void reply_subcommand_syntax_error(Context& ctx) {
  std::string container(ctx.args[0]);
  for (char& c : container) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ctx.out.error(
      fmt::format("ERR unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
                  ctx.args[1].substr(0, 128), container));
}

void reply_help(Context& ctx) {
  const CommandSpec& parent = *ctx.parent;
  ctx.out.array(parent.subcommands.size());
  for (const CommandSpec& sub : parent.subcommands) {
    ctx.out.simple(fmt::format("{} {} - {}", parent.name, sub.name, sub.doc.summary));
  }
}

}  // namespace cachet::server
