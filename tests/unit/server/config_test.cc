// Tests of configuration parsing: redis.conf syntax, command-line overrides, errors that name
// the directive and line, memory units.
#include "server/config.h"

#include <gtest/gtest.h>

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
}

TEST(ConfigTest, EvictionPolicyValidated) {
  Config c;

  EXPECT_TRUE(ApplyConfigText("maxmemory-policy allkeys-lfu", "", &c).ok());
  EXPECT_EQ(c.maxmemory_policy, storage::EvictionPolicy::kAllKeysLfu);
  EXPECT_FALSE(ApplyConfigText("maxmemory-policy sometimes", "", &c).ok());
}

}  // namespace
}  // namespace redoubt::server
