// Tests of configuration loading and CONFIG SET's checks: redis.conf syntax, command-line
// overrides, errors that name the directive and line, memory units, multi-word directives,
// Redis's ignored directives, CONFIG SET's order of checks, protected directives.
#include "server/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

namespace redoubt::server {
namespace {

TEST(ConfigTest, FileSyntaxWithCommentsAndQuotes) {
  Config c;

  absl::Status st = ApplyConfigText(
      "# comment\nport 7000\n  bind 127.0.0.1 ::1\nmaxmemory 100mb\nlogfile \"\"\n", "x.conf", &c);

  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(c.port, 7000);
  EXPECT_EQ(c.bind, (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_EQ(c.maxmemory, 100u * 1024 * 1024);
  EXPECT_EQ(c.logfile, "");
}

TEST(ConfigTest, UnknownDirectiveNamesLineAndDirective) {
  Config c;

  absl::Status st = ApplyConfigText("port 7000\nbogus-directive 1\n", "x.conf", &c);

  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("line 2"), std::string_view::npos);
  EXPECT_NE(st.message().find("bogus-directive"), std::string_view::npos);
}

TEST(ConfigTest, InvalidValueIsRefusedWithRedisText) {
  Config c;

  absl::Status st = ApplyConfigText("port 99999\n", "", &c);

  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("argument must be between 0 and 65535 inclusive"),
            std::string_view::npos);
}

TEST(ConfigTest, CommandLineOverridesFileOrder) {
  auto c = LoadConfig("", {"--port", "7001", "--bind", "127.0.0.1", "::1", "--save", ""});

  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->port, 7001);
  EXPECT_EQ(c->bind.size(), 2u);
  EXPECT_GT(c->io_threads, 0);
}

TEST(ConfigTest, MemoryUnitsAsRedis) {
  uint64_t v;
  EXPECT_TRUE(ParseMemory("1k", &v));
  EXPECT_EQ(v, 1000u);
  EXPECT_TRUE(ParseMemory("1KB", &v));
  EXPECT_EQ(v, 1024u);
  EXPECT_TRUE(ParseMemory("2gb", &v));
  EXPECT_EQ(v, 2ull << 30);
  EXPECT_FALSE(ParseMemory("12xb", &v));
  EXPECT_FALSE(ParseMemory("-1", &v));
  EXPECT_FALSE(ParseMemory(" 1", &v));
  EXPECT_FALSE(ParseMemory("+1", &v));
  EXPECT_FALSE(ParseMemory("1.5mb", &v));
  // Redis's memtoull quirks: no digits is 0, too many saturate, the unit wraps.
  EXPECT_TRUE(ParseMemory("", &v));
  EXPECT_EQ(v, 0u);
  EXPECT_TRUE(ParseMemory("gb", &v));
  EXPECT_EQ(v, 0u);
  EXPECT_TRUE(ParseMemory("99999999999999999999", &v));
  EXPECT_EQ(v, UINT64_MAX);
  EXPECT_TRUE(ParseMemory("99999999999999999999gb", &v));
  EXPECT_EQ(v, UINT64_MAX * (1ull << 30));
}

TEST(ConfigTest, EvictionPolicyValidated) {
  Config c;

  EXPECT_TRUE(ApplyConfigText("maxmemory-policy allkeys-lfu", "", &c).ok());
  EXPECT_EQ(c.maxmemory_policy, storage::EvictionPolicy::kAllKeysLfu);
  EXPECT_FALSE(ApplyConfigText("maxmemory-policy sometimes", "", &c).ok());
}

TEST(ConfigTest, AMissingFileSaysWhy) {
  auto c = LoadConfig("/nonexistent/redoubt.conf", {});

  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "Fatal error, can't open config file '/nonexistent/redoubt.conf': No such file or "
            "directory");
}

TEST(ConfigTest, TheConfigFileIsKeptAsAnAbsolutePath) {
  std::string dir = testing::TempDir();
  std::string path = dir + "/relative-test.conf";
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("timeout 3\n", f);
  std::fclose(f);
  std::string cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir);

  auto c = LoadConfig("relative-test.conf", {});

  std::filesystem::current_path(cwd);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->config_file, std::filesystem::path(dir) / "relative-test.conf");
  EXPECT_EQ(c->timeout, 3);
}

TEST(ConfigTest, CommandLineValuesKeepLineBreaksAndQuotes) {
  auto c = LoadConfig("", {"--requirepass", "a\nport 1\"\\", "--masterauth", ""});

  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->requirepass, "a\nport 1\"\\");
  EXPECT_EQ(c->port, 6379);
}

TEST(ConfigTest, SingleWordDirectivesTakeExactlyOneWord) {
  Config c;

  absl::Status st = ApplyConfigText("timeout 1 2\n", "", &c);

  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("wrong number of arguments"), std::string_view::npos) << st;
}

TEST(ConfigTest, MultiWordDirectivesTakeOneQuotedWordOrSeveral) {
  Config c;

  ASSERT_TRUE(ApplyConfigText("save \"900 1 300 10\"\nshutdown-on-sigint save now\n"
                              "client-output-buffer-limit \"pubsub 1mb 1mb 5\"\n",
                              "", &c)
                  .ok());

  EXPECT_EQ(c.save, "900 1 300 10");
  EXPECT_EQ(FindDirective("shutdown-on-sigint")->get(c), "save now");
  EXPECT_EQ(c.output_limit_pubsub, (OutputBufferLimit{1 << 20, 1 << 20, 5}));
}

TEST(ConfigTest, SaveLinesAddUpInAFileAndAnEmptyOneClears) {
  Config c;

  ASSERT_TRUE(ApplyConfigText("save 900 1\nsave 300 10\n", "", &c).ok());
  EXPECT_EQ(c.save, "900 1 300 10");
  ASSERT_TRUE(ApplyConfigText("save \"\"\nsave 60 5\n", "", &c).ok());
  EXPECT_EQ(c.save, "60 5");
}

TEST(ConfigTest, RedisDeprecatedDirectivesAreIgnoredWithOneValue) {
  Config c;

  EXPECT_TRUE(
      ApplyConfigText("list-max-ziplist-entries 512\nlua-replicate-commands yes\n", "", &c).ok());
  EXPECT_FALSE(ApplyConfigText("list-max-ziplist-value 1 2\n", "", &c).ok());
}

TEST(ConfigTest, AliasesAndAnyCaseFindTheDirective) {
  Config c;

  ASSERT_TRUE(ApplyConfigText("SLAVEOF 10.0.0.1 6380\nHash-Max-Ziplist-Entries 64\n", "", &c).ok());

  EXPECT_EQ(FindDirective("replicaof")->get(c), "10.0.0.1 6380");
  EXPECT_EQ(FindDirective("hash-max-listpack-entries")->get(c), "64");
  EXPECT_EQ(FindDirective("slaveof"), FindDirective("REPLICAOF"));
}

TEST(ConfigTest, ReplicaofIsRefusedInClusterMode) {
  auto c = LoadConfig("", {"--cluster-enabled", "yes", "--replicaof", "10.0.0.1", "6380"});

  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("replicaof directive not allowed in cluster mode"),
            std::string_view::npos);
}

TEST(ConfigTest, IoThreadsZeroMeansOnePerCoreAndStaysDistinguishable) {
  auto automatic = LoadConfig("", {});
  auto explicit_two = LoadConfig("", {"--io-threads", "2"});

  ASSERT_TRUE(automatic.ok() && explicit_two.ok());
  EXPECT_GT(automatic->io_threads, 0);
  EXPECT_EQ(automatic->io_threads_configured, 0);
  EXPECT_EQ(FindDirective("io-threads")->get(*automatic), std::to_string(automatic->io_threads));
  EXPECT_EQ(explicit_two->io_threads, 2);
  EXPECT_EQ(explicit_two->io_threads_configured, 2);
}

TEST(ConfigTest, DirIsResolvedAndCheckedAsChdirWould) {
  Config c;
  std::string dir = std::filesystem::canonical(testing::TempDir());

  std::string file_path = dir + "/not-a-dir";
  FILE* f = std::fopen(file_path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);

  ASSERT_TRUE(ApplyConfigText("dir " + dir + "/.\n", "", &c).ok());
  EXPECT_EQ(c.dir, dir);
  absl::Status missing = ApplyConfigText("dir /nonexistent-dir\n", "", &c);
  absl::Status file = ApplyConfigText("dir " + file_path + "\n", "", &c);

  EXPECT_NE(missing.message().find("No such file or directory"), std::string_view::npos);
  EXPECT_NE(file.message().find("Not a directory"), std::string_view::npos);
  EXPECT_EQ(c.dir, dir);
}

TEST(ConfigTest, NoEffectDirectivesAreThoseSetAwayFromTheirDefault) {
  Config c;
  ASSERT_TRUE(ApplyConfigText("activerehashing no\nhz 20\nsave 60 1\nlazyfree-lazy-eviction no\n"
                              "replicaof no one\n",
                              "", &c)
                  .ok());

  std::vector<std::string_view> names = NoEffectDirectivesSet(c);

  EXPECT_EQ(names, (std::vector<std::string_view>{"activerehashing"}));
  EXPECT_TRUE(NoEffectDirectivesSet(Config{}).empty());
}

// ---- CONFIG SET ----

using Changes = std::vector<std::pair<std::string, std::string>>;

std::string SetError(const Config& current, Changes changes, bool local = true) {
  absl::StatusOr<Config> next = ConfigSetValues(current, changes, local);
  return next.ok() ? "OK" : std::string(next.status().message());
}

TEST(ConfigSetTest, ChangesAllPairsOrNone) {
  Config c;

  absl::StatusOr<Config> next = ConfigSetValues(c, {{"timeout", "5"}, {"maxmemory", "1mb"}}, true);
  std::string error = SetError(c, {{"timeout", "7"}, {"maxmemory", "lots"}});

  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->timeout, 5);
  EXPECT_EQ(next->maxmemory, 1u << 20);
  EXPECT_EQ(error,
            "CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a "
            "memory value");
}

TEST(ConfigSetTest, ImmutableAndUnknownUseRedisTextsAndTheTypedName) {
  Config c;

  EXPECT_EQ(SetError(c, {{"Databases", "4"}}),
            "CONFIG SET failed (possibly related to argument 'Databases') - can't set immutable "
            "config");
  EXPECT_EQ(SetError(c, {{"nosuch", "1"}}),
            "Unknown option or number of arguments for CONFIG SET - 'nosuch'");
  // The first problem in argument order wins.
  EXPECT_EQ(SetError(c, {{"databases", "4"}, {"nosuch", "1"}}),
            "CONFIG SET failed (possibly related to argument 'databases') - can't set immutable "
            "config");
  EXPECT_EQ(SetError(c, {{"nosuch", "1"}, {"databases", "4"}}),
            "Unknown option or number of arguments for CONFIG SET - 'nosuch'");
}

TEST(ConfigSetTest, TheSameNameTwiceIsADuplicateAnAliasIsNot) {
  Config c;

  absl::StatusOr<Config> both =
      ConfigSetValues(c, {{"slave-priority", "1"}, {"replica-priority", "2"}}, true);

  EXPECT_EQ(SetError(c, {{"timeout", "1"}, {"TIMEOUT", "2"}}),
            "CONFIG SET failed (possibly related to argument 'TIMEOUT') - duplicate parameter");
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(FindDirective("replica-priority")->get(*both), "2");
}

TEST(ConfigSetTest, AValueErrorNamesTheDirectiveAsLookedUp) {
  Config c;

  EXPECT_EQ(SetError(c, {{"SLAVE-PRIORITY", "x"}}),
            "CONFIG SET failed (possibly related to argument 'slave-priority') - argument "
            "couldn't be parsed into an integer");
}

TEST(ConfigSetTest, MultiWordValuesAreSplitAtEverySpace) {
  Config c;

  EXPECT_EQ(SetError(c, {{"save", "60  1"}}),
            "CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters");
  absl::StatusOr<Config> next = ConfigSetValues(c, {{"save", "60 1 30 5"}}, true);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->save, "60 1 30 5");
}

struct ProtectedCase {
  ProtectedAction setting;
  bool caller_is_local;
  bool allowed;
};

class ConfigSetProtectedTest : public testing::TestWithParam<ProtectedCase> {};

TEST_P(ConfigSetProtectedTest, ProtectedDirectivesNeedEnableProtectedConfigs) {
  Config c;
  c.enable_protected_configs = GetParam().setting;
  std::string dir = std::filesystem::canonical(testing::TempDir());

  for (const Changes& change : {Changes{{"dir", dir}}, Changes{{"dbfilename", "x.rdb"}},
                                Changes{{"audit-log-file", dir + "/audit.log"}}}) {
    std::string error = SetError(c, change, GetParam().caller_is_local);

    EXPECT_EQ(error, GetParam().allowed ? "OK"
                                        : "CONFIG SET failed (possibly related to argument '" +
                                              change[0].first + "') - can't set protected config");
  }
}

INSTANTIATE_TEST_SUITE_P(Settings, ConfigSetProtectedTest,
                         testing::Values(ProtectedCase{ProtectedAction::kNo, true, false},
                                         ProtectedCase{ProtectedAction::kNo, false, false},
                                         ProtectedCase{ProtectedAction::kYes, true, true},
                                         ProtectedCase{ProtectedAction::kYes, false, true},
                                         ProtectedCase{ProtectedAction::kLocal, true, true},
                                         ProtectedCase{ProtectedAction::kLocal, false, false}));

TEST(ConfigSetTest, LocalPeersAreExactlyTheLoopbackAddressesAsInRedis) {
  EXPECT_TRUE(IsLocalPeer("127.0.0.1:5000"));
  EXPECT_TRUE(IsLocalPeer("::1:5000"));
  EXPECT_FALSE(IsLocalPeer("127.1.2.3:5000"));  // islocalClient compares with 127.0.0.1
  EXPECT_FALSE(IsLocalPeer("10.0.0.1:5000"));
  EXPECT_FALSE(IsLocalPeer("::2:5000"));
  EXPECT_FALSE(IsLocalPeer("::1a:5000"));
  EXPECT_FALSE(IsLocalPeer("128.0.0.1:5000"));
}

}  // namespace
}  // namespace redoubt::server
