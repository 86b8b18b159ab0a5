// AclRegistry: copy-on-write user changes, authentication and credential usage (what INFO auth
// reports during a rotation: opaque ids, added times, the state file that keeps them across a
// restart), aclfile loading all-or-nothing, and the ACL log.
#include "security/acl_registry.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <thread>

#include "common/clock.h"
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
  EXPECT_TRUE(acl.AuthenticateCertificate("on_user", 1).ok());
  EXPECT_EQ(acl.AuthenticateCertificate("nobody", 1).refusal, "no such user");
  EXPECT_EQ(acl.AuthenticateCertificate("off_user", 1).refusal, "user is disabled");
  // A very long password is hashed like any other and simply does not match.
  EXPECT_EQ(acl.Authenticate("on_user", std::string(1 << 20, 'x'), 1).refusal, "wrong password");
}

// The ids of user's current passwords, as INFO auth lists them (nopass and certificate left out).
std::set<std::string> PasswordIds(const AclRegistry& acl, const std::string& user) {
  std::set<std::string> ids;
  for (const CredentialRow& r : acl.CredentialRows()) {
    if (r.user == user && r.current && r.id != "nopass" && r.id != "certificate") {
      ids.insert(r.id);
    }
  }
  return ids;
}

// The one id in after that is not in before.
std::string AddedId(const std::set<std::string>& before, const std::set<std::string>& after) {
  std::vector<std::string> added;
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(added));
  EXPECT_EQ(added.size(), 1u);
  return added.empty() ? "" : added[0];
}

CredentialRow FindRow(const std::vector<CredentialRow>& rows, const std::string& user,
                      const std::string& id) {
  for (const CredentialRow& r : rows) {
    if (r.user == user && r.id == id) {
      return r;
    }
  }
  return CredentialRow{};
}

TEST(AclRegistryTest, RotationIsVisibleInCredentialRows) {
  AclRegistry acl(SmallCatalog());
  ASSERT_TRUE(acl.SetUser("app", Rules({"on", ">old", "~*", "+@all"})).ok());
  std::string old_id = AddedId({}, PasswordIds(acl, "app"));
  AuthResult first = acl.Authenticate("app", "old", 1000);
  ASSERT_TRUE(first.ok());
  CredentialLease held(first.credential);
  ASSERT_TRUE(acl.SetUser("app", Rules({">new"})).ok());
  std::string new_id = AddedId({old_id}, PasswordIds(acl, "app"));
  {
    CredentialLease moved(acl.Authenticate("app", "new", 2000).credential);
    ASSERT_TRUE(acl.SetUser("app", Rules({"<old"})).ok());
    auto rows = acl.CredentialRows();
    // The removed password is still held by one client: shown as removed, with its last use
    // and when it had been added.
    EXPECT_FALSE(FindRow(rows, "app", old_id).current);
    EXPECT_EQ(FindRow(rows, "app", old_id).connected, 1);
    EXPECT_EQ(FindRow(rows, "app", old_id).last_used_ms, 1000);
    EXPECT_GT(FindRow(rows, "app", old_id).added_ms, 0);
    EXPECT_TRUE(FindRow(rows, "app", new_id).current);
    EXPECT_EQ(FindRow(rows, "app", new_id).connected, 1);
    EXPECT_EQ(FindRow(rows, "app", new_id).successes, 1u);
  }
  held = CredentialLease();
  for (const CredentialRow& r : acl.CredentialRows()) {
    EXPECT_NE(r.id, old_id) << "a removed password nobody holds is no longer listed";
    if (r.id == new_id) {
      EXPECT_EQ(r.connected, 0);
    }
  }
}

TEST(AclRegistryTest, PasswordIdsAreOpaqueAndDifferPerUser) {
  AclRegistry acl(SmallCatalog());
  ASSERT_TRUE(acl.SetUser("alice", Rules({"on", ">shared-pw"})).ok());
  ASSERT_TRUE(acl.SetUser("bob", Rules({"on", ">shared-pw"})).ok());

  std::string alice = AddedId({}, PasswordIds(acl, "alice"));
  std::string bob = AddedId({}, PasswordIds(acl, "bob"));

  EXPECT_EQ(alice.size(), kIdHexDigits);
  EXPECT_EQ(alice.find_first_not_of("0123456789abcdef"), std::string::npos) << alice;
  EXPECT_NE(alice, bob) << "users sharing a password must not be told apart by INFO";
  std::string sha = ToHex(HashPassword("shared-pw"));
  for (const std::string& id : {alice, bob}) {
    EXPECT_EQ(sha.find(id.substr(0, 6)), std::string::npos) << id << " leaks " << sha;
  }
  // Configuring the same password by its hash names it the same way.
  ASSERT_TRUE(acl.SetUser("alice", Rules({"resetpass", "#" + sha})).ok());
  EXPECT_EQ(PasswordIds(acl, "alice"), std::set<std::string>{alice});
  EXPECT_EQ(acl.Authenticate("alice", "shared-pw", 5).credential->id, alice);
}

TEST(AclRegistryTest, AddedTimeIsWhenTheCredentialAppearedAndSurvivesOtherChanges) {
  AclRegistry acl(SmallCatalog());
  int64_t before = common::UnixMillis();
  ASSERT_TRUE(acl.SetUser("app", Rules({"on", ">one"})).ok());
  int64_t after = common::UnixMillis();
  std::string one = AddedId({}, PasswordIds(acl, "app"));
  int64_t one_added = FindRow(acl.CredentialRows(), "app", one).added_ms;

  ASSERT_TRUE(acl.SetUser("app", Rules({">two", "+get"})).ok());
  ASSERT_TRUE(acl.SetUser("other", Rules({"on", ">x"})).ok());
  ASSERT_TRUE(
      acl.LoadUserLines(std::vector<std::string>{"user app on #" + ToHex(HashPassword("one")) +
                                                 " #" + ToHex(HashPassword("two"))},
                        "f.acl", nullptr)
          .ok());

  EXPECT_GE(one_added, before);
  EXPECT_LE(one_added, after);
  EXPECT_EQ(FindRow(acl.CredentialRows(), "app", one).added_ms, one_added);
  EXPECT_EQ(FindRow(acl.CredentialRows(), "default", "nopass").current, true);
  EXPECT_GT(FindRow(acl.CredentialRows(), "default", "nopass").added_ms, 0);
}

TEST(AclRegistryTest, DeletedUsersAndLoadsForgetTheirCredentials) {
  AclRegistry acl(SmallCatalog());
  ASSERT_TRUE(acl.SetUser("gone", Rules({"on", ">pw"})).ok());
  ASSERT_TRUE(acl.SetUser("kept", Rules({"on", ">pw", "nopass"})).ok());
  std::string gone = AddedId({}, PasswordIds(acl, "gone"));
  std::string_view names[] = {"gone"};

  ASSERT_EQ(*acl.DeleteUsers(names), 1);
  ASSERT_TRUE(acl.SetUser("gone", Rules({"on"})).ok());

  EXPECT_TRUE(PasswordIds(acl, "gone").empty());
  EXPECT_EQ(FindRow(acl.CredentialRows(), "gone", gone).user, "") << "no row for it";
  EXPECT_EQ(FindRow(acl.CredentialRows(), "kept", "nopass").current, true);
  ASSERT_TRUE(
      acl.LoadUserLines(std::vector<std::string>{"user kept on #" + ToHex(HashPassword("pw"))},
                        "f.acl", nullptr)
          .ok());
  EXPECT_EQ(FindRow(acl.CredentialRows(), "kept", "nopass").user, "");
  EXPECT_EQ(PasswordIds(acl, "kept").size(), 1u);
  EXPECT_EQ(acl.Authenticate("kept", "pw", 3).credential->id, *PasswordIds(acl, "kept").begin());
}

// A state file in a directory of its own, removed afterwards.
class AclRegistryStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "redoubt-acl-state-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/" + std::string(kCredentialStateFile);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  std::string path_;
};

TEST_F(AclRegistryStateTest, IdsAndAddedTimesSurviveARestartWithTheStateFile) {
  std::string id;
  int64_t added = 0;
  {
    AclRegistry first(SmallCatalog());
    ASSERT_TRUE(first.SetUser("app", Rules({"on", ">pw"})).ok());
    ASSERT_TRUE(first.AttachCredentialState(path_).ok());
    id = AddedId({}, PasswordIds(first, "app"));
    added = FindRow(first.CredentialRows(), "app", id).added_ms;
  }

  // A restart: the same users from the configuration (here by hash, as CONFIG REWRITE and
  // aclfiles keep them), then the state file.
  AclRegistry second(SmallCatalog());
  ASSERT_TRUE(
      second
          .LoadUserLines(std::vector<std::string>{"user app on #" + ToHex(HashPassword("pw"))},
                         "config", nullptr)
          .ok());
  ASSERT_TRUE(second.AttachCredentialState(path_).ok());
  AclRegistry elsewhere(SmallCatalog());
  ASSERT_TRUE(elsewhere.SetUser("app", Rules({"on", ">pw"})).ok());
  ASSERT_TRUE(elsewhere.AttachCredentialState(dir_ + "/other.json").ok());

  EXPECT_EQ(PasswordIds(second, "app"), std::set<std::string>{id});
  EXPECT_EQ(FindRow(second.CredentialRows(), "app", id).added_ms, added);
  EXPECT_EQ(PasswordIds(elsewhere, "app").count(id), 0u) << "another server's secret";
}

TEST_F(AclRegistryStateTest, ChangesAreWrittenWhenPersistedAndTheFileHoldsNoPasswordNorHash) {
  AclRegistry acl(SmallCatalog());
  ASSERT_TRUE(acl.AttachCredentialState(path_).ok());

  ASSERT_TRUE(acl.SetUser("app", Rules({"on", ">Sup3r-Secret"})).ok());
  acl.PersistCredentialState();  // the server's cron does this

  std::string id = AddedId({}, PasswordIds(acl, "app"));
  std::ifstream in(path_);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"" + id + "\""), std::string::npos) << text;
  EXPECT_EQ(text.find("Sup3r-Secret"), std::string::npos);
  EXPECT_EQ(text.find(ToHex(HashPassword("Sup3r-Secret")).substr(0, 8)), std::string::npos);
  EXPECT_EQ(text.find("app"), std::string::npos) << "no user names either";
  struct stat st {};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(AclRegistryStateTest, AnUnwritableFileIsAWarningAndIdsStillWork) {
  AclRegistry acl(SmallCatalog());
  ASSERT_TRUE(acl.SetUser("app", Rules({"on", ">pw"})).ok());

  absl::Status st =
      acl.AttachCredentialState(dir_ + "/missing-dir/" + std::string(kCredentialStateFile));

  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("can't write credential state file"), std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("credential ids change at restart"), std::string::npos)
      << st.message();
  std::string id = AddedId({}, PasswordIds(acl, "app"));
  EXPECT_EQ(acl.Authenticate("app", "pw", 1).credential->id, id);
  ASSERT_TRUE(acl.SetUser("app", Rules({">pw2"})).ok());  // keeps working, warns no more
  acl.PersistCredentialState();
  EXPECT_EQ(PasswordIds(acl, "app").size(), 2u);
}

TEST_F(AclRegistryStateTest, ADamagedFileIsReplacedWithAWarning) {
  std::ofstream(path_) << "{\"secret\": \"not hex\"";
  AclRegistry acl(SmallCatalog());

  absl::Status st = acl.AttachCredentialState(path_);

  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("is not valid"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("replaced"), std::string::npos) << st.message();
  AclRegistry again(SmallCatalog());
  EXPECT_TRUE(again.AttachCredentialState(path_).ok());
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
  log.Add("command", "toplevel", "get", "u", "info1", 1000);
  log.Add("key", "toplevel", "k", "u", "info2", 1001);
  log.Add("command", "toplevel", "get", "u", "info3", 2000);
  std::vector<AclLogEntry> e = log.Latest(10);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].object, "get");
  EXPECT_EQ(e[0].count, 2u);
  EXPECT_EQ(e[0].client_info, "info3");
  log.Add("command", "toplevel", "get", "u", "info4",
          2000 + 60000);  // 60 s after the latest: grouped
  EXPECT_EQ(log.Latest(10)[0].count, 3u);
  log.Add("command", "toplevel", "get", "u", "info5", 62000 + 60001);  // outside the window
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
