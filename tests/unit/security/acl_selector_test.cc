// AclSelector and AclUser: rules, checks and descriptions against a small catalog (the
// differential suite compares the same behaviour with redis-server over the full table).
#include "security/acl_selector.h"

#include <gtest/gtest.h>

#include "security/acl_categories.h"
#include "security/acl_user.h"

namespace redoubt::security {
namespace {

class AclSelectorTest : public ::testing::Test {
 protected:
  AclSelectorTest() {
    // Categories overlap as in Redis (GET is @read and @string), so the description has to
    // pick the category that fits best.
    catalog_.Add("get", 0, kAclRead | kAclString);
    catalog_.Add("getrange", 1, kAclRead | kAclString);
    catalog_.Add("set", 2, kAclWrite | kAclString);
    catalog_.Add("exists", 3, kAclRead | kAclKeyspace);
    catalog_.Add("ttl", 4, kAclRead | kAclKeyspace);
    catalog_.Add("del", 5, kAclWrite | kAclKeyspace);
    catalog_.Add("client", 6, kAclSlow);
    catalog_.Add("client|list", 7, kAclAdmin | kAclConnection | kAclSlow, "client");
    catalog_.Add("client|id", 8, kAclConnection | kAclSlow, "client");
    catalog_.Add("select", 9, kAclConnection | kAclFast);
  }

  AclSelector Make(std::initializer_list<std::string_view> rules) {
    AclSelector s(catalog_);
    for (std::string_view r : rules) {
      EXPECT_EQ(s.Apply(r, catalog_), AclRuleError::kNone) << r;
    }
    return s;
  }

  AclVerdict Check(const AclSelector& s, std::string_view cmd,
                   std::vector<std::string_view> args = {}, std::vector<AclKeyUse> keys = {},
                   size_t* denied = nullptr) {
    size_t unused = 0;
    args.insert(args.begin(), cmd);
    AclRequest req{catalog_.Find(cmd), args, keys};
    return s.Check(req, denied ? denied : &unused);
  }

  AclCommandCatalog catalog_;
};

TEST_F(AclSelectorTest, CommandRulesAndCategories) {
  AclSelector s = Make({"+@string", "-set"});
  EXPECT_EQ(s.DescribeCommands(catalog_), "-@all +@string -set");
  EXPECT_EQ(Check(s, "get"), AclVerdict::kAllowed);
  EXPECT_EQ(Check(s, "set"), AclVerdict::kDeniedCommand);
  EXPECT_EQ(Check(s, "del"), AclVerdict::kDeniedCommand);
  // A rule that changes nothing leaves no trace in the description.
  AclSelector t = Make({"+@string", "-get", "+get"});
  EXPECT_EQ(t.DescribeCommands(catalog_), "-@all +@string");
  AclSelector all = Make({"+@all", "-del"});
  EXPECT_EQ(all.DescribeCommands(catalog_), "+@all -del");
  EXPECT_FALSE(all.unrestricted());
}

TEST_F(AclSelectorTest, SubcommandsAndFirstArguments) {
  AclSelector s = Make({"+client", "-client|list", "+select|0"});
  // Here CLIENT and its subcommands are the whole of @slow, which fits best.
  EXPECT_EQ(s.DescribeCommands(catalog_), "-@all +@slow -client|list +select|0");
  EXPECT_EQ(Check(s, "client|id"), AclVerdict::kAllowed);
  EXPECT_EQ(Check(s, "client|list"), AclVerdict::kDeniedCommand);
  EXPECT_EQ(Check(s, "select", {"0"}), AclVerdict::kAllowed);
  EXPECT_EQ(Check(s, "select", {"1"}), AclVerdict::kDeniedCommand);
  AclSelector bad(catalog_);
  EXPECT_EQ(bad.Apply("+client|nosuch", catalog_), AclRuleError::kUnknownCommand);
  EXPECT_EQ(bad.Apply("+client|id|x", catalog_), AclRuleError::kSubcommandArg);
  EXPECT_EQ(bad.Apply("-get|x", catalog_), AclRuleError::kUnknownCommand);
  EXPECT_EQ(bad.Apply("+get|", catalog_), AclRuleError::kSyntax);
  EXPECT_EQ(bad.Apply("+@nosuch", catalog_), AclRuleError::kUnknownCommand);
}

TEST_F(AclSelectorTest, KeyPatternsWithReadAndWriteFlags) {
  AclSelector s = Make({"+@all", "%R~r*", "%W~w*", "~a*"});
  EXPECT_EQ(s.DescribeKeys(), "%R~r* %W~w* ~a*");
  EXPECT_EQ(Check(s, "get", {"r1"}, {{"r1", kAclKeyRead}}), AclVerdict::kAllowed);
  EXPECT_EQ(Check(s, "set", {"r1"}, {{"r1", kAclKeyWrite}}), AclVerdict::kDeniedKey);
  EXPECT_EQ(Check(s, "set", {"w1"}, {{"w1", kAclKeyWrite}}), AclVerdict::kAllowed);
  EXPECT_EQ(Check(s, "get", {"w1"}, {{"w1", kAclKeyAll}}), AclVerdict::kDeniedKey);
  // Neither flag needed (EXISTS): any matching pattern will do, a non-matching key is denied.
  EXPECT_EQ(Check(s, "get", {"w1"}, {{"w1", 0}}), AclVerdict::kAllowed);
  size_t denied = 99;
  EXPECT_EQ(Check(s, "del", {"a1", "zz"}, {{"a1", kAclKeyWrite}, {"zz", kAclKeyWrite}}, &denied),
            AclVerdict::kDeniedKey);
  EXPECT_EQ(denied, 1u);
  // A repeated pattern keeps its place and gains the new flags.
  AclSelector merged = Make({"%R~k*", "%W~k*", "~b"});
  EXPECT_EQ(merged.DescribeKeys(), "~k* ~b");
  AclSelector after_all = Make({"allkeys"});
  EXPECT_EQ(after_all.Apply("~x", catalog_), AclRuleError::kKeyAfterAll);
  AclSelector syntax(catalog_);
  for (std::string_view bad : {"%~x", "%X~x", "%RR~x", "%R"}) {
    EXPECT_EQ(syntax.Apply(bad, catalog_), AclRuleError::kSyntax) << bad;
  }
}

TEST_F(AclSelectorTest, Channels) {
  AclSelector s = Make({"&news", "&sport"});
  EXPECT_EQ(s.DescribeChannels(), "&news &sport");
  EXPECT_EQ(s.Describe(catalog_), "resetchannels &news &sport -@all");
  AclSelector all = Make({"allchannels"});
  EXPECT_EQ(all.Apply("&x", catalog_), AclRuleError::kChannelAfterAll);
}

TEST_F(AclSelectorTest, UserPasswordsFlagsAndSelectors) {
  AclUser u("alice", catalog_, false);
  for (std::string_view r : {"on", ">old", ">new", "~app:*", "+get", "(~tmp:* +set)"}) {
    ASSERT_EQ(u.Apply(r, catalog_, false), AclRuleError::kNone) << r;
  }
  EXPECT_EQ(u.passwords().size(), 2u);
  EXPECT_EQ(u.Apply("<missing", catalog_, false), AclRuleError::kNoSuchPassword);
  EXPECT_EQ(u.Apply("<old", catalog_, false), AclRuleError::kNone);
  ASSERT_EQ(u.passwords().size(), 1u);
  EXPECT_EQ(u.passwords()[0], HashPassword("new"));
  EXPECT_EQ(u.Apply("#ABC", catalog_, false), AclRuleError::kBadHash);
  EXPECT_EQ(u.Describe(catalog_), "on #" + ToHex(HashPassword("new")) +
                                      " ~app:* resetchannels -@all +get (~tmp:* resetchannels "
                                      "-@all +set)");
  // The second selector allows SET on tmp:* only.
  std::vector<std::string_view> args = {"set", "tmp:1"};
  std::vector<AclKeyUse> keys = {{"tmp:1", kAclKeyWrite}};
  size_t denied = 0;
  EXPECT_EQ(u.Check({catalog_.Find("set"), args, keys}, &denied), AclVerdict::kAllowed);
  keys = {{"app:1", kAclKeyWrite}};
  EXPECT_EQ(u.Check({catalog_.Find("set"), args, keys}, &denied), AclVerdict::kDeniedKey);
  EXPECT_EQ(u.Apply("cert-only", catalog_, false), AclRuleError::kNone);
  EXPECT_TRUE(u.cert_only());
  EXPECT_EQ(u.Apply("reset", catalog_, false), AclRuleError::kNone);
  EXPECT_FALSE(u.cert_only());
  EXPECT_EQ(u.Describe(catalog_), "off sanitize-payload resetchannels -@all");
}

TEST(AclMergeSelectorArguments, JoinsSplitSelectorsAndReportsUnclosedOnes) {
  std::vector<std::string_view> args = {"on", "(~a", "+get", ")", "(~b +set)"};
  std::vector<std::string> out;
  std::string unmatched;
  ASSERT_TRUE(MergeSelectorArguments(args, &out, &unmatched));
  EXPECT_EQ(out, (std::vector<std::string>{"on", "(~a +get )", "(~b +set)"}));
  std::vector<std::string_view> open = {"(~x", "+get"};
  out.clear();
  EXPECT_FALSE(MergeSelectorArguments(open, &out, &unmatched));
  EXPECT_EQ(unmatched, "(~x");
  EXPECT_FALSE(IsValidUserName("a b"));
  EXPECT_FALSE(IsValidUserName("a\nb"));
  EXPECT_TRUE(IsValidUserName(""));
}

}  // namespace
}  // namespace redoubt::security
