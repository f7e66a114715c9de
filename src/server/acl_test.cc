// ACL users, rules and checks (server/acl.h), directly and through the command layer.
#include "server/acl.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "server/command.h"
#include "server/test_session.h"

namespace cachet::server {
namespace {

constexpr std::string_view kPwHash =
    "30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4";  // sha256("pw")

std::string set(Acl& acl, std::string_view name, std::vector<std::string_view> rules) {
  return acl.set_user(name, rules);
}

// Whether `user` may run `args` (a whole command line).
bool allowed(const Acl& acl, std::string_view user, std::vector<std::string_view> args) {
  const CommandSpec* spec = find_command(args[0]);
  const CommandSpec* parent = nullptr;
  if (!spec->subcommands.empty()) parent = std::exchange(spec, find_subcommand(*spec, args[1]));
  return !Acl::check(*acl.find(user), *spec, parent, args);
}

TEST(AclTest, DefaultUserIsUnrestricted) {
  Acl acl;
  Acl::UserPtr d = acl.default_user();
  ASSERT_NE(d, nullptr);
  EXPECT_TRUE(d->unrestricted);
  EXPECT_EQ(describe_user(*d), "on nopass ~* &* +@all");
}

TEST(AclTest, DefaultPasswordReplacesNopass) {
  Acl acl;
  acl.set_default_password("pw");
  EXPECT_EQ(describe_user(*acl.default_user()), fmt::format("on #{} ~* &* +@all", kPwHash));
  EXPECT_EQ(acl.authenticate("default", "x"), nullptr);
  EXPECT_NE(acl.authenticate("default", "pw"), nullptr);
  acl.set_default_password("");
  EXPECT_NE(acl.authenticate("default", "anything"), nullptr);
}

TEST(AclTest, NewUsersStartWithNothingAndOffUsersCannotAuthenticate) {
  Acl acl;
  ASSERT_EQ(set(acl, "u", {">pw"}), "");
  EXPECT_EQ(describe_user(*acl.find("u")), fmt::format("off #{} resetchannels -@all", kPwHash));
  EXPECT_EQ(acl.authenticate("u", "pw"), nullptr);
  ASSERT_EQ(set(acl, "u", {"on"}), "");
  EXPECT_NE(acl.authenticate("u", "pw"), nullptr);
  EXPECT_FALSE(allowed(acl, "u", {"get", "k"}));
}

TEST(AclTest, ABadRuleChangesNothing) {
  Acl acl;
  ASSERT_EQ(set(acl, "u", {"on", "+get", "~a"}), "");
  uint64_t version = acl.version();
  EXPECT_EQ(set(acl, "u", {"off", "-get", "bogus"}),
            "Error in ACL SETUSER modifier 'bogus': Syntax error");
  EXPECT_EQ(describe_user(*acl.find("u")), "on ~a resetchannels -@all +get");
  EXPECT_EQ(acl.version(), version);
}

TEST(AclTest, CommandsCategoriesAndSubcommands) {
  Acl acl;
  ASSERT_EQ(set(acl, "u", {"on", "allkeys", "+@read", "-keys", "+config|get", "+select|0"}), "");
  EXPECT_TRUE(allowed(acl, "u", {"get", "k"}));
  EXPECT_FALSE(allowed(acl, "u", {"keys", "*"}));
  EXPECT_FALSE(allowed(acl, "u", {"set", "k", "v"}));
  EXPECT_TRUE(allowed(acl, "u", {"config", "get", "maxmemory"}));
  EXPECT_FALSE(allowed(acl, "u", {"config", "set", "maxmemory", "0"}));
  EXPECT_TRUE(allowed(acl, "u", {"select", "0"}));
  EXPECT_FALSE(allowed(acl, "u", {"select", "1"}));
  EXPECT_EQ(describe_user(*acl.find("u")),
            "on ~* resetchannels -@all +@read -keys +config|get +select|0");
  ASSERT_EQ(set(acl, "u", {"+@all", "-@dangerous"}), "");
  EXPECT_FALSE(allowed(acl, "u", {"flushall"}));
  EXPECT_FALSE(allowed(acl, "u", {"config", "get", "x"}));
  EXPECT_TRUE(allowed(acl, "u", {"set", "k", "v"}));
}

TEST(AclTest, ReadAndWriteKeyPatterns) {
  Acl acl;
  ASSERT_EQ(set(acl, "u", {"on", "+@all", "%R~r*", "%W~w*", "~rw*"}), "");
  EXPECT_TRUE(allowed(acl, "u", {"get", "r1"}));
  EXPECT_FALSE(allowed(acl, "u", {"set", "r1", "v"}));
  EXPECT_TRUE(allowed(acl, "u", {"set", "w1", "v"}));
  EXPECT_FALSE(allowed(acl, "u", {"set", "w1", "v", "GET"}));  // returns the old value
  EXPECT_FALSE(allowed(acl, "u", {"get", "w1"}));
  EXPECT_FALSE(allowed(acl, "u", {"incr", "w1"}));  // reads and writes
  EXPECT_TRUE(allowed(acl, "u", {"incr", "rw1"}));
  EXPECT_TRUE(allowed(acl, "u", {"copy", "r1", "w1"}));
  EXPECT_FALSE(allowed(acl, "u", {"copy", "w1", "r1"}));
  EXPECT_TRUE(allowed(acl, "u", {"sinterstore", "w1", "r1", "r2"}));
  EXPECT_FALSE(allowed(acl, "u", {"sinterstore", "r1", "w1"}));
  EXPECT_TRUE(allowed(acl, "u", {"lpush", "w1", "x"}));
  EXPECT_FALSE(allowed(acl, "u", {"mget", "r1", "x"}));
}

TEST(AclTest, ChannelsAndPatterns) {
  Acl acl;
  ASSERT_EQ(set(acl, "u", {"on", "+@all", "allkeys", "&news.*"}), "");
  EXPECT_TRUE(allowed(acl, "u", {"publish", "news.1", "m"}));
  EXPECT_FALSE(allowed(acl, "u", {"publish", "sport", "m"}));
  EXPECT_FALSE(allowed(acl, "u", {"subscribe", "news.1", "sport"}));
  EXPECT_TRUE(allowed(acl, "u", {"psubscribe", "news.*"}));  // a pattern must match literally
  EXPECT_FALSE(allowed(acl, "u", {"psubscribe", "news.1*"}));
  EXPECT_TRUE(allowed(acl, "u", {"spublish", "news.2", "m"}));
}

TEST(AclTest, SelectorsAddAlternatives) {
  Acl acl;
  ASSERT_EQ(set(acl, "u", {"on", "(+set", "~w:*)", "(+get ~r:*)"}), "");
  EXPECT_TRUE(allowed(acl, "u", {"set", "w:1", "v"}));
  EXPECT_TRUE(allowed(acl, "u", {"get", "r:1"}));
  EXPECT_FALSE(allowed(acl, "u", {"get", "w:1"}));
  EXPECT_EQ(describe_user(*acl.find("u")),
            "on resetchannels -@all (~w:* resetchannels -@all +set) (~r:* resetchannels -@all "
            "+get)");
  EXPECT_EQ(set(acl, "u", {"(+get"}), "Unmatched parenthesis in acl selector starting at '(+get'.");
  ASSERT_EQ(set(acl, "u", {"clearselectors"}), "");
  EXPECT_FALSE(allowed(acl, "u", {"get", "r:1"}));
}

TEST(AclTest, RedundantCommandRulesAreDropped) {
  Acl acl;
  ASSERT_EQ(set(acl, "u", {"+get", "+get", "-get", "+set", "-config|get"}), "");
  EXPECT_EQ(describe_commands(acl.find("u")->root), "-@all +set");
}

TEST(AclTest, PasswordRules) {
  Acl acl;
  EXPECT_EQ(set(acl, "u", {"<nope"}),
            "Error in ACL SETUSER modifier '<nope': The password you are trying to remove from "
            "the user does not exist");
  EXPECT_EQ(set(acl, "u", {"#ABC"}),
            "Error in ACL SETUSER modifier '#ABC': The password hash must be exactly 64 "
            "characters and contain only lowercase hexadecimal characters");
  ASSERT_EQ(set(acl, "u", {"on", ">a", ">b", "<a"}), "");
  EXPECT_EQ(acl.authenticate("u", "a"), nullptr);
  EXPECT_NE(acl.authenticate("u", "b"), nullptr);
  ASSERT_EQ(set(acl, "u", {"nopass"}), "");
  EXPECT_NE(acl.authenticate("u", "anything"), nullptr);
  ASSERT_EQ(set(acl, "u", {"resetpass"}), "");
  EXPECT_EQ(acl.authenticate("u", "anything"), nullptr);
}

TEST(AclTest, LoadReplacesUsersAllOrNothing) {
  Acl acl;
  ASSERT_EQ(set(acl, "old", {"on"}), "");
  std::vector<std::vector<std::string>> bad = {{"user", "a", "on"}, {"user", "b", "bogus"}};
  EXPECT_NE(acl.load(bad), "");
  EXPECT_NE(acl.find("old"), nullptr);
  std::vector<std::vector<std::string>> good = {{"user", "a", "on", "+get"},
                                                {"user", "default", "on", "nopass", "+@all"}};
  ASSERT_EQ(acl.load(good), "");
  EXPECT_EQ(acl.find("old"), nullptr);
  EXPECT_EQ(describe_user(*acl.find("a")), "on resetchannels -@all +get");
  EXPECT_EQ(describe_user(*acl.default_user()), "on nopass sanitize-payload resetchannels +@all");
}

TEST(AclTest, LogGroupsSimilarRefusalsForAMinuteAndIsBounded) {
  Acl acl;
  AclDenial key{AclDenial::kKey, "k"};
  acl.log(key, AclContext::kTopLevel, "u", "", 1000);
  acl.log(key, AclContext::kTopLevel, "u", "", 30000);
  acl.log(key, AclContext::kMulti, "u", "", 30000);
  std::vector<Acl::LogEntry> entries = acl.log_entries(10);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].context, AclContext::kMulti);
  EXPECT_EQ(entries[1].count, 2u);
  acl.log(key, AclContext::kTopLevel, "u", "", 100000);  // 70 s after the last: a new entry
  EXPECT_EQ(acl.log_entries(10).size(), 3u);
  acl.set_log_max_len(1);
  EXPECT_EQ(acl.log_entries(10).size(), 1u);
  acl.reset_log();
  EXPECT_TRUE(acl.log_entries(10).empty());
}

class AclCommandsTest : public CommandsTest {};

TEST_F(AclCommandsTest, SessionsSeeChangesToTheirUserAtTheNextCommand) {
  ASSERT_EQ(run({"ACL", "SETUSER", "u", "on", "nopass", "allkeys", "+@all"}), "+OK\r\n");
  Session s;
  ASSERT_EQ(run_as(s, {"AUTH", "u", "x"}), "+OK\r\n");
  EXPECT_EQ(run_as(s, {"GET", "k"}), "$-1\r\n");
  ASSERT_EQ(run({"ACL", "SETUSER", "u", "-get"}), "+OK\r\n");
  EXPECT_EQ(run_as(s, {"GET", "k"}),
            "-NOPERM this user has no permissions to run the 'get' command\r\n");
  EXPECT_EQ(run_as(s, {"ACL", "WHOAMI"}), "$1\r\nu\r\n");
  ASSERT_EQ(run({"ACL", "DELUSER", "u"}), ":1\r\n");
  EXPECT_EQ(run_as(s, {"SET", "k", "v"}),
            "-NOPERM this user has no permissions to run the 'set' command\r\n");
}

TEST_F(AclCommandsTest, WrongPasswordsAreLogged) {
  Session s;
  EXPECT_EQ(run_as(s, {"AUTH", "nobody", "x"}),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  std::string log = run({"ACL", "LOG"});
  EXPECT_NE(log.find("$6\r\nreason\r\n$4\r\nauth\r\n"), std::string::npos);
  EXPECT_NE(log.find("$8\r\nusername\r\n$6\r\nnobody\r\n"), std::string::npos);
}

TEST_F(AclCommandsTest, CommandInfoCategoriesComeFromTheAclTable) {
  std::string info = run({"COMMAND", "INFO", "flushall"});
  EXPECT_NE(info.find("+@keyspace\r\n+@write\r\n+@slow\r\n+@dangerous\r\n"), std::string::npos);
  EXPECT_EQ(run({"ACL", "CAT", "nosuch"}), "-ERR Unknown category 'nosuch'\r\n");
}

}  // namespace
}  // namespace cachet::server
