// Tests of the Query protocol's side of the control plane: form bodies (escapes, '+', lists
// flattened as Name.Member.N), the XML writer's escapes, and the reply and error envelopes an
// ElastiCache operation produces (unknown or missing Action, wrong Version, a fault, paging).
#include "control/query_protocol.h"

#include <gtest/gtest.h>

#include "control/credentials_file.h"
#include "control/elasticache_api.h"
#include "control/form_body.h"
#include "control/local_node_host.h"
#include "control/replication_groups.h"
#include "control/state_store.h"
#include "control/xml_writer.h"

namespace redoubt::control {
namespace {

TEST(FormBodyTest, DecodesPairsAndFlattenedLists) {
  std::optional<FormParams> p = FormParams::Parse(
      "Action=CreateReplicationGroup&Description=a+b%2Fc&SecurityGroupIds.SecurityGroupId.1=sg-1"
      "&SecurityGroupIds.SecurityGroupId.2=sg-2&SecurityGroupIds.SecurityGroupId.4=sg-4&Empty=");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->Get("Description"), "a b/c");
  EXPECT_EQ(p->Get("Empty"), "");
  EXPECT_FALSE(p->Get("Missing"));
  EXPECT_EQ(p->List("SecurityGroupIds.SecurityGroupId"),
            (std::vector<std::string>{"sg-1", "sg-2"}));
  EXPECT_FALSE(FormParams::Parse("Action=%zz"));
  EXPECT_FALSE(FormParams::Parse("Action=%4"));
  EXPECT_FALSE(FormParams::Parse("=value"));
}

TEST(XmlWriterTest, EscapesTextAndClosesWhatIsOpen) {
  XmlWriter xml("Root", "urn:x");
  xml.Open("A");
  xml.Leaf("B", "<&>\"'");
  xml.Leaf("C", true);
  EXPECT_EQ(xml.Finish(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Root xmlns=\"urn:x\"><A><B>&lt;&amp;&gt;"
            "&quot;&apos;</B><C>true</C></A></Root>\n");
}

// The ElastiCache service over an empty set of groups (an in-memory state store; no node is
// ever started by these tests).
class QueryProtocolTest : public ::testing::Test {
 protected:
  QueryService Service(const char* region, const char* account) {
    return MakeElastiCacheService({region, account}, &groups_);
  }

  std::unique_ptr<StateStore> store_ = *StateStore::Open(":memory:");
  LocalNodeHost host_{"/nonexistent/redoubt-server", "/nonexistent/nodes"};
  ReplicationGroups groups_{GroupsOptions{}, *store_, host_, nullptr};
};

TEST_F(QueryProtocolTest, AnswersAnOperationInItsEnvelope) {
  const QueryService service = Service("eu-west-3", "123456789012");
  const ApiReply reply =
      AnswerQuery(service, "Action=DescribeCacheParameterGroups&Version=2015-02-02", "rid-1");
  EXPECT_EQ(reply.http_status, 200);
  EXPECT_NE(reply.body.find("<DescribeCacheParameterGroupsResponse xmlns=\"http://"
                            "elasticache.amazonaws.com/doc/2015-02-02/\">"
                            "<DescribeCacheParameterGroupsResult><CacheParameterGroups>"),
            std::string::npos);
  EXPECT_NE(reply.body.find("<CacheParameterGroupName>default.redis7.cluster.on<"),
            std::string::npos);
  EXPECT_NE(reply.body.find("arn:aws:elasticache:eu-west-3:123456789012:parametergroup:"),
            std::string::npos);
  EXPECT_NE(reply.body.find("<ResponseMetadata><RequestId>rid-1</RequestId>"), std::string::npos);
  EXPECT_EQ(reply.body.find("<Marker>"), std::string::npos);  // everything fit in one page
}

TEST_F(QueryProtocolTest, RefusesWithTheErrorEnvelope) {
  const QueryService service = Service("us-east-1", "000000000000");
  auto refusal = [&](std::string_view body) {
    const ApiReply reply = AnswerQuery(service, body, "rid");
    const size_t start = reply.body.find("<Code>") + 6;
    return std::to_string(reply.http_status) + " " +
           reply.body.substr(start, reply.body.find("</Code>") - start);
  };
  EXPECT_EQ(refusal("Version=2015-02-02"), "400 MissingAction");
  EXPECT_EQ(refusal("Action=Nope&Version=2015-02-02"), "400 InvalidAction");
  EXPECT_EQ(refusal("Action=DescribeCacheParameterGroups"), "400 MissingParameter");
  EXPECT_EQ(refusal("Action=DescribeCacheParameterGroups&Version=2014-09-30"),
            "400 InvalidParameterValue");
  EXPECT_EQ(refusal("Action=DescribeCacheParameterGroups&Version=2015-02-02&"
                    "CacheParameterGroupName=nope"),
            "404 CacheParameterGroupNotFound");
  EXPECT_EQ(refusal("Action=DescribeCacheParameterGroups&Version=2015-02-02&MaxRecords=5"),
            "400 InvalidParameterValue");
  EXPECT_EQ(refusal("Action=%ZZ"), "400 MalformedQueryString");
  const ApiReply reply = AnswerQuery(service, "Action=Nope&Version=2015-02-02", "rid-2");
  EXPECT_NE(reply.body.find("<ErrorResponse xmlns=\"http://elasticache.amazonaws.com/doc/"
                            "2015-02-02/\"><Error><Type>Sender</Type>"),
            std::string::npos);
  EXPECT_NE(reply.body.find("<RequestId>rid-2</RequestId></ErrorResponse>"), std::string::npos);
}

TEST(CredentialsFileTest, ReadsEveryCompleteProfile) {
  const CredentialsFile file = CredentialsFile::Parse(
      "# comment\n[default]\naws_access_key_id = AKIAONE\naws_secret_access_key=s1\n\n"
      "[other]\r\naws_access_key_id=AKIATWO\r\naws_secret_access_key = s 2\r\n"
      "[incomplete]\naws_access_key_id = AKIATHREE\n");
  EXPECT_EQ(file.size(), 2u);
  EXPECT_EQ(file.SecretOf("AKIAONE"), "s1");
  EXPECT_EQ(file.SecretOf("AKIATWO"), "s 2");
  EXPECT_FALSE(file.SecretOf("AKIATHREE"));
  const auto [id, secret] = NewAccessKey();
  EXPECT_EQ(id.size(), 20u);
  EXPECT_TRUE(id.starts_with("AKIA"));
  EXPECT_EQ(secret.size(), 40u);
  EXPECT_NE(NewAccessKey().first, id);
}

}  // namespace
}  // namespace redoubt::control
