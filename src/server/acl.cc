#include "server/acl.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <unordered_map>

#include "server/args.h"
#include "server/command.h"
#include "store/glob.h"

namespace cachet::server {
namespace {

constexpr std::string_view kCategoryNames[] = {
    "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
    "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting"};

uint32_t category_of_group(std::string_view group) {
  static constexpr std::pair<std::string_view, uint32_t> kGroups[] = {
      {"keyspace", kCatKeyspace},
      {"string", kCatString},
      {"hash", kCatHash},
      {"list", kCatList},
      {"set", kCatSet},
      {"sorted_set", kCatSortedSet},
      {"geo", kCatGeo},
      {"bitmap", kCatBitmap},
      {"hyperloglog", kCatHyperLogLog},
      {"pubsub", kCatPubSub},
      {"connection", kCatConnection},
      {"transactions", kCatTransaction},
      {"scripting", kCatScripting},
      {"stream", kCatStream}};
  for (auto [name, cat] : kGroups) {
    if (name == group) return cat;
  }
  return 0;
}

// Where Redis's categories differ from what the flags and the group give. `subcommands`: the
// row also applies to every subcommand of the named container.
struct CategoryOverride {
  std::string_view name;
  uint32_t add = 0, remove = 0;
  bool subcommands = false;
};
constexpr uint32_t kSortCategories = kCatDangerous | kCatList | kCatSet | kCatSortedSet;
constexpr CategoryOverride kCategoryOverrides[] = {
    {.name = "client", .remove = kCatConnection},
    {.name = "client|getname", .add = kCatSlow, .remove = kCatFast},
    {.name = "client|id", .add = kCatSlow, .remove = kCatFast},
    {.name = "client|setname", .add = kCatSlow, .remove = kCatFast},
    {.name = "command", .add = kCatConnection, .subcommands = true},
    {.name = "dbsize", .add = kCatKeyspace},
    {.name = "eval_ro", .remove = kCatRead},
    {.name = "evalsha_ro", .remove = kCatRead},
    {.name = "flushall", .add = kCatDangerous | kCatKeyspace},
    {.name = "flushdb", .add = kCatDangerous | kCatKeyspace},
    {.name = "info", .add = kCatDangerous},
    {.name = "keys", .add = kCatDangerous},
    {.name = "object", .remove = kCatKeyspace},
    {.name = "pubsub", .remove = kCatPubSub},
    {.name = "pubsub|help", .remove = kCatPubSub},
    {.name = "script", .remove = kCatScripting},
    {.name = "sort", .add = kSortCategories, .remove = kCatKeyspace},
    {.name = "sort_ro", .add = kSortCategories, .remove = kCatKeyspace},
    {.name = "xgroup", .remove = kCatStream},
    {.name = "xinfo", .remove = kCatStream},
};

// Every command and subcommand numbered (the bit positions of AclSelector::commands), with its
// categories.
struct CommandIndex {
  std::vector<const CommandSpec*> specs, parents;
  std::vector<uint32_t> categories;
  std::unordered_map<const CommandSpec*, uint32_t> ids;

  void add(const CommandSpec& spec, const CommandSpec* parent) {
    ids.emplace(&spec, static_cast<uint32_t>(specs.size()));
    specs.push_back(&spec);
    parents.push_back(parent);
    categories.push_back(acl_categories(spec, parent));
  }
};

const CommandIndex& command_index() {
  static const CommandIndex index = [] {
    CommandIndex index;
    for (const CommandSpec* spec : all_commands()) {
      index.add(*spec, nullptr);
      for (const CommandSpec& sub : spec->subcommands) index.add(sub, spec);
    }
    return index;
  }();
  return index;
}

uint32_t id_of(const CommandSpec& spec) { return command_index().ids.at(&spec); }

// How a command uses its keys, for %R~ and %W~ patterns. Readonly commands read; writes read
// and write unless listed here (after Redis's key specs: a key changed without its value being
// returned or consulted needs write permission only).
constexpr std::string_view kWriteOnlyKeys[] = {"set",
                                               "setex",
                                               "psetex",
                                               "setnx",
                                               "mset",
                                               "msetnx",
                                               "del",
                                               "unlink",
                                               "expire",
                                               "pexpire",
                                               "expireat",
                                               "pexpireat",
                                               "persist",
                                               "lpush",
                                               "rpush",
                                               "lpushx",
                                               "rpushx",
                                               "sadd",
                                               "srem",
                                               "hset",
                                               "hmset",
                                               "hsetnx",
                                               "hdel",
                                               "zadd",
                                               "zrem",
                                               "pfadd",
                                               "lrem",
                                               "ltrim",
                                               "lset",
                                               "linsert",
                                               "append",
                                               "setrange",
                                               "zremrangebyrank",
                                               "zremrangebyscore",
                                               "zremrangebylex",
                                               "geoadd"};
// Read-only commands that only look at a key's metadata (its existence, type or size), not its
// value: any key pattern, read or write, allows them.
constexpr std::string_view kMetadataOnly[] = {
    "exists",  "type",    "strlen", "touch",    "llen", "scard",    "sismember", "hlen",
    "hexists", "hstrlen", "zcard",  "encoding", "freq", "idletime", "refcount",  "usage"};
// The first key is the destination (written), the others sources (read).
constexpr std::string_view kDestinationFirst[] = {"sinterstore", "sunionstore", "sdiffstore",
                                                  "zunionstore", "zinterstore", "zdiffstore",
                                                  "zrangestore", "bitop",       "geosearchstore"};
// The first key is the source (read, or read and written), the second the destination (written).
constexpr std::string_view kCopyLike[] = {"copy", "sort"};
constexpr std::string_view kMoveLike[] = {"rename", "renamenx",  "smove",     "lmove",
                                          "blmove", "rpoplpush", "brpoplpush"};

bool listed(std::span<const std::string_view> names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

struct Access {
  bool read, write;
};

Access key_access(const CommandSpec& spec, std::span<const std::string_view> args, size_t ordinal) {
  std::string_view name = spec.name;
  if (!(spec.flags & kWrite)) return {!listed(kMetadataOnly, name), false};
  auto any_arg = [&](size_t from, std::initializer_list<std::string_view> words) {
    return std::any_of(args.begin() + std::min(from, args.size()), args.end(), [&](auto a) {
      return std::any_of(words.begin(), words.end(), [&](auto w) { return iequals(a, w); });
    });
  };
  if (name == "set") return {any_arg(3, {"get"}), true};  // GET returns the old value
  if (name == "bitfield") return {true, any_arg(2, {"set", "incrby"})};  // GETs only: a read
  if (listed(kWriteOnlyKeys, name)) return {false, true};
  if (listed(kDestinationFirst, name)) return {ordinal != 0, ordinal == 0};
  if (listed(kCopyLike, name)) return {ordinal == 0, ordinal != 0};
  if (listed(kMoveLike, name)) return {ordinal == 0, true};
  return {true, true};
}

// Whether a pattern of `s` allows `key` with the access needed (none: any pattern does).
bool key_allowed(const AclSelector& s, std::string_view key, Access need) {
  for (const AclSelector::KeyPattern& p : s.keys) {
    if ((need.read && !p.read) || (need.write && !p.write)) continue;
    if (store::glob_match(p.pattern, key)) return true;
  }
  return false;
}

// The channel arguments of a pub/sub command (index range), and whether they are patterns.
struct ChannelArgs {
  size_t first = 0, end = 0;
  bool patterns = false;
};

ChannelArgs channel_args(const CommandSpec& spec, size_t argc) {
  std::string_view n = spec.name;
  if (n == "publish" || n == "spublish") return {1, 2, false};
  if (n == "subscribe" || n == "ssubscribe") return {1, argc, false};
  if (n == "psubscribe") return {1, argc, true};
  return {};
}

bool channel_allowed(const AclSelector& s, std::string_view channel, bool pattern) {
  return std::any_of(s.channels.begin(), s.channels.end(), [&](const std::string& p) {
    return pattern ? p == channel : store::glob_match(p, channel);
  });
}

std::optional<AclDenial> check_selector(const AclSelector& s, const CommandSpec& spec,
                                        const CommandSpec* parent,
                                        std::span<const std::string_view> args) {
  uint32_t id = id_of(spec);
  if (id >= s.commands.size() || !s.commands[id]) {  // (a user with no selector: nothing)
    auto fa = s.first_args.find(id);
    bool first_arg_ok = fa != s.first_args.end() && args.size() >= 2 &&
                        std::any_of(fa->second.begin(), fa->second.end(),
                                    [&](const std::string& a) { return iequals(a, args[1]); });
    if (!first_arg_ok) return AclDenial{AclDenial::kCommand, full_name(spec, parent)};
  }
  if (!s.all_keys && !(spec.flags & kPubSub)) {  // shard channels are not keys to ACLs
    std::optional<AclDenial> denial;
    size_t ordinal = 0;
    keys_of(spec, args).for_each([&](size_t i) {
      if (!denial && !key_allowed(s, args[i], key_access(spec, args, ordinal))) {
        denial = AclDenial{AclDenial::kKey, std::string(args[i]), i};
      }
      ++ordinal;
    });
    if (denial) return denial;
  }
  if (!s.all_channels && (spec.flags & kPubSub)) {
    ChannelArgs c = channel_args(spec, args.size());
    for (size_t i = c.first; i < c.end; ++i) {
      if (!channel_allowed(s, args[i], c.patterns)) {
        return AclDenial{AclDenial::kChannel, std::string(args[i]), i};
      }
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// ACL SETUSER rules.

constexpr std::string_view kSyntaxError = "Syntax error";
constexpr std::string_view kUnknownName = "Unknown command or category name in ACL";

bool is_hex_digest(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::optional<uint32_t> category_named(std::string_view name) {
  for (size_t i = 0; i < std::size(kCategoryNames); ++i) {
    if (iequals(kCategoryNames[i], name)) return 1u << i;
  }
  return std::nullopt;
}

AclSelector empty_selector(bool all_channels) {
  AclSelector s;
  s.commands.assign(command_index().specs.size(), false);
  s.all_channels = all_channels;
  return s;
}

// Sets the bits of a command and, for a container, of its subcommands.
void set_command(AclSelector& s, uint32_t id, bool on) {
  const CommandIndex& index = command_index();
  s.commands[id] = on;
  s.first_args.erase(id);
  for (const CommandSpec& sub : index.specs[id]->subcommands) s.commands[id_of(sub)] = on;
}

std::string apply_command_rule(AclSelector& s, std::string_view rule, bool replaying = false);

// Whether the rules of `s` already give command `id` (and its subcommands) the bits it has.
bool implied_by_rules(const AclSelector& s, uint32_t id) {
  AclSelector replay = empty_selector(false);
  replay.commands.assign(s.commands.size(), s.all_commands);
  for (const std::string& r : s.command_rules) apply_command_rule(replay, r, true);
  const CommandIndex& index = command_index();
  if (replay.commands[id] != s.commands[id]) return false;
  return std::all_of(index.specs[id]->subcommands.begin(), index.specs[id]->subcommands.end(),
                     [&](const CommandSpec& sub) {
                       return replay.commands[id_of(sub)] == s.commands[id_of(sub)];
                     });
}

// Keeps the rule list short, as Redis shows it: a rule on a command replaces earlier rules on
// that command (and, for a container, on its subcommands), and is dropped when the remaining
// rules give the same result.
void record_command_rule(AclSelector& s, std::string_view rule, std::string_view command,
                         uint32_t id, bool replaying) {
  if (replaying) return;
  std::erase_if(s.command_rules, [&](const std::string& r) {
    std::string_view name = std::string_view(r).substr(1);
    return name == command ||
           (name.starts_with(command) && name.size() > command.size() &&
            name[command.size()] == '|' && command.find('|') == std::string_view::npos);
  });
  if (!implied_by_rules(s, id)) s.command_rules.emplace_back(rule);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// `+name`, `-name`, `+@cat`, `-@cat`, `+cmd|sub`, `-cmd|sub`, `+cmd|firstarg`. `replaying`:
// re-applying recorded rules (nothing is recorded again).
std::string apply_command_rule(AclSelector& s, std::string_view rule, bool replaying) {
  bool add = rule[0] == '+';
  std::string_view name = rule.substr(1);
  const CommandIndex& index = command_index();
  if (name.starts_with('@')) {
    auto cat = category_named(name.substr(1));
    if (!cat) return std::string(kUnknownName);
    if (*cat == 0) return std::string(kUnknownName);
    for (uint32_t id = 0; id < index.specs.size(); ++id) {
      if (index.categories[id] & *cat) {
        s.commands[id] = add;
        if (!add) s.first_args.erase(id);
      }
    }
    if (!replaying) {
      s.command_rules.push_back(fmt::format("{}@{}", add ? '+' : '-', lower(name.substr(1))));
    }
    return "";
  }
  size_t bar = name.find('|');
  const CommandSpec* spec = find_command(name.substr(0, bar));
  if (spec == nullptr) return std::string(kUnknownName);
  if (bar == std::string_view::npos) {
    set_command(s, id_of(*spec), add);
    record_command_rule(s, fmt::format("{}{}", rule[0], spec->name), spec->name, id_of(*spec),
                        replaying);
    return "";
  }
  std::string_view sub_name = name.substr(bar + 1);
  if (!spec->subcommands.empty()) {
    if (sub_name.find('|') != std::string_view::npos) {
      return "Allowing first-arg of a subcommand is not supported";
    }
    const CommandSpec* sub = find_subcommand(*spec, sub_name);
    if (sub == nullptr) return std::string(kUnknownName);
    s.commands[id_of(*sub)] = add;
    std::string full = full_name(*sub, spec);
    record_command_rule(s, fmt::format("{}{}", rule[0], full), full, id_of(*sub), replaying);
    return "";
  }
  if (!add || sub_name.empty()) return std::string(kSyntaxError);
  uint32_t id = id_of(*spec);
  if (!s.commands[id]) {
    std::vector<std::string>& args = s.first_args[id];
    std::string arg = lower(sub_name);
    if (std::find(args.begin(), args.end(), arg) == args.end()) args.push_back(arg);
    if (!replaying) s.command_rules.push_back(fmt::format("+{}|{}", spec->name, arg));
  }
  return "";
}

std::string apply_key_rule(AclSelector& s, std::string_view rule) {
  if (rule == "~*") {  // every key: allkeys (again, if it was)
    s.all_keys = true;
    s.keys.clear();
    return "";
  }
  if (s.all_keys) {  // checked before the rule's syntax, as Redis does
    return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does "
           "not have any effect. Try 'resetkeys' to start with an empty list of patterns";
  }
  AclSelector::KeyPattern p{.pattern = {}, .read = false, .write = false};
  size_t tilde = rule.find('~');
  if (rule[0] == '%') {
    if (tilde == std::string_view::npos || tilde == 1) return std::string(kSyntaxError);
    for (char c : rule.substr(1, tilde - 1)) {
      if (c == 'R' || c == 'r') {
        p.read = true;
      } else if (c == 'W' || c == 'w') {
        p.write = true;
      } else {
        return std::string(kSyntaxError);
      }
    }
  } else {
    p.read = p.write = true;
  }
  p.pattern = rule.substr(tilde + 1);
  auto same = [&](const AclSelector::KeyPattern& k) { return k.pattern == p.pattern; };
  auto it = std::find_if(s.keys.begin(), s.keys.end(), same);
  if (it != s.keys.end()) {  // %R~x then %W~x: one pattern with both
    p.read |= it->read;
    p.write |= it->write;
    s.keys.erase(it);
  }
  if (p.pattern == "*" && p.read && p.write) return apply_key_rule(s, "~*");
  s.keys.push_back(std::move(p));
  return "";
}

std::string apply_channel_rule(AclSelector& s, std::string_view pattern) {
  if (s.all_channels && pattern != "*") {
    return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and "
           "does not have any effect. Try 'resetchannels' to start with an empty list of "
           "channels";
  }
  if (pattern == "*") {
    s.all_channels = true;
    s.channels.clear();
  } else if (std::find(s.channels.begin(), s.channels.end(), pattern) == s.channels.end()) {
    s.channels.emplace_back(pattern);
  }
  return "";
}

// A rule about commands, keys or channels (valid in a selector and at the top level).
std::optional<std::string> apply_selector_rule(AclSelector& s, std::string_view rule) {
  if (iequals(rule, "allkeys")) return apply_key_rule(s, "~*");
  if (iequals(rule, "resetkeys")) {
    s.all_keys = false;
    s.keys.clear();
    return "";
  }
  if (iequals(rule, "allchannels")) return apply_channel_rule(s, "*");
  if (iequals(rule, "resetchannels")) {
    s.all_channels = false;
    s.channels.clear();
    return "";
  }
  bool all = iequals(rule, "allcommands") || iequals(rule, "+@all");
  if (all || iequals(rule, "nocommands") || iequals(rule, "-@all")) {
    s.commands.assign(s.commands.size(), all);
    s.first_args.clear();
    s.command_rules.clear();
    s.all_commands = all;
    return "";
  }
  if (rule.empty()) return std::nullopt;
  if (rule[0] == '~' || rule[0] == '%') return apply_key_rule(s, rule);
  if (rule[0] == '&') return apply_channel_rule(s, rule.substr(1));
  if ((rule[0] == '+' || rule[0] == '-') && rule.size() > 1) return apply_command_rule(s, rule);
  return std::nullopt;
}

bool unrestricted(const AclSelector& s) {
  return s.all_keys && s.all_channels &&
         std::all_of(s.commands.begin(), s.commands.end(), [](bool b) { return b; });
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    size_t start = i;
    while (i < text.size() && text[i] != ' ') ++i;
    if (i > start) words.emplace_back(text.substr(start, i - start));
  }
  return words;
}

class UserEditor {
 public:
  UserEditor(AclUser& user, bool pubsub_all) : user_(user), pubsub_all_(pubsub_all) {}

  // Applies one rule; returns the error text, empty on success.
  std::string apply(std::string_view rule) {
    if (rule.starts_with('(') && rule.ends_with(')')) return add_selector(rule);
    if (auto r = apply_selector_rule(user_.root, rule)) return *r;
    return apply_user_rule(rule);
  }

 private:
  std::string apply_user_rule(std::string_view rule) {
    if (iequals(rule, "on") || iequals(rule, "off")) {
      user_.enabled = iequals(rule, "on");
    } else if (iequals(rule, "nopass")) {
      user_.nopass = true;
      user_.passwords.clear();
    } else if (iequals(rule, "resetpass")) {
      user_.nopass = false;
      user_.passwords.clear();
    } else if (iequals(rule, "sanitize-payload") || iequals(rule, "skip-sanitize-payload")) {
      user_.sanitize = iequals(rule, "sanitize-payload") ? 1 : -1;
    } else if (iequals(rule, "clearselectors")) {
      user_.selectors.clear();
    } else if (iequals(rule, "reset")) {
      bool was_on = false;
      user_.nopass = false;
      user_.passwords.clear();
      user_.enabled = was_on;
      user_.sanitize = 1;
      user_.selectors.clear();
      user_.root = empty_selector(pubsub_all_);
    } else if (!rule.empty() && (rule[0] == '>' || rule[0] == '#')) {
      std::string digest =
          rule[0] == '>' ? sha256_hex(rule.substr(1)) : std::string(rule.substr(1));
      if (!is_hex_digest(digest)) return std::string(kBadHash);
      if (std::find(user_.passwords.begin(), user_.passwords.end(), digest) ==
          user_.passwords.end()) {
        user_.passwords.push_back(digest);
      }
      user_.nopass = false;
    } else if (!rule.empty() && (rule[0] == '<' || rule[0] == '!')) {
      std::string digest =
          rule[0] == '<' ? sha256_hex(rule.substr(1)) : std::string(rule.substr(1));
      if (!is_hex_digest(digest)) return std::string(kBadHash);
      auto it = std::find(user_.passwords.begin(), user_.passwords.end(), digest);
      if (it == user_.passwords.end()) {
        return "The password you are trying to remove from the user does not exist";
      }
      user_.passwords.erase(it);
    } else {
      return std::string(kSyntaxError);
    }
    return "";
  }

  std::string add_selector(std::string_view rule) {
    AclSelector s = empty_selector(pubsub_all_);
    for (const std::string& word : split_words(rule.substr(1, rule.size() - 2))) {
      auto r = apply_selector_rule(s, word);
      if (!r) return "The specified selector is invalid";
      if (!r->empty()) return *r;
    }
    user_.selectors.push_back(std::move(s));
    return "";
  }

  static constexpr std::string_view kBadHash =
      "The password hash must be exactly 64 characters and contain only lowercase hexadecimal "
      "characters";

  AclUser& user_;
  bool pubsub_all_;
};

// Joins arguments of a selector split across several (`(+get` `~x)`) into one rule each.
std::optional<std::vector<std::string>> merge_selectors(std::span<const std::string_view> rules,
                                                        std::string& error) {
  std::vector<std::string> out;
  for (size_t i = 0; i < rules.size(); ++i) {
    std::string rule(rules[i]);
    if (rule.starts_with('(') && !rule.ends_with(')')) {
      size_t start = i;
      while (!rule.ends_with(')') && ++i < rules.size()) rule += fmt::format(" {}", rules[i]);
      if (!rule.ends_with(')')) {
        error =
            fmt::format("Unmatched parenthesis in acl selector starting at '{}'.", rules[start]);
        return std::nullopt;
      }
    }
    out.push_back(std::move(rule));
  }
  return out;
}

Acl::UserPtr default_user_at_start() {
  auto u = std::make_shared<AclUser>();
  u->name = "default";
  u->enabled = true;
  u->nopass = true;
  u->root = empty_selector(true);
  apply_selector_rule(u->root, "+@all");
  u->root.all_keys = true;
  u->unrestricted = true;
  return u;
}

std::string describe_selector(const AclSelector& s) {
  std::string out;
  if (std::string keys = describe_keys(s); !keys.empty()) out += keys + " ";
  if (s.all_channels) {
    out += "&* ";
  } else {
    out += "resetchannels ";
    for (const std::string& c : s.channels) out += fmt::format("&{} ", c);
  }
  return out + describe_commands(s);
}

}  // namespace

std::span<const std::string_view> acl_category_names() { return kCategoryNames; }

uint32_t acl_categories(const CommandSpec& spec, const CommandSpec* parent) {
  uint32_t cats = 0;
  if (spec.flags & kWrite) cats |= kCatWrite;
  if (spec.flags & kReadonly) cats |= kCatRead;
  cats |= category_of_group(group_of(spec, parent));
  cats |= (spec.flags & kFast) ? kCatFast : kCatSlow;
  if (spec.flags & kBlocking) cats |= kCatBlocking;
  if (spec.flags & kAdmin) cats |= kCatAdmin | kCatDangerous;
  std::string name = full_name(spec, parent);
  for (const CategoryOverride& o : kCategoryOverrides) {
    if (o.name == name || (o.subcommands && parent != nullptr && o.name == parent->name)) {
      cats = (cats | o.add) & ~o.remove;
    }
  }
  return cats;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  std::string hex;
  hex.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

Acl::Acl() { users_.emplace("default", default_user_at_start()); }

Acl::UserPtr Acl::find(std::string_view name) const {
  std::lock_guard lock(mutex_);
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : it->second;
}

Acl::UserPtr Acl::authenticate(std::string_view name, std::string_view password) const {
  UserPtr user = find(name);
  if (user == nullptr || !user->enabled) return nullptr;
  if (user->nopass) return user;
  std::string digest = sha256_hex(password);
  bool match = false;
  for (const std::string& p : user->passwords) {
    unsigned char diff = 0;  // compared in full whatever the first difference
    for (size_t i = 0; i < p.size(); ++i) diff |= static_cast<unsigned char>(p[i] ^ digest[i]);
    match |= diff == 0;
  }
  return match ? user : nullptr;
}

std::string Acl::set_user(std::string_view name, std::span<const std::string_view> rules) {
  if (name.find_first_of(std::string_view(" \0", 2)) != std::string_view::npos) {
    return "Usernames can't contain spaces or null characters";
  }
  std::string error;
  auto merged = merge_selectors(rules, error);
  if (!merged) return error;
  UserPtr current = find(name);
  AclUser user;
  if (current) {
    user = *current;
  } else {
    user.name = name;
    user.root = empty_selector(pubsub_all_default_.load());
  }
  UserEditor editor(user, pubsub_all_default_.load());
  for (const std::string& rule : *merged) {
    if (std::string err = editor.apply(rule); !err.empty()) {
      return fmt::format("Error in ACL SETUSER modifier '{}': {}", rule, err);
    }
  }
  user.unrestricted = unrestricted(user.root);
  auto installed = std::make_shared<const AclUser>(std::move(user));
  {
    std::lock_guard lock(mutex_);
    users_[installed->name] = std::move(installed);
  }
  version_.fetch_add(1, std::memory_order_relaxed);
  return "";
}

size_t Acl::delete_users(std::span<const std::string_view> names) {
  size_t deleted = 0;
  {
    std::lock_guard lock(mutex_);
    for (std::string_view name : names) {
      auto it = users_.find(name);
      if (it == users_.end()) continue;
      users_.erase(it);
      ++deleted;
    }
  }
  version_.fetch_add(1, std::memory_order_relaxed);
  return deleted;
}

std::vector<Acl::UserPtr> Acl::users() const {
  std::lock_guard lock(mutex_);
  std::vector<UserPtr> out;
  for (const auto& [name, user] : users_) out.push_back(user);
  return out;
}

std::string Acl::load(std::span<const std::vector<std::string>> lines) {
  Acl staged;
  staged.pubsub_all_default_.store(pubsub_all_default_.load());
  staged.users_["default"] = default_user();
  for (const std::vector<std::string>& words : lines) {
    if (words.size() < 2 || words[0] != "user") return "should start with user keyword";
    std::vector<std::string_view> rules(words.begin() + 2, words.end());
    if (staged.find(words[1]) != nullptr && words[1] != "default") {
      return fmt::format("Duplicate user '{}' found", words[1]);
    }
    if (words[1] == "default") {  // the file's rules describe it from scratch
      std::vector<std::string_view> reset = {"reset"};
      staged.set_user("default", reset);
    }
    if (std::string err = staged.set_user(words[1], rules); !err.empty()) return err;
  }
  {
    std::lock_guard lock(mutex_);
    std::lock_guard staged_lock(staged.mutex_);
    users_ = std::move(staged.users_);
  }
  version_.fetch_add(1, std::memory_order_relaxed);
  return "";
}

void Acl::set_default_password(std::string_view password) {
  std::vector<std::string_view> rules = {"resetpass"};
  std::string add = fmt::format(">{}", password);
  rules.emplace_back(password.empty() ? std::string_view("nopass") : std::string_view(add));
  set_user("default", rules);
}

std::optional<AclDenial> Acl::check(const AclUser& user, const CommandSpec& spec,
                                    const CommandSpec* parent,
                                    std::span<const std::string_view> args) {
  if (user.unrestricted) return std::nullopt;
  std::optional<AclDenial> worst = check_selector(user.root, spec, parent, args);
  for (const AclSelector& s : user.selectors) {
    if (!worst) break;
    std::optional<AclDenial> d = check_selector(s, spec, parent, args);
    if (!d) return std::nullopt;
    // Redis reports the most specific refusal: a later reason, or the same one further along
    // the arguments.
    if (d->reason > worst->reason ||
        (d->reason == worst->reason && d->position > worst->position)) {
      worst = std::move(d);
    }
  }
  return worst;
}

void Acl::log(const AclDenial& denial, AclContext context, std::string_view username,
              std::string client_info, int64_t now_ms) {
  constexpr int64_t kGroupingMs = 60000;
  std::lock_guard lock(mutex_);
  auto similar = [&](const LogEntry& e) {
    return e.reason == denial.reason && e.context == context && e.object == denial.object &&
           e.username == username && now_ms - e.created_ms < kGroupingMs;
  };
  auto it = std::find_if(log_.begin(), log_.end(), similar);
  LogEntry entry;
  if (it != log_.end()) {
    entry = std::move(*it);
    log_.erase(it);
    ++entry.count;
  } else {
    entry = LogEntry{.reason = denial.reason,
                     .context = context,
                     .object = denial.object,
                     .username = std::string(username)};
  }
  entry.created_ms = now_ms;
  entry.client_info = std::move(client_info);
  log_.push_front(std::move(entry));
  while (log_.size() > log_max_len_) log_.pop_back();
}

std::vector<Acl::LogEntry> Acl::log_entries(size_t max) const {
  std::lock_guard lock(mutex_);
  return {log_.begin(), log_.begin() + static_cast<ptrdiff_t>(std::min(max, log_.size()))};
}

void Acl::reset_log() {
  std::lock_guard lock(mutex_);
  log_.clear();
}

void Acl::set_log_max_len(size_t n) {
  std::lock_guard lock(mutex_);
  log_max_len_ = n;
  while (log_.size() > log_max_len_) log_.pop_back();
}

std::string noperm_message(const AclDenial& d, AclContext context) {
  if (context == AclContext::kMulti) {
    constexpr std::string_view kReasons[] = {"no permission to execute the command or subcommand",
                                             "no permission to touch the specified keys", "",
                                             "no permission to access one of the channels used "
                                             "as arguments"};
    return fmt::format(
        "ACLs rules changed between the moment the transaction was accumulated and the EXEC "
        "call. This command is no longer allowed for the following reason: {}",
        kReasons[d.reason]);
  }
  switch (d.reason) {
    case AclDenial::kCommand:
      return fmt::format("this user has no permissions to run the '{}' command", d.object);
    case AclDenial::kKey:
      return "this user has no permissions to access one of the keys used as arguments";
    case AclDenial::kChannel:
      return "this user has no permissions to access one of the channels used as arguments";
    case AclDenial::kAuth:
      break;
  }
  return "invalid username-password pair or user is disabled.";
}

std::string dryrun_message(const AclDenial& d) {
  switch (d.reason) {
    case AclDenial::kCommand:
      return fmt::format("This user has no permissions to run the '{}' command", d.object);
    case AclDenial::kKey:
      return fmt::format("This user has no permissions to access the '{}' key", d.object);
    case AclDenial::kChannel:
      return fmt::format("This user has no permissions to access the '{}' channel", d.object);
    case AclDenial::kAuth:
      break;
  }
  return "";
}

std::string describe_commands(const AclSelector& s) {
  std::string out = s.all_commands ? "+@all" : "-@all";
  for (const std::string& r : s.command_rules) out += " " + r;
  return out;
}

std::string describe_keys(const AclSelector& s) {
  if (s.all_keys) return "~*";
  std::string out;
  for (const AclSelector::KeyPattern& p : s.keys) {
    if (!out.empty()) out += ' ';
    out += p.read && p.write ? "~" : p.read ? "%R~" : "%W~";
    out += p.pattern;
  }
  return out;
}

std::string describe_channels(const AclSelector& s) {
  if (s.all_channels) return "&*";
  std::string out;
  for (const std::string& c : s.channels) out += (out.empty() ? "&" : " &") + c;
  return out;
}

std::string describe_user(const AclUser& u) {
  std::string out = u.enabled ? "on " : "off ";
  if (u.nopass) out += "nopass ";
  if (u.sanitize != 0) out += u.sanitize > 0 ? "sanitize-payload " : "skip-sanitize-payload ";
  for (const std::string& p : u.passwords) out += fmt::format("#{} ", p);
  out += describe_selector(u.root);
  for (const AclSelector& s : u.selectors) out += fmt::format(" ({})", describe_selector(s));
  return out;
}

}  // namespace cachet::server
