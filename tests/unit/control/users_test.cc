// Tests of ElastiCache's users and user groups in the control plane: the ACL rules a user
// becomes on the nodes, the checks of passwords and access strings, the rules of membership
// (a default user in every group, user names unique in a group, the built-in default user
// untouchable), deletion's effect on groups, changes notified per user group, records kept
// across a reload, and the operations' replies and errors through the ElastiCache service.
#include "control/users.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "control/elasticache_api.h"
#include "control/local_node_host.h"
#include "control/replication_groups.h"
#include "control/state_store.h"

namespace redoubt::control {
namespace {

UserRecord User(const std::string& id, const std::string& name) {
  UserRecord user;
  user.id = id;
  user.name = name;
  user.access_string = "on ~app:* +@read";
  user.passwords = {"password-000000001"};
  return user;
}

TEST(UserRecordTest, BecomesAclRulesThatStartFromNothing) {
  UserRecord user = User("u", "reader");
  user.passwords.push_back("password-000000002");
  EXPECT_EQ(user.AclRules(),
            (std::vector<std::string>{"reset", ">password-000000001", ">password-000000002", "on",
                                      "~app:*", "+@read"}));
  user.passwords.clear();
  user.no_password = true;
  user.access_string = "  on  ~*   +@all ";
  EXPECT_EQ(user.AclRules(), (std::vector<std::string>{"reset", "nopass", "on", "~*", "+@all"}));
}

TEST(UserChecksTest, PasswordsAndAccessStrings) {
  EXPECT_FALSE(CheckUserPassword("sixteen-chars-ok"));
  for (const char* bad :
       {"short", "with space 0123456", "slash/0123456789ab", "at@0123456789abcd"}) {
    EXPECT_TRUE(CheckUserPassword(bad)) << bad;
  }
  EXPECT_FALSE(CheckUserPassword(std::string(128, 'x')));
  EXPECT_TRUE(CheckUserPassword(std::string(129, 'x')));
  for (const char* good : {"on ~* &* +@all", "off", "on %R~app:* -@all +get",
                           "on allkeys nocommands", "on resetchannels &news:* +subscribe"}) {
    EXPECT_FALSE(CheckAccessString(good)) << good;
  }
  // Passwords are not set through the access string; nor are empty or unknown words taken.
  for (const char* bad : {"on >secret ~* +@all", "on nopass ~*", "reset on", "", "   ",
                          "on ~* +@all whatever", "on ~* <hash", "on ~* + "}) {
    EXPECT_TRUE(CheckAccessString(bad)) << bad;
  }
  // Read as a node reads it: a command, subcommand or category no node knows is refused here,
  // in Redis's words, rather than by every node later.
  for (const char* good :
       {"on ~* +config|get", "on ~* -@all +@geo +client|list", "on ~* +hset", "on ~* +select|0"}) {
    EXPECT_FALSE(CheckAccessString(good)) << good;
  }
  for (const char* bad : {"on ~* +nosuchcmd", "on ~* +@nosuchcategory", "on ~* +config|nosuch"}) {
    std::optional<ApiError> error = CheckAccessString(bad);
    ASSERT_TRUE(error) << bad;
    EXPECT_EQ(error->code, "InvalidParameterValue");
  }
  EXPECT_NE(CheckAccessString("on ~* +nosuchcmd")->message.find("Unknown command"),
            std::string::npos);
}

class UsersTest : public ::testing::Test {
 protected:
  void Add(const UserRecord& user) {
    UserRecord created;
    ASSERT_FALSE(users_.CreateUser(user, &created));
  }
  std::optional<ApiError> AddGroup(const std::string& id, std::vector<std::string> members) {
    UserGroupRecord draft;
    draft.id = id;
    draft.user_ids = std::move(members);
    UserGroupRecord created;
    return users_.CreateUserGroup(draft, &created);
  }

  std::unique_ptr<StateStore> store_ = *StateStore::Open(":memory:");
  Users users_{*store_};
};

TEST_F(UsersTest, TheDefaultUserExistsAndCannotChange) {
  const std::optional<UserRecord> builtin = users_.FindUser(kDefaultUserId);
  ASSERT_TRUE(builtin);
  EXPECT_EQ(builtin->name, "default");
  EXPECT_TRUE(builtin->no_password);
  UserRecord out;
  EXPECT_EQ(users_.ModifyUser("default", UserChange{.access_string = "off"}, &out)->code,
            "InvalidParameterValue");
  EXPECT_EQ(users_.DeleteUser("default", &out)->code, "InvalidParameterValue");
  EXPECT_EQ(users_.CreateUser(User("default", "x"), &out)->code, "UserAlreadyExists");
  EXPECT_EQ(users_.CreateUser(User("svc", kServiceUserName), &out)->code, "InvalidParameterValue");
}

TEST_F(UsersTest, GroupsNeedOneDefaultUserAndUniqueNames) {
  Add(User("app-default", "default"));
  Add(User("reader", "reader"));
  Add(User("reader-2", "reader"));
  EXPECT_EQ(AddGroup("g", {"reader"})->code, "DefaultUserRequired");
  EXPECT_EQ(AddGroup("g", {"app-default", "reader", "reader-2"})->code, "DuplicateUserName");
  EXPECT_EQ(AddGroup("g", {"app-default", "ghost"})->code, "UserNotFound");
  EXPECT_EQ(AddGroup("g", {"default", "app-default"})->code, "DuplicateUserName");
  ASSERT_FALSE(AddGroup("g", {"app-default", "reader"}));
  EXPECT_EQ(AddGroup("g", {"default"})->code, "UserGroupAlreadyExists");
  UserGroupRecord out;
  EXPECT_EQ(users_.ModifyUserGroup("g", {}, {"app-default"}, &out)->code, "DefaultUserRequired");
  EXPECT_EQ(users_.ModifyUserGroup("g", {"reader-2"}, {}, &out)->code, "DuplicateUserName");
  EXPECT_EQ(users_.ModifyUserGroup("g", {}, {"reader-2"}, &out)->code, "InvalidParameterValue");
  ASSERT_FALSE(
      users_.ModifyUserGroup("g", {"reader-2", "default"}, {"reader", "app-default"}, &out));
  EXPECT_EQ(out.user_ids, (std::vector<std::string>{"reader-2", "default"}));
  EXPECT_EQ(users_.GroupsOfUser("reader-2"), (std::vector<std::string>{"g"}));
  EXPECT_TRUE(users_.GroupsOfUser("reader").empty());
}

TEST_F(UsersTest, ChangesNotifyTheirGroupsAndDeletionLeavesThem) {
  Add(User("app-default", "default"));
  Add(User("reader", "reader"));
  ASSERT_FALSE(AddGroup("g1", {"app-default", "reader"}));
  ASSERT_FALSE(AddGroup("g2", {"default"}));
  std::vector<std::string> changed;
  users_.OnUserGroupChanged([&](const std::string& id) { changed.push_back(id); });
  UserRecord out;
  ASSERT_FALSE(users_.ModifyUser(
      "reader", UserChange{.passwords = std::vector<std::string>{"password-000000009"}}, &out));
  EXPECT_EQ(out.passwords, (std::vector<std::string>{"password-000000009"}));
  EXPECT_EQ(changed, (std::vector<std::string>{"g1"}));
  EXPECT_EQ(users_.ModifyUser("reader", UserChange{.no_password = false}, &out), std::nullopt);
  changed.clear();
  ASSERT_FALSE(users_.ModifyUser("reader", UserChange{.no_password = true}, &out));
  EXPECT_TRUE(out.passwords.empty());
  EXPECT_EQ(users_.DeleteUser("app-default", &out)->code, "DefaultUserAssociatedToUserGroup");
  changed.clear();
  ASSERT_FALSE(users_.DeleteUser("reader", &out));
  EXPECT_EQ(out.status, "deleting");
  EXPECT_EQ(changed, (std::vector<std::string>{"g1"}));
  EXPECT_EQ(users_.FindUserGroup("g1")->user_ids, (std::vector<std::string>{"app-default"}));
  EXPECT_EQ(users_.MembersOf("g1").at(0).name, "default");
  EXPECT_EQ(users_.DeleteUser("reader", &out)->code, "UserNotFound");
  // A group a replication group uses is not deleted.
  users_.SetReplicationGroupsOf([](const std::string& id) {
    return id == "g2" ? std::vector<std::string>{"rg"} : std::vector<std::string>{};
  });
  UserGroupRecord group_out;
  EXPECT_EQ(users_.DeleteUserGroup("g2", &group_out)->code, "InvalidUserGroupState");
  EXPECT_FALSE(users_.DeleteUserGroup("g1", &group_out));
  EXPECT_EQ(users_.DeleteUserGroup("g1", &group_out)->code, "UserGroupNotFound");
}

TEST(UsersStoreTest, RecordsSurviveAReload) {
  const std::string path = testing::TempDir() + "/users_test.db";
  std::filesystem::remove(path);
  {
    std::unique_ptr<StateStore> store = *StateStore::Open(path);
    Users users(*store);
    UserRecord created;
    ASSERT_FALSE(users.CreateUser(User("app-default", "default"), &created));
    UserGroupRecord group;
    group.id = "g";
    group.user_ids = {"app-default"};
    UserGroupRecord out;
    ASSERT_FALSE(users.CreateUserGroup(group, &out));
  }
  std::unique_ptr<StateStore> store = *StateStore::Open(path);
  Users users(*store);
  ASSERT_TRUE(users.Load().ok());
  EXPECT_EQ(users.FindUser("app-default")->passwords,
            (std::vector<std::string>{"password-000000001"}));
  EXPECT_TRUE(users.FindUser("default"));
  EXPECT_EQ(users.FindUserGroup("g")->user_ids, (std::vector<std::string>{"app-default"}));
  std::filesystem::remove(path);
}

// The operations through the ElastiCache service, over no replication group.
class UserOperationsTest : public UsersTest {
 protected:
  std::string Code(const std::string& body) {
    const ApiReply reply = AnswerQuery(service_, "Version=2015-02-02&" + body, "rid");
    if (reply.http_status == 200) {
      return "200";
    }
    const size_t start = reply.body.find("<Code>") + 6;
    return reply.body.substr(start, reply.body.find("</Code>") - start);
  }
  ApiReply Call(const std::string& body) {
    return AnswerQuery(service_, "Version=2015-02-02&" + body, "rid");
  }

  LocalNodeHost host_{"/nonexistent/redoubt-server", "/nonexistent/nodes"};
  ReplicationGroups groups_{GroupsOptions{}, *store_, host_, nullptr};
  QueryService service_ = MakeElastiCacheService({"us-east-1", "000000000000"}, &groups_, &users_);
};

TEST_F(UserOperationsTest, CreatesDescribesAndRefuses) {
  const std::string create = "Action=CreateUser&Engine=redis&AccessString=on+~*+%2B@all";
  EXPECT_EQ(Code(create + "&UserId=App-Default&UserName=default"
                          "&Passwords.member.1=password-000000001"),
            "200");
  EXPECT_TRUE(users_.FindUser("app-default"));  // ids are lowercased
  EXPECT_EQ(Code(create + "&UserId=u2&UserName=u2"), "InvalidParameterValue");  // no password
  EXPECT_EQ(Code(create + "&UserId=u2&UserName=u2&NoPasswordRequired=true"
                          "&Passwords.member.1=password-000000001"),
            "InvalidParameterCombination");
  EXPECT_EQ(Code(create + "&UserId=u2&UserName=u2&AuthenticationMode.Type=iam"),
            "InvalidParameterValue");
  EXPECT_EQ(Code(create + "&UserId=u2&UserName=u2&Passwords.member.1=a&Passwords.member.2=b"),
            "InvalidParameterValue");
  EXPECT_EQ(Code(create + "&UserId=2u&UserName=u2&NoPasswordRequired=true"),
            "InvalidParameterValue");
  EXPECT_EQ(Code(create + "&UserId=u2&UserName=has+space&NoPasswordRequired=true"),
            "InvalidParameterValue");
  EXPECT_EQ(Code("Action=CreateUser&Engine=memcached&AccessString=on&UserId=u2&UserName=u2"
                 "&NoPasswordRequired=true"),
            "InvalidParameterValue");
  EXPECT_EQ(Code("Action=CreateUser&Engine=redis&AccessString=on+nopass&UserId=u2&UserName=u2"
                 "&NoPasswordRequired=true"),
            "InvalidParameterValue");
  EXPECT_EQ(Code(create + "&UserId=u2&UserName=u2&AuthenticationMode.Type=no-password-required"),
            "200");
  EXPECT_EQ(Code("Action=ModifyUser&UserId=u2"), "InvalidParameterCombination");
  EXPECT_EQ(Code("Action=ModifyUser&UserId=ghost&AccessString=off"), "UserNotFound");
  EXPECT_EQ(Code("Action=ModifyUser&UserId=u2&AppendAccessString=-flushall"), "200");
  EXPECT_EQ(users_.FindUser("u2")->access_string, "on ~* +@all -flushall");

  ApiReply reply = Call(
      "Action=DescribeUsers&Filters.member.1.Name=user-name"
      "&Filters.member.1.Values.member.1=def*");
  EXPECT_NE(reply.body.find("<Users><member><UserId>app-default</UserId><UserName>default"
                            "</UserName><Status>active</Status><Engine>redis</Engine>"),
            std::string::npos)
      << reply.body;
  EXPECT_NE(reply.body.find("<UserId>default</UserId>"), std::string::npos);
  EXPECT_EQ(reply.body.find("<UserId>u2</UserId>"), std::string::npos);
  EXPECT_EQ(Code("Action=DescribeUsers&Filters.member.1.Name=colour"), "InvalidParameterValue");
  EXPECT_EQ(Code("Action=DescribeUsers&UserId=ghost"), "UserNotFound");

  EXPECT_EQ(Code("Action=CreateUserGroup&UserGroupId=g&Engine=redis&UserIds.member.1=u2"),
            "DefaultUserRequired");
  EXPECT_EQ(Code("Action=CreateUserGroup&UserGroupId=g&Engine=redis"
                 "&UserIds.member.1=app-default&UserIds.member.2=u2"),
            "200");
  reply = Call("Action=DescribeUserGroups&UserGroupId=g");
  EXPECT_NE(reply.body.find("<UserGroups><member><UserGroupId>g</UserGroupId><Status>active"
                            "</Status><Engine>redis</Engine><UserIds><member>app-default</member>"
                            "<member>u2</member></UserIds>"),
            std::string::npos)
      << reply.body;
  EXPECT_EQ(Code("Action=ModifyUserGroup&UserGroupId=g"), "InvalidParameterCombination");
  EXPECT_EQ(Code("Action=ModifyUserGroup&UserGroupId=g&UserIdsToRemove.member.1=app-default"),
            "DefaultUserRequired");
  EXPECT_EQ(Code("Action=DeleteUserGroup&UserGroupId=nope"), "UserGroupNotFound");
  EXPECT_EQ(Code("Action=DeleteUserGroup&UserGroupId=g"), "200");
  EXPECT_EQ(Code("Action=DeleteUser&UserId=u2"), "200");
  EXPECT_FALSE(users_.FindUser("u2"));
}

TEST_F(UserOperationsTest, TagsOfUsersAndGroupsByArn) {
  ASSERT_EQ(Code("Action=CreateUser&Engine=redis&AccessString=on&UserId=u&UserName=u"
                 "&NoPasswordRequired=true&Tags.Tag.1.Key=team&Tags.Tag.1.Value=sre"),
            "200");
  const std::string arn = "ResourceName=arn:aws:elasticache:us-east-1:000000000000:user:u";
  ApiReply reply = Call("Action=ListTagsForResource&" + arn);
  EXPECT_NE(reply.body.find("<TagList><Tag><Key>team</Key><Value>sre</Value></Tag></TagList>"),
            std::string::npos)
      << reply.body;
  reply = Call("Action=AddTagsToResource&" + arn +
               "&Tags.Tag.1.Key=team&Tags.Tag.1.Value=platform&Tags.Tag.2.Key=cost&Tags.Tag.2."
               "Value=42");
  EXPECT_NE(reply.body.find("<TagList><Tag><Key>team</Key><Value>platform</Value></Tag><Tag>"
                            "<Key>cost</Key><Value>42</Value></Tag></TagList>"),
            std::string::npos)
      << reply.body;
  reply = Call("Action=RemoveTagsFromResource&" + arn + "&TagKeys.member.1=team");
  EXPECT_NE(reply.body.find("<TagList><Tag><Key>cost</Key>"), std::string::npos) << reply.body;
  EXPECT_EQ(users_.FindUser("u")->tags.size(), 1u);
  EXPECT_EQ(Code("Action=AddTagsToResource&" + arn), "MissingParameter");
  EXPECT_EQ(Code("Action=ListTagsForResource&ResourceName=arn:aws:elasticache:eu-west-1:"
                 "000000000000:user:u"),
            "InvalidARN");
  EXPECT_EQ(Code("Action=ListTagsForResource&ResourceName=arn:aws:elasticache:us-east-1:"
                 "000000000000:snapshot:s"),
            "InvalidARN");
  EXPECT_EQ(Code("Action=ListTagsForResource&ResourceName=arn:aws:elasticache:us-east-1:"
                 "000000000000:usergroup:nope"),
            "UserGroupNotFound");
  EXPECT_EQ(Code("Action=ListTagsForResource&ResourceName=arn:aws:elasticache:us-east-1:"
                 "000000000000:replicationgroup:nope"),
            "ReplicationGroupNotFoundFault");
}

}  // namespace
}  // namespace redoubt::control
