// Key specifications: Redis's search over specs, the legacy range and movablekeys derived from
// them, the getkeys procedures of SET and BITFIELD, and — over the whole command table — that
// the specs attached to every row find the same keys as the row's own key positions (which the
// dispatcher locks) and ask for the same ACL key access as commands::AclKeyAccess.
#include "commands/key_specs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "commands/acl_key_access.h"
#include "commands/command_spec.h"
#include "commands/command_table.h"
#include "security/acl_selector.h"
#include "server/server.h"

namespace redoubt::commands {
namespace {

std::vector<int> Positions(std::span<const KeySpecification> specs, int arity,
                           const std::vector<std::string_view>& args, bool* ok = nullptr) {
  std::vector<KeyReference> keys;
  bool found = KeysFromSpecs(specs, arity, args, &keys);
  if (ok != nullptr) {
    *ok = found;
  }
  std::vector<int> out;
  for (const KeyReference& k : keys) {
    out.push_back(k.pos);
  }
  return out;
}

constexpr KeySpecification Range(int index, int lastkey, int keystep, int limit = 0,
                                 uint32_t flags = kKeyRW) {
  return {.flags = flags,
          .begin_search = {.type = BeginSearch::kIndex, .index = index},
          .find_keys = {
              .type = FindKeys::kRange, .lastkey = lastkey, .keystep = keystep, .limit = limit}};
}

TEST(KeySpecsTest, IndexRangeFindsEveryStepthArgumentToTheEnd) {
  KeySpecification mset[] = {Range(1, -1, 2)};

  std::vector<int> pos = Positions(mset, -3, {"MSET", "a", "1", "b", "2"});

  EXPECT_EQ(pos, (std::vector<int>{1, 3}));
}

TEST(KeySpecsTest, RangeWithLimitTakesThatFractionOfTheRemainingArguments) {
  // XREAD-like: "STREAMS k1 k2 id1 id2", keys are the first half after the keyword.
  KeySpecification spec = {
      .flags = kKeyRO,
      .begin_search = {.type = BeginSearch::kKeyword, .keyword = "STREAMS", .startfrom = 1},
      .find_keys = {.type = FindKeys::kRange, .lastkey = -1, .keystep = 1, .limit = 2}};
  KeySpecification specs[] = {spec};

  std::vector<int> pos =
      Positions(specs, -4, {"XREAD", "COUNT", "2", "streams", "k1", "k2", "0", "0"});

  EXPECT_EQ(pos, (std::vector<int>{4, 5}));
}

TEST(KeySpecsTest, KeywordSearchedBackwardsFromTheEndAndSkippedWhenAbsent) {
  // MIGRATE-like: "... KEYS k1 k2", searched from the second-to-last argument backwards.
  KeySpecification spec = {
      .flags = kKeyRW,
      .begin_search = {.type = BeginSearch::kKeyword, .keyword = "KEYS", .startfrom = -2},
      .find_keys = {.type = FindKeys::kRange, .lastkey = -1, .keystep = 1, .limit = 0}};
  KeySpecification specs[] = {spec};

  std::vector<int> with =
      Positions(specs, -6, {"MIGRATE", "h", "p", "", "0", "5", "KEYS", "a", "b"});
  bool ok = false;
  std::vector<int> without = Positions(specs, -6, {"MIGRATE", "h", "p", "k", "0", "5"}, &ok);

  EXPECT_EQ(with, (std::vector<int>{7, 8}));
  EXPECT_TRUE(ok);
  EXPECT_TRUE(without.empty());
}

TEST(KeySpecsTest, KeynumReadsTheCountAndRejectsABadOne) {
  KeySpecification spec = {
      .flags = kKeyRO,
      .begin_search = {.type = BeginSearch::kIndex, .index = 2},
      .find_keys = {.type = FindKeys::kKeynum, .keystep = 1, .keynumidx = 0, .firstkey = 1}};
  KeySpecification specs[] = {spec};
  bool bad_ok = true;
  bool zero_ok = true;

  std::vector<int> two = Positions(specs, -3, {"EVAL", "s", "2", "a", "b", "arg"});
  Positions(specs, -3, {"EVAL", "s", "x", "a"}, &bad_ok);
  Positions(specs, -3, {"EVAL", "s", "0"}, &zero_ok);

  EXPECT_EQ(two, (std::vector<int>{3, 4}));
  EXPECT_FALSE(bad_ok);
  EXPECT_FALSE(zero_ok);  // no key: Redis falls back to the getkeys procedure
}

TEST(KeySpecsTest, IncompleteUnknownAndOutOfBoundsSpecsFail) {
  KeySpecification incomplete[] = {Range(1, 0, 1, 0, kKeyRW | kKeyIncomplete)};
  KeySpecification unknown[] = {{.flags = kKeyRO}};
  KeySpecification two_keys[] = {Range(1, 1, 1)};
  bool a = true, b = true, c = true;

  Positions(incomplete, -2, {"X", "k"}, &a);
  Positions(unknown, -2, {"X", "k"}, &b);
  std::vector<KeyReference> keys = {{.pos = 9}};
  c = KeysFromSpecs(two_keys, -2, std::vector<std::string_view>{"X", "k"}, &keys);

  EXPECT_FALSE(a);
  EXPECT_FALSE(b);
  EXPECT_FALSE(c);
  EXPECT_EQ(keys.size(), 1u);  // a failed search leaves what was there
}

TEST(KeySpecsTest, NotKeySpecsAreSkipped) {
  KeySpecification specs[] = {Range(1, 0, 1, 0, kKeyRO | kKeyNotKey), Range(2, 0, 1)};

  std::vector<int> pos = Positions(specs, 3, {"X", "notakey", "key"});

  EXPECT_EQ(pos, (std::vector<int>{2}));
}

TEST(KeySpecsTest, LegacyRangeJoinsConsecutivePlainRanges) {
  KeySpecification copy[] = {Range(1, 0, 1), Range(2, 0, 1)};
  KeySpecification bitop[] = {Range(2, 0, 1), Range(3, -1, 1)};
  KeySpecification mset[] = {Range(1, -1, 2)};

  LegacyKeyRange c = LegacyRangeFromSpecs(copy);
  LegacyKeyRange b = LegacyRangeFromSpecs(bitop);
  LegacyKeyRange m = LegacyRangeFromSpecs(mset);

  EXPECT_EQ((std::vector<int>{c.first, c.last, c.step, c.movable}),
            (std::vector<int>{1, 2, 1, false}));
  EXPECT_EQ((std::vector<int>{b.first, b.last, b.step, b.movable}),
            (std::vector<int>{2, -1, 1, false}));
  EXPECT_EQ((std::vector<int>{m.first, m.last, m.step, m.movable}),
            (std::vector<int>{1, -1, 2, false}));
}

TEST(KeySpecsTest, KeynumOrIncompleteSpecsMakeKeysMovable) {
  RedisCommandKeyInfo zunionstore = FindRedisCommandKeyInfo("zunionstore");
  RedisCommandKeyInfo sort = FindRedisCommandKeyInfo("sort");
  RedisCommandKeyInfo get = FindRedisCommandKeyInfo("get");

  LegacyKeyRange z = LegacyRangeFromSpecs(zunionstore.key_specs);

  EXPECT_TRUE(z.movable);
  EXPECT_EQ((std::vector<int>{z.first, z.last, z.step}), (std::vector<int>{1, 1, 1}));
  EXPECT_TRUE(LegacyRangeFromSpecs(sort.key_specs).movable);
  EXPECT_FALSE(LegacyRangeFromSpecs(get.key_specs).movable);
}

TEST(KeySpecsTest, CatalogHoldsRedisNotesTipsAndProcedures) {
  RedisCommandKeyInfo set = FindRedisCommandKeyInfo("set");
  RedisCommandKeyInfo client_list = FindRedisCommandKeyInfo("client|list");
  RedisCommandKeyInfo unknown = FindRedisCommandKeyInfo("nosuchcommand");

  ASSERT_EQ(set.key_specs.size(), 1u);
  EXPECT_EQ(set.key_specs[0].notes, "RW and ACCESS due to the optional `GET` argument");
  EXPECT_EQ(set.key_specs[0].flags, kKeyRW | kKeyAccess | kKeyUpdate | kKeyVariableFlags);
  EXPECT_NE(set.getkeys, nullptr);
  ASSERT_EQ(client_list.tips.size(), 1u);
  EXPECT_EQ(client_list.tips[0], "nondeterministic_output");
  EXPECT_TRUE(unknown.key_specs.empty() && unknown.tips.empty() && unknown.getkeys == nullptr);
}

std::vector<std::string> FlagsOf(std::string_view command, std::vector<std::string_view> args) {
  CommandSpec spec{.name = command, .arity = -3};
  RedisCommandKeyInfo info = FindRedisCommandKeyInfo(command);
  spec.key_specs = info.key_specs;
  spec.getkeys = info.getkeys;
  std::vector<KeyReference> keys;
  FindKeysWithFlags(spec, args, &keys);
  std::vector<std::string> out;
  for (const KeyReference& k : keys) {
    std::string s(args[k.pos]);
    for (std::string_view f : KeyFlagNames(k.flags)) {
      s += " " + std::string(f);
    }
    out.push_back(s);
  }
  return out;
}

TEST(KeySpecsTest, SetReadsTheKeyOnlyWithGet) {
  EXPECT_EQ(FlagsOf("set", {"SET", "k", "v"}), (std::vector<std::string>{"k OW update"}));
  EXPECT_EQ(FlagsOf("set", {"SET", "k", "v", "EX", "1", "gEt"}),
            (std::vector<std::string>{"k RW access update"}));
  EXPECT_EQ(FlagsOf("set", {"SET", "k", "v", "GETX"}), (std::vector<std::string>{"k OW update"}));
}

TEST(KeySpecsTest, BitfieldWithOnlyGetsIsReadOnly) {
  EXPECT_EQ(FlagsOf("bitfield", {"BITFIELD", "k", "GET", "u8", "0", "OVERFLOW", "SAT"}),
            (std::vector<std::string>{"k RO access"}));
  EXPECT_EQ(FlagsOf("bitfield", {"BITFIELD", "k", "GET", "u8", "0", "INCRBY", "u8", "0", "1"}),
            (std::vector<std::string>{"k RW access update"}));
  EXPECT_EQ(FlagsOf("bitfield", {"BITFIELD", "k", "GET", "u8"}),
            (std::vector<std::string>{"k RW access update"}));
}

TEST(KeySpecsTest, FixedFlagsComeFromTheSpecs) {
  EXPECT_EQ(FlagsOf("copy", {"COPY", "a", "b", "DB", "1"}),
            (std::vector<std::string>{"a RO access", "b OW update"}));
  EXPECT_EQ(FlagsOf("rename", {"RENAME", "a", "b"}),
            (std::vector<std::string>{"a RW access delete", "b OW update"}));
}

// The whole table, as the server registers it.
class CommandTableKeySpecsTest : public ::testing::Test {
 protected:
  CommandTableKeySpecsTest() { server::RegisterAllCommands(table_); }

  // Argument lists the command's arity allows, up to 6 arguments past its minimum.
  static std::vector<std::vector<std::string_view>> ArgumentLists(const CommandSpec& spec) {
    static constexpr std::string_view kWords[] = {"a0",  "a1",  "a2",  "a3",  "a4",  "a5",  "a6",
                                                  "a7",  "a8",  "a9",  "a10", "a11", "a12", "a13",
                                                  "a14", "a15", "a16", "a17", "a18", "a19"};
    std::vector<std::vector<std::string_view>> lists;
    int min = spec.arity > 0 ? spec.arity : -spec.arity;
    int max = spec.arity > 0 ? spec.arity : min + 6;
    // GEOSEARCHSTORE (arity -8) is the longest: every list must fit in kWords.
    EXPECT_LE(max, static_cast<int>(std::size(kWords))) << spec.name;
    max = std::min(max, static_cast<int>(std::size(kWords)));
    size_t parts = std::count(spec.name.begin(), spec.name.end(), '|') + 1;
    for (int n = min; n <= max; ++n) {
      std::vector<std::string_view> args(kWords, kWords + n);
      args[0] = spec.name.substr(0, spec.name.find('|'));
      if (parts == 2) {
        args[1] = spec.name.substr(spec.name.find('|') + 1);
      }
      lists.push_back(args);
    }
    return lists;
  }

  CommandTable table_;
};

TEST_F(CommandTableKeySpecsTest, EveryRowsKeyPositionsAreTheLegacyRangeOfItsKeySpecs) {
  for (const CommandSpec* spec : table_.by_stats_index()) {
    if (spec->key_specs.empty()) {
      EXPECT_EQ(spec->keys.first, 0) << spec->name << " declares keys but has no key specs";
      continue;
    }
    LegacyKeyRange range = LegacyRangeFromSpecs(spec->key_specs);

    EXPECT_EQ((std::vector<int>{spec->keys.first, spec->keys.last, spec->keys.step}),
              (std::vector<int>{range.first, range.last, range.step}))
        << spec->name;
    EXPECT_EQ(spec->key_finder != nullptr, range.movable) << spec->name;
  }
}

TEST_F(CommandTableKeySpecsTest, KeySpecsFindTheKeysTheDispatcherLocks) {
  for (const CommandSpec* spec : table_.by_stats_index()) {
    // Specs that are all not_key (SPUBLISH's shard channel) name no key: the dispatcher locks
    // the channel's shard by the legacy range, which costs nothing and protects nothing.
    if (spec->key_specs.empty() ||
        std::all_of(spec->key_specs.begin(), spec->key_specs.end(),
                    [](const KeySpecification& ks) { return (ks.flags & kKeyNotKey) != 0; })) {
      continue;
    }
    for (const std::vector<std::string_view>& args : ArgumentLists(*spec)) {
      std::vector<std::string_view> locked;
      ExtractKeys(*spec, args, &locked);
      std::vector<KeyReference> found;
      FindKeysWithFlags(*spec, args, &found);
      std::vector<std::string_view> by_spec;
      for (const KeyReference& k : found) {
        by_spec.push_back(args[k.pos]);
      }
      // Redis's specs reject an argument list one of them cannot fit ("PFMERGE dest": COMMAND
      // GETKEYS answers "Invalid arguments") and find no key at all; the command still runs on
      // the keys it names, so the dispatcher locks the legacy range.
      std::vector<KeyReference> checked;
      if (found.empty() && !KeysFromSpecs(spec->key_specs, spec->arity, args, &checked)) {
        continue;
      }

      EXPECT_EQ(locked, by_spec) << spec->name << " with " << args.size() << " arguments";
    }
  }
}

// Redis's ACL check: a key spec with ACCESS needs read permission; INSERT, DELETE or UPDATE
// need write permission.
uint8_t AclFlagsFromKeySpec(uint32_t flags) {
  uint8_t acl = 0;
  if (flags & kKeyAccess) {
    acl |= security::kAclKeyRead;
  }
  if (flags & (kKeyInsert | kKeyDelete | kKeyUpdate)) {
    acl |= security::kAclKeyWrite;
  }
  return acl;
}

TEST_F(CommandTableKeySpecsTest, AclKeyAccessAgreesWithTheKeySpecFlags) {
  AclKeyAccess access(table_);
  for (const CommandSpec* spec : table_.by_stats_index()) {
    if (spec->key_specs.empty()) {
      continue;
    }
    std::vector<std::vector<std::string_view>> lists = ArgumentLists(*spec);
    if (spec->name == "set") {
      lists.push_back({"set", "k", "v", "GET"});
    }
    if (spec->name == "bitfield") {
      lists.push_back({"bitfield", "k", "GET", "u8", "0"});
    }
    for (const std::vector<std::string_view>& args : lists) {
      std::vector<KeyReference> found;
      FindKeysWithFlags(*spec, args, &found);
      for (size_t i = 0; i < found.size(); ++i) {
        EXPECT_EQ(access.Flags(*spec, i, args), AclFlagsFromKeySpec(found[i].flags))
            << spec->name << " key " << i << " of " << args.size() << " arguments";
      }
    }
  }
}

}  // namespace
}  // namespace redoubt::commands
