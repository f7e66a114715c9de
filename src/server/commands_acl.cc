// The ACL container: SETUSER GETUSER DELUSER LIST USERS WHOAMI CAT GENPASS LOG SAVE LOAD DRYRUN
// HELP, over the user table of server/acl.h.
#include <fmt/format.h>
#include <sys/random.h>

#include <algorithm>

#include "server/acl.h"
#include "server/args.h"
#include "server/command.h"
#include "server/instance.h"

namespace cachet::server {
namespace {

std::vector<std::string_view> user_flags(const AclUser& u) {
  std::vector<std::string_view> flags = {u.enabled ? "on" : "off"};
  if (u.nopass) flags.emplace_back("nopass");
  if (u.sanitize != 0)
    flags.emplace_back(u.sanitize > 0 ? "sanitize-payload" : "skip-sanitize-payload");
  return flags;
}

void cmd_acl_setuser(Context& ctx) {
  std::string err = ctx.instance.acl().set_user(ctx.args[2], ctx.args.subspan(3));
  if (!err.empty()) return ctx.out.error(fmt::format("ERR {}", err));
  ctx.out.ok();
}

void write_selector_parts(resp::Writer& out, const AclSelector& s) {
  out.bulk("commands");
  out.bulk(describe_commands(s));
  out.bulk("keys");
  out.bulk(describe_keys(s));
  out.bulk("channels");
  out.bulk(describe_channels(s));
}

void cmd_acl_getuser(Context& ctx) {
  Acl::UserPtr u = ctx.instance.acl().find(ctx.args[2]);
  if (u == nullptr) return ctx.out.null();
  ctx.out.map(6);
  ctx.out.bulk("flags");
  std::vector<std::string_view> flags = user_flags(*u);
  ctx.out.set(flags.size());
  for (std::string_view f : flags) ctx.out.bulk(f);
  ctx.out.bulk("passwords");
  ctx.out.array(u->passwords.size());
  for (const std::string& p : u->passwords) ctx.out.bulk(p);
  write_selector_parts(ctx.out, u->root);
  ctx.out.bulk("selectors");
  ctx.out.array(u->selectors.size());
  for (const AclSelector& s : u->selectors) {
    ctx.out.map(3);
    write_selector_parts(ctx.out, s);
  }
}

// Closes the connections of users that no longer exist, as Redis does on ACL DELUSER and LOAD.
void disconnect_removed_users(Instance& instance) {
  for (const auto& client : instance.clients().snapshot()) {
    if (instance.acl().find(client->user()) == nullptr) client->request_close();
  }
}

void cmd_acl_deluser(Context& ctx) {
  std::span<const std::string_view> names = ctx.args.subspan(2);
  if (std::any_of(names.begin(), names.end(), [](std::string_view n) { return n == "default"; })) {
    return ctx.out.error("ERR The 'default' user cannot be removed");
  }
  size_t deleted = ctx.instance.acl().delete_users(names);
  disconnect_removed_users(ctx.instance);
  ctx.out.integer(static_cast<int64_t>(deleted));
}

void cmd_acl_list(Context& ctx) {
  std::vector<Acl::UserPtr> users = ctx.instance.acl().users();
  ctx.out.array(users.size());
  for (const Acl::UserPtr& u : users) {
    ctx.out.bulk(fmt::format("user {} {}", u->name, describe_user(*u)));
  }
}

void cmd_acl_users(Context& ctx) {
  std::vector<Acl::UserPtr> users = ctx.instance.acl().users();
  ctx.out.array(users.size());
  for (const Acl::UserPtr& u : users) ctx.out.bulk(u->name);
}

void cmd_acl_whoami(Context& ctx) {
  ctx.out.bulk(ctx.session.user ? std::string_view(ctx.session.user->name) : "default");
}

void cmd_acl_cat(Context& ctx) {
  std::span<const std::string_view> names = acl_category_names();
  if (ctx.args.size() == 2) {
    ctx.out.array(names.size());
    for (std::string_view n : names) ctx.out.bulk(n);
    return;
  }
  if (ctx.args.size() > 3) return reply_subcommand_syntax_error(ctx);
  auto it = std::find_if(names.begin(), names.end(),
                         [&](std::string_view n) { return iequals(n, ctx.args[2]); });
  if (it == names.end()) {
    return ctx.out.error(fmt::format("ERR Unknown category '{}'", ctx.args[2]));
  }
  uint32_t category = 1u << (it - names.begin());
  std::vector<std::string> members;
  for (const CommandSpec* spec : all_commands()) {
    if (acl_categories(*spec, nullptr) & category) members.emplace_back(spec->name);
    for (const CommandSpec& sub : spec->subcommands) {
      if (acl_categories(sub, spec) & category) members.push_back(full_name(sub, spec));
    }
  }
  ctx.out.array(members.size());
  for (const std::string& m : members) ctx.out.bulk(m);
}

void cmd_acl_genpass(Context& ctx) {
  int64_t bits = 256;
  if (ctx.args.size() == 3) {
    auto n = parse_int64(ctx.args[2]);
    if (!n) return reply_not_integer(ctx);
    bits = *n;
  }
  if (ctx.args.size() > 3) return reply_subcommand_syntax_error(ctx);
  if (bits <= 0 || bits > 4096) {
    return ctx.out.error(
        "ERR ACL GENPASS argument must be the number of bits for the output password, a positive "
        "number up to 4096");
  }
  size_t chars = static_cast<size_t>((bits + 3) / 4);
  std::string bytes((chars + 1) / 2, '\0');
  if (getrandom(bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
    return ctx.out.error("ERR Failed to generate random bytes");
  }
  std::string hex;
  for (char b : bytes) hex += fmt::format("{:02x}", static_cast<unsigned char>(b));
  ctx.out.bulk(std::string_view(hex).substr(0, chars));
}

constexpr std::string_view kReasons[] = {"command", "key", "auth", "channel"};
constexpr std::string_view kContexts[] = {"toplevel", "multi", "lua"};

void cmd_acl_log(Context& ctx) {
  size_t max = 10;
  if (ctx.args.size() > 3) return reply_subcommand_syntax_error(ctx);
  if (ctx.args.size() == 3) {
    if (iequals(ctx.args[2], "reset")) {
      ctx.instance.acl().reset_log();
      return ctx.out.ok();
    }
    auto n = parse_int64(ctx.args[2]);
    if (!n) return reply_not_integer(ctx);
    max = *n < 0 ? 0 : static_cast<size_t>(*n);
  }
  int64_t now = ctx.instance.clock().now_ms();
  std::vector<Acl::LogEntry> entries = ctx.instance.acl().log_entries(max);
  ctx.out.array(entries.size());
  for (const Acl::LogEntry& e : entries) {
    ctx.out.map(7);
    ctx.out.bulk("count");
    ctx.out.integer(static_cast<int64_t>(e.count));
    ctx.out.bulk("reason");
    ctx.out.bulk(kReasons[e.reason]);
    ctx.out.bulk("context");
    ctx.out.bulk(kContexts[static_cast<int>(e.context)]);
    ctx.out.bulk("object");
    ctx.out.bulk(e.object);
    ctx.out.bulk("username");
    ctx.out.bulk(e.username);
    ctx.out.bulk("age-seconds");
    ctx.out.dbl(static_cast<double>(now - e.created_ms) / 1000.0);
    ctx.out.bulk("client-info");
    ctx.out.bulk(e.client_info);
  }
}

void reply_result(Context& ctx, const std::string& err) {
  if (!err.empty()) return ctx.out.error(fmt::format("ERR {}", err));
  ctx.out.ok();
}

void cmd_acl_save(Context& ctx) { reply_result(ctx, ctx.instance.save_acl_file()); }

void cmd_acl_load(Context& ctx) {
  std::string err = ctx.instance.reload_acl_file();
  if (err.empty()) disconnect_removed_users(ctx.instance);
  reply_result(ctx, err);
}

void cmd_acl_dryrun(Context& ctx) {
  Acl::UserPtr user = ctx.instance.acl().find(ctx.args[2]);
  if (user == nullptr) return ctx.out.error(fmt::format("ERR User '{}' not found", ctx.args[2]));
  std::span<const std::string_view> args = ctx.args.subspan(3);
  const CommandSpec* spec = find_command(args[0]);
  if (spec == nullptr) return ctx.out.error(fmt::format("ERR Command '{}' not found", args[0]));
  const CommandSpec* parent = nullptr;
  if (!spec->subcommands.empty() && args.size() >= 2) {
    const CommandSpec* sub = find_subcommand(*spec, args[1]);
    if (sub == nullptr) return ctx.out.error(fmt::format("ERR Command '{}' not found", args[0]));
    parent = std::exchange(spec, sub);
  }
  if (!arity_ok(*spec, args.size())) return reply_wrong_arity(ctx, full_name(*spec, parent));
  std::optional<AclDenial> denial = Acl::check(*user, *spec, parent, args);
  if (!denial) return ctx.out.ok();
  ctx.out.bulk(dryrun_message(*denial));
}

void cmd_acl_help(Context& ctx) {
  static constexpr std::string_view kLines[] = {
      "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CAT [<category>]",
      "    List all commands that belong to <category>, or all command categories",
      "    when no category is specified.",
      "DELUSER <username> [<username> ...]",
      "    Delete a list of users.",
      "DRYRUN <username> <command> [<arg> ...]",
      "    Returns whether the user can execute the given command without executing the command.",
      "GETUSER <username>",
      "    Get the user's details.",
      "GENPASS [<bits>]",
      "    Generate a secure 256-bit user password. The optional `bits` argument can",
      "    be used to specify a different size.",
      "LIST",
      "    Show users details in config file format.",
      "LOAD",
      "    Reload users from the ACL file.",
      "LOG [<count> | RESET]",
      "    Show the ACL log entries.",
      "SAVE",
      "    Save the current config to the ACL file.",
      "SETUSER <username> <attribute> [<attribute> ...]",
      "    Create or modify a user with the specified attributes.",
      "USERS",
      "    List all the registered usernames.",
      "WHOAMI",
      "    Return the current connection username.",
      "HELP",
      "    Prints this help."};
  reply_help_lines(ctx, kLines);
}

constexpr uint32_t kAclAdmin = kAdmin | kLoading | kStale;
constexpr uint32_t kAclPlain = kLoading | kStale;

const CommandSpec kAclCommands[] = {
    {.name = "cat",
     .arity = -2,
     .flags = kAclPlain,
     .fn = cmd_acl_cat,
     .doc = {"Lists the ACL categories, or the commands inside a category.", "6.0.0"}},
    {.name = "deluser",
     .arity = -3,
     .flags = kAclAdmin,
     .fn = cmd_acl_deluser,
     .doc = {"Deletes ACL users, and terminates their connections.", "6.0.0"}},
    {.name = "dryrun",
     .arity = -4,
     .flags = kAclAdmin,
     .fn = cmd_acl_dryrun,
     .doc = {"Simulates the execution of a command by a user, without executing the command.",
             "7.0.0"}},
    {.name = "genpass",
     .arity = -2,
     .flags = kAclPlain,
     .fn = cmd_acl_genpass,
     .doc = {"Generates a pseudorandom, secure password that can be used to identify ACL users.",
             "6.0.0"}},
    {.name = "getuser",
     .arity = 3,
     .flags = kAclAdmin,
     .fn = cmd_acl_getuser,
     .doc = {"Lists the ACL rules of a user.", "6.0.0"}},
    {.name = "help",
     .arity = 2,
     .flags = kAclPlain,
     .fn = cmd_acl_help,
     .doc = {"Returns helpful text about the different subcommands.", "6.0.0"}},
    {.name = "list",
     .arity = 2,
     .flags = kAclAdmin,
     .fn = cmd_acl_list,
     .doc = {"Dumps the effective rules in ACL file format.", "6.0.0"}},
    {.name = "load",
     .arity = 2,
     .flags = kAclAdmin,
     .fn = cmd_acl_load,
     .doc = {"Reloads the rules from the configured ACL file.", "6.0.0"}},
    {.name = "log",
     .arity = -2,
     .flags = kAclAdmin,
     .fn = cmd_acl_log,
     .doc = {"Lists recent security events generated due to ACL rules.", "6.0.0"}},
    {.name = "save",
     .arity = 2,
     .flags = kAclAdmin,
     .fn = cmd_acl_save,
     .doc = {"Saves the effective ACL rules in the configured ACL file.", "6.0.0"}},
    {.name = "setuser",
     .arity = -3,
     .flags = kAclAdmin,
     .fn = cmd_acl_setuser,
     .doc = {"Creates and modifies an ACL user and its rules.", "6.0.0"}},
    {.name = "users",
     .arity = 2,
     .flags = kAclAdmin,
     .fn = cmd_acl_users,
     .doc = {"Lists all ACL users.", "6.0.0"}},
    {.name = "whoami",
     .arity = 2,
     .flags = kAclPlain,
     .fn = cmd_acl_whoami,
     .doc = {"Returns the authenticated username of the current connection.", "6.0.0"}},
};

const CommandSpec kCommands[] = {
    {.name = "acl",
     .arity = -2,
     .doc = {"A container for Access List Control commands.", "6.0.0"},
     .subcommands = kAclCommands},
};

}  // namespace

CommandFamily acl_commands() { return {"server", kCommands}; }

}  // namespace cachet::server
