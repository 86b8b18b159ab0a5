// The AOF manifest: Redis 7.0's lines read and written back, quoting, and every refusal with
// Redis's text.
#include "persistence/aof_manifest.h"

#include <gtest/gtest.h>

namespace redoubt::persistence {
namespace {

using Type = AofFileInfo::Type;

TEST(AofManifestTest, ReadsWhatRedisWritesAndWritesItBack) {
  const std::string text =
      "file appendonly.aof.2.base.rdb seq 2 type b\n"
      "file appendonly.aof.1.incr.aof seq 1 type h\n"
      "file appendonly.aof.4.incr.aof seq 4 type i\n"
      "file appendonly.aof.5.incr.aof seq 5 type i\n";
  absl::StatusOr<AofManifest> m = AofManifest::Parse(text);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_TRUE(m->base.has_value());
  EXPECT_EQ(*m->base, (AofFileInfo{"appendonly.aof.2.base.rdb", 2, Type::kBase}));
  ASSERT_EQ(m->history.size(), 1u);
  ASSERT_EQ(m->incrs.size(), 2u);
  EXPECT_EQ(m->incrs[1], (AofFileInfo{"appendonly.aof.5.incr.aof", 5, Type::kIncr}));
  EXPECT_EQ(m->NextBaseSeq(), 3);
  EXPECT_EQ(m->NextIncrSeq(), 6);
  EXPECT_EQ(m->Format(), text);
}

TEST(AofManifestTest, CommentsKeysInAnyOrderAndExtraKeysAreAccepted) {
  absl::StatusOr<AofManifest> m = AofManifest::Parse(
      "# written by hand\n"
      "seq 1 type b file base.rdb\n"
      "file incr.aof seq 3 type i future-key value\n");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->base->name, "base.rdb");
  EXPECT_EQ(m->incrs[0].seq, 3);
}

TEST(AofManifestTest, NamesWithSpacesAreQuotedAndReadBack) {
  AofManifest m;
  m.base = AofFileInfo{"my aof.1.base.rdb", 1, Type::kBase};
  m.incrs.push_back({"my aof.1.incr.aof", 1, Type::kIncr});
  std::string text = m.Format();
  EXPECT_EQ(text.substr(0, text.find('\n')), "file \"my aof.1.base.rdb\" seq 1 type b");
  absl::StatusOr<AofManifest> back = AofManifest::Parse(text);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->base->name, "my aof.1.base.rdb");
  EXPECT_EQ(back->incrs[0].name, "my aof.1.incr.aof");
}

void ExpectRefused(const std::string& text, const std::string& message) {
  absl::StatusOr<AofManifest> m = AofManifest::Parse(text);
  ASSERT_FALSE(m.ok()) << text;
  EXPECT_NE(m.status().message().find(message), std::string::npos) << m.status();
}

TEST(AofManifestTest, RefusesWhatRedisRefuses) {
  ExpectRefused("", "Found an empty AOF manifest");
  ExpectRefused("file a seq 1 type b\nfile b seq 2 type b\n",
                "Found duplicate base file information");
  ExpectRefused("file a seq 2 type i\nfile b seq 2 type i\n",
                "Found a non-monotonic sequence number");
  ExpectRefused("file a seq 1 type x\n", "Unknown AOF file type");
  ExpectRefused("file a seq 1\n", "Invalid AOF manifest file format");
  ExpectRefused("file a seq 0 type i\n", "Invalid AOF manifest file format");
  ExpectRefused("file a seq 1 type i extra\n", "Invalid AOF manifest file format");
  ExpectRefused("\n", "Invalid AOF manifest file format");
  ExpectRefused("file dir/a seq 1 type i\n", "File can't be a path, just a filename");
  ExpectRefused("file a seq 1 type i", "contains too long line");  // no newline
  ExpectRefused("file " + std::string(1100, 'a') + " seq 1 type i\n", "contains too long line");
  ExpectRefused("file \"a seq 1 type i\n", "Invalid AOF manifest file format");
}

TEST(AofManifestTest, NamesFollowRedis) {
  EXPECT_EQ(AofManifestName("appendonly.aof"), "appendonly.aof.manifest");
  EXPECT_EQ(AofBaseName("appendonly.aof", 3, true), "appendonly.aof.3.base.rdb");
  EXPECT_EQ(AofBaseName("appendonly.aof", 3, false), "appendonly.aof.3.base.aof");
  EXPECT_EQ(AofIncrName("appendonly.aof", 7), "appendonly.aof.7.incr.aof");
}

}  // namespace
}  // namespace redoubt::persistence
