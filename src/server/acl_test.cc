// ACL users, rules and checks (server/acl.h), driven through the command layer.
#include "server/acl.h"

#include <gtest/gtest.h>

#include "server/command.h"
#include "server/test_session.h"

namespace cachet::server {
namespace {

TEST(AclTest, DefaultUserIsUnrestricted) {
  Acl acl;
  Acl::UserPtr d = acl.default_user();
  ASSERT_NE(d, nullptr);
  EXPECT_TRUE(d->unrestricted);
  EXPECT_EQ(describe_user(*d), "on nopass ~* &* +@all");
}

TEST(AclTest, DefaultPassword) {
  Acl acl;
  std::vector<std::string_view> rules = {"resetpass", ">pw"};
  EXPECT_EQ(acl.set_user("default", rules), "");
  acl.set_default_password("pw");
  EXPECT_EQ(describe_user(*acl.default_user()),
            "on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~* &* +@all");
  EXPECT_EQ(acl.authenticate("default", "x"), nullptr);
  EXPECT_NE(acl.authenticate("default", "pw"), nullptr);
}

}  // namespace
}  // namespace cachet::server
