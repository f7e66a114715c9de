#include "server/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace cachet::server {
namespace {

TEST(Config, MemoryUnitsLikeRedis) {
  uint64_t n = 0;
  ASSERT_TRUE(parse_memory("1gb", n));
  EXPECT_EQ(n, 1024ull * 1024 * 1024);
  ASSERT_TRUE(parse_memory("1G", n));
  EXPECT_EQ(n, 1000ull * 1000 * 1000);
  ASSERT_TRUE(parse_memory("100mb", n));
  EXPECT_EQ(n, 100ull * 1024 * 1024);
  ASSERT_TRUE(parse_memory("12345", n));
  EXPECT_EQ(n, 12345u);
  EXPECT_FALSE(parse_memory("lots", n));
  EXPECT_FALSE(parse_memory("-1", n));
}

TEST(Config, CommandLineFlags) {
  Config c;
  std::string error;
  const char* args[] = {"--port", "7000", "--maxmemory", "1mb", "--bind", "127.0.0.1", "::1"};
  ASSERT_TRUE(parse_command_line(args, c, error)) << error;
  EXPECT_EQ(c.port, 7000);
  EXPECT_EQ(c.maxmemory, 1024u * 1024);
  EXPECT_EQ(c.bind, (std::vector<std::string>{"127.0.0.1", "::1"}));
}

TEST(Config, TlsOptionsFromFlagsAndTheirChangedName) {
  Config c;
  std::string error;
  const char* args[] = {"--tls-port",
                        "6380",
                        "--tls-cert-file",
                        "/etc/s.crt",
                        "--tls-auth-clients",
                        "OPTIONAL",
                        "--tls-session-cache-size",
                        "100",
                        "--tls-prefer-server-ciphers",
                        "yes"};
  ASSERT_TRUE(parse_command_line(args, c, error)) << error;
  EXPECT_EQ(c.tls_port, 6380);
  EXPECT_EQ(c.tls.cert_file, "/etc/s.crt");
  EXPECT_EQ(c.tls.auth_clients, net::TlsClientAuth::kOptional);
  EXPECT_EQ(c.tls.session_cache_size, 100);
  EXPECT_TRUE(c.tls.prefer_server_ciphers);
  EXPECT_TRUE(tls_enabled(c));
  EXPECT_EQ(find_option("tls-auth-clients")->get(c), "optional");
  Config changed = c;
  std::string no = "maybe";
  EXPECT_EQ(find_option("tls-auth-clients")->set(changed, std::span(&no, 1)),
            "argument(s) must be one of the following: no, yes, optional");
  EXPECT_EQ(first_changed_option(c, changed, "tls-"), "");
  changed.tls.key_file = "/etc/s.key";
  EXPECT_EQ(first_changed_option(c, changed, "tls-"), "tls-key-file");
}

TEST(Config, ProtectedModeIsOnByDefaultAndTakesYesOrNo) {
  Config c;
  EXPECT_TRUE(c.protected_mode);
  std::string error;
  const char* off[] = {"--protected-mode", "no"};
  ASSERT_TRUE(parse_command_line(off, c, error)) << error;
  EXPECT_FALSE(c.protected_mode);
  const char* bad[] = {"--protected-mode", "maybe"};
  EXPECT_FALSE(parse_command_line(bad, c, error));
  EXPECT_NE(error.find("argument must be 'yes' or 'no'"), std::string::npos) << error;
}

TEST(Config, UnknownOptionIsAnError) {
  Config c;
  std::string error;
  const char* args[] = {"--no-such-option", "1"};
  EXPECT_FALSE(parse_command_line(args, c, error));
  EXPECT_NE(error.find("no-such-option"), std::string::npos);
  const char* bad_value[] = {"--port", "99999"};
  EXPECT_FALSE(parse_command_line(bad_value, c, error));
  const char* bad_policy[] = {"--maxmemory-policy", "sometimes"};
  EXPECT_FALSE(parse_command_line(bad_policy, c, error));
}

TEST(Config, RedisConfFile) {
  std::string path = testing::TempDir() + "cachet_test.conf";
  {
    std::ofstream f(path);
    f << "# comment\nport 6390\nmaxmemory 2gb\nmaxmemory-policy allkeys-lru\n"
         "requirepass \"se cret\"\nsave 900 1\n\n";
  }
  Config c;
  std::string error;
  const char* args[] = {path.c_str(), "--port", "6391"};
  ASSERT_TRUE(parse_command_line(args, c, error)) << error;
  EXPECT_EQ(c.port, 6391);  // flags override the file
  EXPECT_EQ(c.maxmemory, 2ull * 1024 * 1024 * 1024);
  EXPECT_EQ(c.maxmemory_policy, "allkeys-lru");
  EXPECT_EQ(c.requirepass, "se cret");
  std::remove(path.c_str());
}

TEST(Config, FileErrorsNameTheLine) {
  std::string path = testing::TempDir() + "cachet_bad.conf";
  {
    std::ofstream f(path);
    f << "port 6390\nbogus-directive yes\n";
  }
  Config c;
  std::string error;
  EXPECT_FALSE(load_config_file(path, c, error));
  EXPECT_NE(error.find("line 2"), std::string::npos);
  EXPECT_NE(error.find("Bad directive"), std::string::npos);
  std::remove(path.c_str());
  EXPECT_FALSE(load_config_file(path, c, error));
}

}  // namespace
}  // namespace cachet::server
