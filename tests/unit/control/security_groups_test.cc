// Tests of EC2 security groups in the control plane: CIDR blocks made canonical, rules added,
// refused as duplicates and removed, the sources a set of groups admits to a port, the record
// kept across a reload of the state store, and the EC2 dialect of the Query protocol (replies
// without a Result element, errors in <Response><Errors>) as the EC2 service writes it.
#include "control/security_groups.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "control/ec2_api.h"
#include "control/state_store.h"

namespace redoubt::control {
namespace {

TEST(CanonicalCidrTest, ClearsHostBitsAndRefusesWhatIsNotABlock) {
  EXPECT_EQ(CanonicalCidr("10.1.2.3/8"), "10.0.0.0/8");
  EXPECT_EQ(CanonicalCidr("127.0.23.1/32"), "127.0.23.1/32");
  EXPECT_EQ(CanonicalCidr("0.0.0.0/0"), "0.0.0.0/0");
  EXPECT_EQ(CanonicalCidr("192.168.1.129/25"), "192.168.1.128/25");
  EXPECT_EQ(CanonicalCidr("2001:db8::1/32"), "2001:db8::/32");
  EXPECT_EQ(CanonicalCidr("::1/128"), "::1/128");
  for (const char* bad : {"10.0.0.0", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0/8", "::1/129", "host/8",
                          "10.0.0.0/8x", "/8", ""}) {
    EXPECT_FALSE(CanonicalCidr(bad)) << bad;
  }
}

IngressRule Tcp(int from, int to, const char* cidr) {
  IngressRule rule;
  rule.protocol = "tcp";
  rule.from_port = from;
  rule.to_port = to;
  rule.cidr = cidr;
  return rule;
}

class SecurityGroupsTest : public ::testing::Test {
 protected:
  std::string CreateGroup(const std::string& name) {
    SecurityGroupRecord draft;
    draft.name = name;
    draft.description = "d";
    SecurityGroupRecord created;
    EXPECT_FALSE(groups_.Create(draft, &created));
    return created.id;
  }

  std::unique_ptr<StateStore> store_ = *StateStore::Open(":memory:");
  SecurityGroups groups_{*store_};
};

TEST_F(SecurityGroupsTest, AdmitsTheSourcesOfRulesThatReachThePort) {
  const std::string a = CreateGroup("a");
  const std::string b = CreateGroup("b");
  EXPECT_EQ(a.rfind("sg-", 0), 0u);
  EXPECT_EQ(a.size(), 20u);
  std::vector<IngressRule> added;
  IngressRule all;
  all.protocol = "-1";
  all.cidr = "192.168.0.0/16";
  IngressRule udp = Tcp(6379, 6379, "172.16.0.0/12");
  udp.protocol = "udp";
  ASSERT_FALSE(groups_.Authorize(
      a, {Tcp(6379, 6379, "10.0.0.0/8"), Tcp(6000, 6378, "10.1.0.0/16"), udp}, &added));
  EXPECT_EQ(added.size(), 3u);
  EXPECT_EQ(added[0].rule_id.rfind("sgr-", 0), 0u);
  ASSERT_FALSE(groups_.Authorize(b, {all, Tcp(6379, 6380, "10.0.0.0/8")}, &added));
  // The port range, the protocol and every group count; a source appears once.
  EXPECT_EQ(groups_.SourcesAdmitted({a}, 6379), (std::vector<std::string>{"10.0.0.0/8"}));
  EXPECT_EQ(groups_.SourcesAdmitted({a, b}, 6379),
            (std::vector<std::string>{"10.0.0.0/8", "192.168.0.0/16"}));
  EXPECT_EQ(groups_.SourcesAdmitted({a}, 6000), (std::vector<std::string>{"10.1.0.0/16"}));
  EXPECT_TRUE(groups_.SourcesAdmitted({"sg-00000000000000000"}, 6379).empty());
}

TEST_F(SecurityGroupsTest, RefusesDuplicatesAndUnknownRulesAndNotifiesChanges) {
  const std::string id = CreateGroup("clients");
  std::vector<std::string> changed;
  groups_.OnRulesChanged([&](const std::string& g) { changed.push_back(g); });
  std::vector<IngressRule> added;
  ASSERT_FALSE(groups_.Authorize(id, {Tcp(6379, 6379, "10.0.0.0/8")}, &added));
  IngressRule same = Tcp(6379, 6379, "10.0.0.0/8");
  same.description = "another description, the same rule";
  std::optional<ApiError> error = groups_.Authorize(id, {same}, &added);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, "InvalidPermission.Duplicate");
  EXPECT_NE(error->message.find("peer: 10.0.0.0/8, TCP, from port: 6379, to port: 6379"),
            std::string::npos);
  error = groups_.Revoke(id, {Tcp(6379, 6380, "10.0.0.0/8")});
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, "InvalidPermission.NotFound");
  EXPECT_EQ(groups_.Find(id)->ingress.size(), 1u);  // a refusal changes nothing
  ASSERT_FALSE(groups_.Revoke(id, {Tcp(6379, 6379, "10.0.0.0/8")}));
  EXPECT_TRUE(groups_.Find(id)->ingress.empty());
  EXPECT_EQ(changed, (std::vector<std::string>{id, id}));  // the two changes, not the refusals
  EXPECT_EQ(groups_.Authorize("sg-0000000000000000f", {same}, &added)->code,
            "InvalidGroup.NotFound");
}

TEST_F(SecurityGroupsTest, NamesAreUniquePerVpcAndDeletionWaitsForUsers) {
  const std::string id = CreateGroup("clients");
  SecurityGroupRecord draft;
  draft.name = "clients";
  SecurityGroupRecord created;
  EXPECT_EQ(groups_.Create(draft, &created)->code, "InvalidGroup.Duplicate");
  draft.vpc_id = "vpc-0123";
  EXPECT_FALSE(groups_.Create(draft, &created));  // another VPC
  std::string resolved;
  EXPECT_FALSE(groups_.Resolve(std::nullopt, "clients", &resolved));
  EXPECT_EQ(resolved, id);
  EXPECT_EQ(groups_.Resolve("bogus", std::nullopt, &resolved)->code, "InvalidGroupId.Malformed");
  EXPECT_EQ(groups_.Resolve(std::nullopt, std::nullopt, &resolved)->code, "MissingParameter");
  std::vector<std::string> users = {"rg-1"};
  groups_.SetUsersOf([&](const std::string&) { return users; });
  EXPECT_EQ(groups_.Delete(id)->code, "DependencyViolation");
  users.clear();
  EXPECT_FALSE(groups_.Delete(id));
  EXPECT_EQ(groups_.Delete(id)->code, "InvalidGroup.NotFound");
}

TEST(SecurityGroupsStoreTest, RecordsSurviveAReload) {
  const std::string path = testing::TempDir() + "/security_groups_test.db";
  std::filesystem::remove(path);
  std::string id;
  {
    std::unique_ptr<StateStore> store = *StateStore::Open(path);
    SecurityGroups groups(*store);
    SecurityGroupRecord draft;
    draft.name = "kept";
    draft.description = "across restarts";
    draft.tags = {{"team", "sre"}};
    SecurityGroupRecord created;
    ASSERT_FALSE(groups.Create(draft, &created));
    id = created.id;
    std::vector<IngressRule> added;
    ASSERT_FALSE(groups.Authorize(id, {Tcp(6379, 6379, "10.0.0.0/8")}, &added));
  }
  std::unique_ptr<StateStore> store = *StateStore::Open(path);
  SecurityGroups groups(*store);
  ASSERT_TRUE(groups.Load().ok());
  const std::optional<SecurityGroupRecord> found = groups.Find(id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, "kept");
  EXPECT_EQ(found->vpc_id, kDefaultVpcId);
  ASSERT_EQ(found->tags.size(), 1u);
  EXPECT_EQ(found->tags[0].value, "sre");
  ASSERT_EQ(found->ingress.size(), 1u);
  EXPECT_EQ(found->ingress[0].cidr, "10.0.0.0/8");
  std::filesystem::remove(path);
}

class Ec2ServiceTest : public SecurityGroupsTest {
 protected:
  ApiReply Call(const std::string& body) {
    return AnswerQuery(service_, "Version=2016-11-15&" + body, "rid-9");
  }
  QueryService service_ = MakeEc2Service("123456789012", &groups_);
};

TEST_F(Ec2ServiceTest, AnswersInEc2sEnvelope) {
  ApiReply reply = Call("Action=CreateSecurityGroup&GroupName=web&GroupDescription=d");
  ASSERT_EQ(reply.http_status, 200) << reply.body;
  EXPECT_NE(reply.body.find("<CreateSecurityGroupResponse xmlns=\"http://ec2.amazonaws.com/doc/"
                            "2016-11-15/\"><requestId>rid-9</requestId><groupId>sg-"),
            std::string::npos)
      << reply.body;
  EXPECT_EQ(reply.body.find("Result>"), std::string::npos);
  const std::string id = groups_.All().at(0).id;
  reply = Call(
      "Action=AuthorizeSecurityGroupIngress&GroupName=web&IpPermissions.1.IpProtocol=6"
      "&IpPermissions.1.FromPort=6379&IpPermissions.1.ToPort=6379"
      "&IpPermissions.1.IpRanges.1.CidrIp=10.9.9.9/8"
      "&IpPermissions.1.IpRanges.1.Description=office"
      "&IpPermissions.1.Ipv6Ranges.1.CidrIpv6=2001:db8::/32");
  ASSERT_EQ(reply.http_status, 200) << reply.body;
  EXPECT_NE(reply.body.find("<cidrIpv4>10.0.0.0/8</cidrIpv4><description>office</description>"),
            std::string::npos)
      << reply.body;
  reply = Call(
      "Action=DescribeSecurityGroups&Filter.1.Name=ip-permission.cidr"
      "&Filter.1.Value.1=10.*");
  EXPECT_NE(reply.body.find("<securityGroupInfo><item><ownerId>123456789012</ownerId>"
                            "<groupName>web</groupName><groupId>" +
                            id + "</groupId>"),
            std::string::npos)
      << reply.body;
  EXPECT_NE(reply.body.find("<ipPermissions><item><ipProtocol>tcp</ipProtocol><fromPort>6379"
                            "</fromPort><toPort>6379</toPort><groups></groups><ipRanges><item>"
                            "<cidrIp>10.0.0.0/8</cidrIp><description>office</description></item>"
                            "</ipRanges><ipv6Ranges><item><cidrIpv6>2001:db8::/32</cidrIpv6>"),
            std::string::npos)
      << reply.body;
  reply = Call("Action=DescribeSecurityGroups&Filter.1.Name=group-name&Filter.1.Value.1=db*");
  EXPECT_NE(reply.body.find("<securityGroupInfo></securityGroupInfo>"), std::string::npos)
      << reply.body;
}

TEST_F(Ec2ServiceTest, RefusesInEc2sErrorEnvelopeAndChangesNothing) {
  auto refusal = [&](const std::string& body) {
    const ApiReply reply = Call(body);
    EXPECT_NE(reply.body.find("<Response><Errors><Error><Code>"), std::string::npos) << reply.body;
    EXPECT_NE(reply.body.find("<RequestID>rid-9</RequestID>"), std::string::npos);
    const size_t start = reply.body.find("<Code>") + 6;
    return std::to_string(reply.http_status) + " " +
           reply.body.substr(start, reply.body.find("</Code>") - start);
  };
  EXPECT_EQ(refusal("Action=CreateSecurityGroup&GroupName=web"), "400 MissingParameter");
  EXPECT_EQ(refusal("Action=CreateSecurityGroup&GroupName=sg-x&GroupDescription=d"),
            "400 InvalidParameterValue");
  EXPECT_EQ(refusal("Action=CreateSecurityGroup&GroupName=web&GroupDescription=d&DryRun=true"),
            "412 DryRunOperation");
  EXPECT_TRUE(groups_.All().empty());
  ASSERT_EQ(Call("Action=CreateSecurityGroup&GroupName=web&GroupDescription=d").http_status, 200);
  const std::string rule = "&IpProtocol=tcp&FromPort=6379&ToPort=6379&CidrIp=";
  EXPECT_EQ(refusal("Action=AuthorizeSecurityGroupIngress&GroupName=web" + rule + "10.0.0/8"),
            "400 InvalidParameterValue");
  EXPECT_EQ(refusal("Action=AuthorizeSecurityGroupIngress&GroupName=web&IpProtocol=tcp"
                    "&CidrIp=10.0.0.0/8"),
            "400 InvalidParameterValue");  // TCP without ports
  EXPECT_EQ(refusal("Action=AuthorizeSecurityGroupIngress&GroupName=web&IpProtocol=gre"
                    "&CidrIp=10.0.0.0/8"),
            "400 InvalidParameterValue");
  EXPECT_EQ(refusal("Action=AuthorizeSecurityGroupIngress&GroupName=web"
                    "&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=1"
                    "&IpPermissions.1.ToPort=2&IpPermissions.1.Groups.1.GroupId=sg-1"),
            "400 InvalidParameterValue");  // a source group: not supported
  EXPECT_EQ(refusal("Action=AuthorizeSecurityGroupIngress&GroupName=web"), "400 MissingParameter");
  EXPECT_EQ(refusal("Action=AuthorizeSecurityGroupIngress&GroupId=bogus" + rule + "10.0.0.0/8"),
            "400 InvalidGroupId.Malformed");
  EXPECT_EQ(refusal("Action=RevokeSecurityGroupIngress&GroupName=web" + rule + "10.0.0.0/8"),
            "400 InvalidPermission.NotFound");
  EXPECT_EQ(refusal("Action=RevokeSecurityGroupIngress&GroupName=web"
                    "&SecurityGroupRuleId.1=sgr-0"),
            "400 InvalidSecurityGroupRuleId.NotFound");
  EXPECT_EQ(refusal("Action=DescribeSecurityGroups&GroupName.1=nope"), "400 InvalidGroup.NotFound");
  EXPECT_EQ(refusal("Action=DescribeSecurityGroups&Filter.1.Name=owner&Filter.1.Value.1=x"),
            "400 InvalidParameterValue");
  EXPECT_EQ(refusal("Action=DescribeSecurityGroups&MaxResults=4"), "400 InvalidParameterValue");
  EXPECT_EQ(refusal("Action=Bogus"), "400 InvalidAction");
  EXPECT_TRUE(groups_.All().at(0).ingress.empty());
}

TEST_F(Ec2ServiceTest, PagesWithNextToken) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_EQ(Call("Action=CreateSecurityGroup&GroupDescription=d&GroupName=g" + std::to_string(i))
                  .http_status,
              200);
  }
  ApiReply reply = Call("Action=DescribeSecurityGroups&MaxResults=5");
  EXPECT_NE(reply.body.find("<nextToken>5</nextToken>"), std::string::npos) << reply.body;
  reply = Call("Action=DescribeSecurityGroups&MaxResults=5&NextToken=5");
  EXPECT_EQ(reply.body.find("<nextToken>"), std::string::npos);
  size_t items = 0;
  for (size_t pos = 0; (pos = reply.body.find("<groupName>", pos)) != std::string::npos; ++pos) {
    ++items;
  }
  EXPECT_EQ(items, 2u);
}

}  // namespace
}  // namespace redoubt::control
