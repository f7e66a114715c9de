// libFuzzer target: ACL SETUSER rules (server/acl.h). The input is rules separated by newlines,
// applied to one user. Checks: nothing crashes; a rejected rule set leaves the user as it was;
// an accepted one (without spaces inside rules, nor parentheses inside selectors) describes itself
// in ACL LIST's form, and those rules applied to a new user describe it identically (ACL SAVE then
// ACL LOAD keeps users as they were); checking a few commands against the user never crashes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "server/acl.h"
#include "server/command.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(sep, start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

void check_commands(const cachet::server::AclUser& user) {
  using cachet::server::Acl;
  const std::vector<std::vector<std::string_view>> calls = {
      {"get", "key:1"},         {"set", "a", "b"},          {"config", "get", "x"},
      {"publish", "chan", "m"}, {"psubscribe", "c*"},       {"copy", "a", "b"},
      {"select", "0"},          {"sinterstore", "d", "s1"}, {"flushall"}};
  for (const auto& args : calls) {
    const cachet::server::CommandSpec* spec = cachet::server::find_command(args[0]);
    const cachet::server::CommandSpec* parent = nullptr;
    if (!spec->subcommands.empty()) {
      parent = spec;
      spec = cachet::server::find_subcommand(*spec, args[1]);
    }
    (void)Acl::check(user, *spec, parent, args);
  }
}

// Whether a selector of `rules`, joined as ACL SETUSER joins them (from a word starting with '('
// to the first one ending with ')'), has a parenthesis inside, like "(&a))": its description
// cannot be read back, in Redis too, since ACL SETUSER and ACL LOAD would end the selector at the
// inner ')' (both servers then reject the rest).
bool ambiguous_selector(const std::vector<std::string_view>& rules) {
  std::string selector;
  bool open = false;
  for (std::string_view r : rules) {
    if (!open && r.front() == '(') open = true, selector.clear();
    if (!open) continue;
    selector.append(r).push_back(' ');
    if (r.back() != ')') continue;
    open = false;
    // (a closed selector has at least "()" and the space)
    std::string_view inner(selector.data() + 1, selector.size() - 3);  // without "(" and ") "
    if (inner.find_first_of("()") != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  using cachet::server::describe_user;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> rules = split(input, '\n');
  cachet::server::Acl acl;
  std::vector<std::string_view> start = {"on", "~a*"};
  check(acl.set_user("u", start).empty());
  std::string before = describe_user(*acl.find("u"));
  bool ok = acl.set_user("u", rules).empty();
  std::string after = describe_user(*acl.find("u"));
  if (!ok) {
    check(after == before);
    return 0;
  }
  check_commands(*acl.find("u"));
  for (std::string_view r : rules) {
    if (r.find_first_of(std::string_view(" \0", 2)) != std::string_view::npos) return 0;
  }
  if (ambiguous_selector(rules)) return 0;
  std::vector<std::string_view> described = split(after, ' ');
  check(acl.set_user("copy", described).empty());
  check(describe_user(*acl.find("copy")) == after);
  return 0;
}
