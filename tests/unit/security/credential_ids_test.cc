// CredentialIds: ids keyed with the server's secret, added times kept while a credential stays
// configured, and the state file (created, read back, replaced whole, damaged entries skipped).
#include "security/credential_ids.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "security/password_hash.h"

namespace redoubt::security {
namespace {

std::string Material(const PasswordHash& h) {
  return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

class CredentialIdsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "redoubt-credential-ids-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/" + std::string(kCredentialStateFile);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Read() const {
    std::ifstream in(path_);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  std::string dir_;
  std::string path_;
};

TEST_F(CredentialIdsTest, AnIdDependsOnSecretUserAndPassword) {
  CredentialIds ids;
  CredentialIds other_server;
  std::string pw = Material(HashPassword("pw"));

  std::string id = ids.Id("app", pw);

  EXPECT_EQ(id.size(), kIdHexDigits);
  EXPECT_EQ(ids.Id("app", pw), id);
  EXPECT_NE(ids.Id("app2", pw), id);
  EXPECT_NE(ids.Id("app", Material(HashPassword("pw2"))), id);
  EXPECT_NE(other_server.Id("app", pw), id);
  // The NUL between name and material: "ab" + "c…" and "a" + "bc…" are different inputs.
  EXPECT_NE(ids.Id("ab", "cnopass"), ids.Id("a", "bcnopass"));
}

TEST_F(CredentialIdsTest, RetainKeepsAddedTimesAddsNewOnesAndForgetsTheRest) {
  CredentialIds ids;
  std::vector<std::string> a = {"aaaaaaaaaaaa"};
  std::vector<std::string> ab = {"aaaaaaaaaaaa", "bbbbbbbbbbbb"};
  std::vector<std::string> b = {"bbbbbbbbbbbb"};

  ids.Retain(a, 1000);
  ids.Retain(ab, 2000);
  EXPECT_EQ(ids.AddedMs("aaaaaaaaaaaa"), 1000);
  EXPECT_EQ(ids.AddedMs("bbbbbbbbbbbb"), 2000);
  ids.Retain(b, 3000);
  EXPECT_EQ(ids.AddedMs("aaaaaaaaaaaa"), 0);
  ids.Retain(ab, 4000);

  EXPECT_EQ(ids.AddedMs("aaaaaaaaaaaa"), 4000) << "removed, then added again: a new time";
  EXPECT_EQ(ids.AddedMs("bbbbbbbbbbbb"), 2000);
}

TEST_F(CredentialIdsTest, ReplaceChangesOnlyWhatOneUserChanged) {
  CredentialIds ids;
  std::vector<std::string> all = {"aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc"};
  std::vector<std::string> before = {"aaaaaaaaaaaa", "bbbbbbbbbbbb"};
  std::vector<std::string> after = {"bbbbbbbbbbbb", "dddddddddddd"};
  ids.Retain(all, 1000);

  ids.Replace(before, after, 2000);

  EXPECT_EQ(ids.AddedMs("aaaaaaaaaaaa"), 0);
  EXPECT_EQ(ids.AddedMs("bbbbbbbbbbbb"), 1000);
  EXPECT_EQ(ids.AddedMs("cccccccccccc"), 1000) << "another user's credential";
  EXPECT_EQ(ids.AddedMs("dddddddddddd"), 2000);
}

TEST_F(CredentialIdsTest, TheFileKeepsTheSecretAndAddedTimes) {
  std::string pw = Material(HashPassword("pw"));
  std::string id;
  {
    CredentialIds first;
    ASSERT_TRUE(first.Load(path_).ok());  // no file yet: not an error
    EXPECT_FALSE(first.loaded_from_file());
    id = first.Id("app", pw);
    first.Retain(std::vector<std::string>{id}, 1234);
    ASSERT_TRUE(first.Persist().ok());
  }
  CredentialIds second;

  ASSERT_TRUE(second.Load(path_).ok());
  second.Retain(std::vector<std::string>{id}, 9999);

  EXPECT_TRUE(second.loaded_from_file());
  EXPECT_EQ(second.Id("app", pw), id);
  EXPECT_EQ(second.AddedMs(id), 1234);
  std::string text = Read();
  EXPECT_EQ(text.find("\"added\":{\"" + id + "\":1234}"), text.find("\"added\"")) << text;
  EXPECT_EQ(std::filesystem::status(path_).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_F(CredentialIdsTest, PersistWritesOnlyChangesAndReplacesTheFileWhole) {
  CredentialIds ids;
  ASSERT_TRUE(ids.Load(path_).ok());
  ASSERT_TRUE(ids.Persist().ok());
  std::filesystem::remove(path_);

  ASSERT_TRUE(ids.Persist().ok());
  EXPECT_FALSE(std::filesystem::exists(path_)) << "nothing changed, nothing written";
  ids.Retain(std::vector<std::string>{"0123456789ab"}, 5);
  ASSERT_TRUE(ids.Persist().ok());

  EXPECT_NE(Read().find("\"0123456789ab\":5"), std::string::npos) << Read();
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename(), kCredentialStateFile) << "no temporary file left";
  }
}

TEST_F(CredentialIdsTest, EntriesThatAreNotOursAreSkipped) {
  std::string secret(64, 'a');
  std::ofstream(path_) << "{\"secret\":\"" << secret << "\",\"added\":{\"0123456789ab\":7,"
                       << "\"short\":8,\"ABCDEF012345\":9,\"0123456789ac\":\"x\"}}";
  CredentialIds ids;

  ASSERT_TRUE(ids.Load(path_).ok());
  ids.Retain(std::vector<std::string>{"0123456789ab", "0123456789ac"}, 100);

  EXPECT_EQ(ids.AddedMs("0123456789ab"), 7);
  EXPECT_EQ(ids.AddedMs("0123456789ac"), 100);
}

TEST_F(CredentialIdsTest, WhatCannotBeReadIsAnErrorAndLeavesANewSecret) {
  CredentialIds reference;
  std::string pw = Material(HashPassword("pw"));
  std::filesystem::create_directory(path_);  // a directory where the file should be

  CredentialIds ids;
  absl::Status st = ids.Load(path_);

  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("can't read credential state file '" + path_ + "'"),
            std::string::npos)
      << st.message();
  EXPECT_FALSE(ids.loaded_from_file());
  EXPECT_EQ(ids.Id("app", pw).size(), kIdHexDigits);
  EXPECT_FALSE(ids.Persist().ok()) << "a file cannot replace a directory";
}

}  // namespace
}  // namespace redoubt::security
