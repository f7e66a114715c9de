#include "server/command.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <unordered_map>
#include <vector>

#include "server/args.h"

namespace cachet::server {
namespace {

struct Table {
  std::vector<const CommandSpec*> ordered;
  std::unordered_map<std::string_view, const CommandSpec*> by_name;
};

const Table& table() {
  static const Table t = [] {
    Table t;
    for (auto family :
         {connection_commands(), string_commands(), key_commands(), server_commands()}) {
      for (const CommandSpec& spec : family) {
        t.ordered.push_back(&spec);
        t.by_name.emplace(spec.name, &spec);
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
    lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
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

std::string full_name(const CommandSpec& spec, const CommandSpec* parent) {
  return parent ? fmt::format("{}|{}", parent->name, spec.name) : std::string(spec.name);
}

void reply_syntax_error(Context& ctx) { ctx.out.error("ERR syntax error"); }
void reply_not_integer(Context& ctx) {
  ctx.out.error("ERR value is not an integer or out of range");
}
void reply_wrong_arity(Context& ctx, std::string_view name) {
  ctx.out.error(fmt::format("ERR wrong number of arguments for '{}' command", name));
}

void reply_help(Context& ctx) {
  const CommandSpec& parent = *ctx.parent;
  ctx.out.array(parent.subcommands.size());
  for (const CommandSpec& sub : parent.subcommands) {
    ctx.out.simple(fmt::format("{} {} - {}", parent.name, sub.name, sub.summary));
  }
}

}  // namespace cachet::server
