// AclRegistry: copy-on-write user changes, authentication and credential usage (what INFO auth
// reports during a rotation), aclfile loading all-or-nothing, and the ACL log.
#include "security/acl_registry.h"

#include <gtest/gtest.h>

#include <thread>

#include "security/acl_categories.h"

namespace redoubt::security {
namespace {

std::shared_ptr<const AclCommandCatalog> SmallCatalog() {
  auto c = std::make_shared<AclCommandCatalog>();
  c->Add("get", 0, kAclRead | kAclString);
  c->Add("set", 1, kAclWrite | kAclString);
  return c;
}

std::vector<std::string_view> Rules(std::initializer_list<std::string_view> r) {
  return r;
}

TEST(AclRegistryTest, DefaultUserAndRequirepass) {
  AclRegistry acl(SmallCatalog());
  EXPECT_FALSE(acl.default_requires_auth());
  EXPECT_EQ(acl.Find("default")->Describe(acl.catalog()), "on nopass ~* &* +@all");
  acl.SetDefaultPassword("s3cret");
  EXPECT_TRUE(acl.default_requires_auth());
  EXPECT_FALSE(acl.Authenticate("default", "wrong", 1).ok());
  EXPECT_TRUE(acl.Authenticate("default", "s3cret", 1).ok());
  acl.SetDefaultPassword("");
  EXPECT_FALSE(acl.default_requires_auth());
}

TEST(AclRegistryTest, BadRuleLeavesUserUnchangedAndVersionAlone) {
  AclRegistry acl(SmallCatalog());
  ASSERT_TRUE(acl.SetUser("u", Rules({"on", ">pw", "+get"})).ok());
  uint64_t version = acl.version();
  std::string before = acl.Find("u")->Describe(acl.catalog());
  absl::Status st = acl.SetUser("u", Rules({"-get", "+nosuch"}));
  EXPECT_EQ(st.message(),
            "Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL");
  EXPECT_EQ(acl.Find("u")->Describe(acl.catalog()), before);
  EXPECT_EQ(acl.version(), version);
  EXPECT_EQ(acl.SetUser("a b", {}).message(), "Usernames can't contain spaces or null characters");
  EXPECT_EQ(acl.SetUser("v", Rules({"(~x", "+get"})).message(),
            "Unmatched parenthesis in acl selector starting at '(~x'.");
  EXPECT_EQ(acl.Find("v"), nullptr);
}

TEST(AclRegistryTest, AuthenticationRefusalsAreTold) {
  AclRegistry acl(SmallCatalog());
  ASSERT_TRUE(acl.SetUser("on_user", Rules({"on", ">pw"})).ok());
  ASSERT_TRUE(acl.SetUser("off_user", Rules({"off", ">pw"})).ok());
  ASSERT_TRUE(acl.SetUser("cert_user", Rules({"on", ">pw", "cert-only"})).ok());
  EXPECT_EQ(acl.Authenticate("nobody", "pw", 1).refusal, "no such user");
  EXPECT_EQ(acl.Authenticate("off_user", "pw", 1).refusal, "user is disabled");
  EXPECT_EQ(acl.Authenticate("on_user", "nope", 1).refusal, "wrong password");
  EXPECT_EQ(acl.Authenticate("cert_user", "pw", 1).refusal, "user requires a client certificate");
  EXPECT_TRUE(acl.AuthenticateCertificate("cert_user", 1).ok());
  EXPECT_FALSE(acl.AuthenticateCertificate("off_user", 1).ok());
  // A very long password is hashed like any other and simply does not match.
  EXPECT_EQ(acl.Authenticate("on_user", std::string(1 << 20, 'x'), 1).refusal, "wrong password");
}

TEST(AclRegistryTest, RotationIsVisibleInCredentialRows) {
  AclRegistry acl(SmallCatalog());
  ASSERT_TRUE(acl.SetUser("app", Rules({"on", ">old", "~*", "+@all"})).ok());
  std::string old_id = ShortId(HashPassword("old"));
  std::string new_id = ShortId(HashPassword("new"));
  AuthResult first = acl.Authenticate("app", "old", 1000);
  ASSERT_TRUE(first.ok());
  CredentialLease held(first.credential);
  ASSERT_TRUE(acl.SetUser("app", Rules({">new"})).ok());
  {
    CredentialLease moved(acl.Authenticate("app", "new", 2000).credential);
    ASSERT_TRUE(acl.SetUser("app", Rules({"<old"})).ok());
    auto rows = acl.CredentialRows();
    auto find = [&](const std::string& id) {
      for (const CredentialRow& r : rows) {
        if (r.user == "app" && r.id == id) {
          return r;
        }
      }
      return CredentialRow{};
    };
    // The removed password is still held by one client: shown as removed, with its last use.
    EXPECT_FALSE(find(old_id).current);
    EXPECT_EQ(find(old_id).connected, 1);
    EXPECT_EQ(find(old_id).last_used_ms, 1000);
    EXPECT_TRUE(find(new_id).current);
    EXPECT_EQ(find(new_id).connected, 1);
    EXPECT_EQ(find(new_id).successes, 1u);
  }
  held = CredentialLease();
  for (const CredentialRow& r : acl.CredentialRows()) {
    EXPECT_NE(r.id, old_id) << "a removed password nobody holds is no longer listed";
    if (r.id == new_id) {
      EXPECT_EQ(r.connected, 0);
    }
  }
}

TEST(AclRegistryTest, LoadIsAllOrNothingAndReportsChangedUsers) {
  AclRegistry acl(SmallCatalog());
  ASSERT_TRUE(acl.SetUser("keep", Rules({"on", ">k", "+get"})).ok());
  ASSERT_TRUE(acl.SetUser("gone", Rules({"on", ">g"})).ok());
  uint64_t keep_uid = acl.Find("keep")->uid();
  std::vector<std::string> bad = {"user keep on #" + ToHex(HashPassword("k")) + " -@all +get",
                                  "user x on +nosuch", "# comment"};
  absl::Status st = acl.LoadUserLines(bad, "f.acl", nullptr);
  EXPECT_EQ(st.message(),
            "f.acl:2: Error in applying operation '+nosuch': Unknown command or category name in "
            "ACL. f.acl:3 should start with user keyword followed by the username. WARNING: ACL "
            "errors detected, no change to the previously active ACL rules was performed");
  EXPECT_NE(acl.Find("gone"), nullptr);
  std::vector<std::string> good = {acl.Serialize().substr(0, acl.Serialize().find('\n')),
                                   "user new on nopass"};
  // The first line of Serialize() is "user default …"; keep's line is kept verbatim.
  good.push_back("user keep on #" + ToHex(HashPassword("k")) + " resetchannels -@all +get");
  std::vector<std::string> changed;
  ASSERT_TRUE(acl.LoadUserLines(good, "f.acl", &changed).ok());
  EXPECT_EQ(acl.Find("gone"), nullptr);
  EXPECT_EQ(acl.Find("keep")->uid(), keep_uid);
  EXPECT_EQ(changed, std::vector<std::string>{"gone"});
}

TEST(AclLogTest, GroupsRepeatsAndTrims) {
  AclLog log;
  log.Add("command", "get", "u", "info1", 1000);
  log.Add("key", "k", "u", "info2", 1001);
  log.Add("command", "get", "u", "info3", 2000);
  std::vector<AclLogEntry> e = log.Latest(10);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].object, "get");
  EXPECT_EQ(e[0].count, 2u);
  EXPECT_EQ(e[0].client_info, "info3");
  log.Add("command", "get", "u", "info4", 2000 + 60000);  // 60 s after the latest: grouped
  EXPECT_EQ(log.Latest(10)[0].count, 3u);
  log.Add("command", "get", "u", "info5", 62000 + 60001);  // outside the window
  EXPECT_EQ(log.Latest(10).size(), 3u);
  log.set_max_len(1);
  EXPECT_EQ(log.Latest(10).size(), 1u);
  log.Reset();
  EXPECT_TRUE(log.Latest(10).empty());
}

TEST(AclRegistryTest, ConcurrentChangesAndAuthentications) {
  // Writers swap users while readers authenticate and look them up: no torn state, and the
  // connected counts return to zero.
  AclRegistry acl(SmallCatalog());
  ASSERT_TRUE(acl.SetUser("app", Rules({"on", ">a", ">b", "~*", "+@all"})).ok());
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 2000; ++i) {
      (void)acl.SetUser("app", Rules({i % 2 ? "+set" : "-set"}));
    }
    stop = true;
  });
  int ok = 0;
  for (int i = 0; i < 2000 || !stop; ++i) {
    AuthResult r = acl.Authenticate("app", "a", 1);
    CredentialLease lease(r.credential);
    ok += r.ok() ? 1 : 0;
    ASSERT_NE(acl.Find("app"), nullptr);
  }
  writer.join();
  EXPECT_GT(ok, 0);
  for (const CredentialRow& r : acl.CredentialRows()) {
    EXPECT_EQ(r.connected, 0);
  }
}

}  // namespace
}  // namespace redoubt::security
