// Tests of the control plane's group records away from any node: CreateReplicationGroup's and
// ModifyReplicationGroup's parameters (names, roles, slots, cluster mode, transit changes, and
// ElastiCache's errors), slot ranges, ISO 8601 timestamps, the JSON records, the SQLite state
// store (groups and events survive a reopen; events filter by source and time, newest first)
// and the CA (node certificates verify against it, for their address and names).
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <filesystem>

#include "common/file_io.h"
#include "common/openssl_ptr.h"
#include "control/certificate_authority.h"
#include "control/endpoint_names.h"
#include "control/group_model.h"
#include "control/group_request.h"
#include "control/group_topology.h"
#include "control/hosts_file.h"
#include "control/iso_time.h"
#include "control/state_store.h"
#include "support/scratch_dir.h"

namespace redoubt::control {
namespace {

FormParams Form(const std::string& body) {
  std::optional<FormParams> params = FormParams::Parse(body);
  EXPECT_TRUE(params);
  return params.value_or(FormParams());
}

std::string CreateError(const std::string& body) {
  GroupRecord draft;
  std::optional<ApiError> error = ReadCreateReplicationGroup(Form(body), &draft);
  return error ? error->code : "";
}

TEST(CreateReplicationGroupTest, ClusterModeNamesNodesAndSplitsSlots) {
  GroupRecord g;
  ASSERT_FALSE(ReadCreateReplicationGroup(
      Form("ReplicationGroupId=Web&ReplicationGroupDescription=d&NumNodeGroups=3"
           "&ReplicasPerNodeGroup=1&Tags.Tag.1.Key=team&Tags.Tag.1.Value=a"),
      &g));
  EXPECT_EQ(g.id, "web");
  EXPECT_TRUE(g.cluster_enabled);
  EXPECT_TRUE(g.automatic_failover);
  EXPECT_EQ(g.parameter_group, "default.redis7.cluster.on");
  ASSERT_EQ(g.node_groups.size(), 3u);
  EXPECT_EQ(g.node_groups[0].slots, "0-5461");
  EXPECT_EQ(g.node_groups[2].slots, "10923-16383");
  ASSERT_EQ(g.nodes.size(), 6u);
  EXPECT_EQ(g.nodes[0].cluster_id, "web-0001-001");
  EXPECT_TRUE(g.nodes[0].primary);
  EXPECT_EQ(g.nodes[5].cluster_id, "web-0003-002");
  EXPECT_FALSE(g.nodes[5].primary);
  EXPECT_EQ(g.maxmemory, 536870912);  // cache.t3.micro, the default type
  ASSERT_EQ(g.tags.size(), 1u);
  EXPECT_EQ(g.tags[0].value, "a");
}

TEST(CreateReplicationGroupTest, WithoutClusterModeOneShardOfNumCacheClusters) {
  GroupRecord g;
  ASSERT_FALSE(ReadCreateReplicationGroup(
      Form("ReplicationGroupId=s&ReplicationGroupDescription=d&NumCacheClusters=3"
           "&AutomaticFailoverEnabled=true&CacheNodeType=cache.r6g.large"),
      &g));
  EXPECT_FALSE(g.cluster_enabled);
  ASSERT_EQ(g.nodes.size(), 3u);
  EXPECT_EQ(g.nodes[2].cluster_id, "s-003");
  EXPECT_EQ(g.node_groups[0].slots, "");
  EXPECT_EQ(g.maxmemory, 14037181030);
  // The parameter group decides, when named.
  GroupRecord on;
  ASSERT_FALSE(
      ReadCreateReplicationGroup(Form("ReplicationGroupId=c&ReplicationGroupDescription=d"
                                      "&CacheParameterGroupName=default.redis7.cluster.on"),
                                 &on));
  EXPECT_TRUE(on.cluster_enabled);
  EXPECT_EQ(on.nodes.size(), 1u);
}

TEST(CreateReplicationGroupTest, ExplicitNodeGroupsMustCoverEverySlotOnce) {
  const std::string base =
      "ReplicationGroupId=x&ReplicationGroupDescription=d&NodeGroupConfiguration."
      "NodeGroupConfiguration.";
  GroupRecord g;
  ASSERT_FALSE(ReadCreateReplicationGroup(
      Form(base + "1.Slots=0-99,200-16383&" + base.substr(base.find("NodeGroupConfiguration.")) +
           "1.ReplicaCount=2&" + base.substr(base.find("NodeGroupConfiguration.")) +
           "2.Slots=100-199"),
      &g));
  ASSERT_EQ(g.node_groups.size(), 2u);
  EXPECT_EQ(g.node_groups[0].slots, "0-99,200-16383");
  EXPECT_EQ(g.nodes.size(), 4u);
  EXPECT_EQ(CreateError(base + "1.Slots=0-100"), "InvalidParameterValue");
  EXPECT_EQ(CreateError(base + "1.Slots=0-16384"), "InvalidParameterValue");
  EXPECT_EQ(CreateError(base + "1.Slots=9-1"), "InvalidParameterValue");
  EXPECT_EQ(CreateError(base + "1.Slots=0-16383&" +
                        base.substr(base.find("NodeGroupConfiguration.")) + "2.Slots=5"),
            "InvalidParameterValue");
  EXPECT_EQ(CreateError(base + "1.NodeGroupId=12345"), "InvalidParameterValue");
}

TEST(CreateReplicationGroupTest, RefusalsUseElastiCacheCodes) {
  const std::string ok = "ReplicationGroupDescription=d&ReplicationGroupId=";
  EXPECT_EQ(CreateError("ReplicationGroupDescription=d"), "MissingParameter");
  EXPECT_EQ(CreateError("ReplicationGroupId=a"), "MissingParameter");
  for (const char* id : {"9a", "a--b", "a-", "a_b", ""}) {
    EXPECT_EQ(CreateError(ok + id), "InvalidParameterValue") << id;
  }
  EXPECT_EQ(CreateError(ok + std::string(41, 'a')), "InvalidParameterValue");
  EXPECT_EQ(CreateError(ok + std::string(40, 'a')), "");
  EXPECT_EQ(CreateError(ok + "a&NumCacheClusters=1&AutomaticFailoverEnabled=true"),
            "InvalidParameterCombination");
  EXPECT_EQ(CreateError(ok + "a&NumCacheClusters=2&MultiAZEnabled=true"),
            "InvalidParameterCombination");
  EXPECT_EQ(CreateError(ok + "a&NumNodeGroups=2&AutomaticFailoverEnabled=false"),
            "InvalidParameterCombination");
  EXPECT_EQ(CreateError(ok + "a&NumNodeGroups=2&NumCacheClusters=2"),
            "InvalidParameterCombination");
  EXPECT_EQ(CreateError(ok + "a&NumNodeGroups=2&CacheParameterGroupName=default.redis7"),
            "InvalidParameterCombination");
  EXPECT_EQ(CreateError(ok + "a&CacheParameterGroupName=custom"), "CacheParameterGroupNotFound");
  EXPECT_EQ(CreateError(ok + "a&CacheNodeType=cache.x9.huge"), "InvalidParameterValue");
  EXPECT_EQ(CreateError(ok + "a&Engine=memcached"), "InvalidParameterValue");
  EXPECT_EQ(CreateError(ok + "a&EngineVersion=6.2"), "InvalidParameterCombination");
  EXPECT_EQ(CreateError(ok + "a&Port=80"), "InvalidParameterValue");
  EXPECT_EQ(CreateError(ok + "a&NumCacheClusters=seven"), "InvalidParameterValue");
  EXPECT_EQ(CreateError(ok + "a&AutomaticFailoverEnabled=maybe"), "InvalidParameterValue");
  EXPECT_EQ(CreateError(ok + "a&AuthToken=abcdefghijklmnopq"), "InvalidParameterValue");
  EXPECT_EQ(CreateError(ok + "a&NumNodeGroups=31&ReplicasPerNodeGroup=2"),
            "NodeQuotaForClusterExceeded");
}

TEST(SlotRangesTest, EvenSplitsAndParsing) {
  EXPECT_EQ(EvenSlotRanges(1), (std::vector<std::string>{"0-16383"}));
  EXPECT_EQ(EvenSlotRanges(2), (std::vector<std::string>{"0-8191", "8192-16383"}));
  const auto ranges = ParseSlotRanges("0-5,7,9-16383");
  ASSERT_TRUE(ranges.ok());
  EXPECT_EQ(*ranges, (std::vector<std::pair<int, int>>{{0, 5}, {7, 7}, {9, 16383}}));
  for (const char* bad : {"", "-", "1-2-3", "a-b", "5-4", "0-16384", "-1"}) {
    EXPECT_FALSE(ParseSlotRanges(bad).ok()) << bad;
  }
}

TEST(IsoTimeTest, FormatsAndParsesAsBotocoreSends) {
  EXPECT_EQ(FormatIsoTime(1796607191034), "2026-12-07T01:33:11.034Z");
  EXPECT_EQ(ParseIsoTime("2026-12-07T01:33:11.034Z"), 1796607191034);
  EXPECT_EQ(ParseIsoTime("2026-12-07T01:33:11Z"), 1796607191000);
  EXPECT_EQ(ParseIsoTime("2026-12-07T01:33:11+00:00"), 1796607191000);
  EXPECT_EQ(ParseIsoTime("1796607191"), 1796607191000);
  for (const char* bad : {"2026-02-30T00:00:00Z", "2026-12-07 01:33:11Z", "2026-12-07T25:00:00Z",
                          "2026-12-07T01:33:11.Z", "2026-12-07T01:33:11+02:00", "yesterday"}) {
    EXPECT_FALSE(ParseIsoTime(bad)) << bad;
  }
}

TEST(GroupModelTest, JsonRoundTripAndMissingMembersDefault) {
  GroupRecord g;
  g.id = "a";
  g.cluster_enabled = true;
  g.nodes.push_back({"a-0001-001", "0001", "127.0.0.9", 7000, true, kStatusAvailable, 42, 5});
  g.tags.push_back({"k", "v"});
  absl::StatusOr<GroupRecord> back = ParseGroupJson(GroupToJson(g));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->nodes[0].address, "127.0.0.9");
  EXPECT_EQ(back->nodes[0].pid, 42);
  EXPECT_TRUE(back->cluster_enabled);
  absl::StatusOr<GroupRecord> sparse = ParseGroupJson(R"({"id":"b"})");
  ASSERT_TRUE(sparse.ok());
  EXPECT_EQ(sparse->port, 6379);
  EXPECT_FALSE(ParseGroupJson(R"({"id":7})").ok());
  EXPECT_FALSE(ParseGroupJson("not json").ok());
}

TEST(StateStoreTest, GroupsAndEventsSurviveAReopen) {
  test_support::ScratchDir dir("state-store");
  const std::string path = (dir.path() / "state.db").string();
  {
    absl::StatusOr<std::unique_ptr<StateStore>> store = StateStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    GroupRecord a;
    a.id = "a";
    a.status = kStatusAvailable;
    GroupRecord b;
    b.id = "b";
    ASSERT_TRUE((*store)->SaveGroup(b).ok());
    ASSERT_TRUE((*store)->SaveGroup(a).ok());
    a.description = "second save replaces";
    ASSERT_TRUE((*store)->SaveGroup(a).ok());
    ASSERT_TRUE((*store)->AppendEvent({1000, "replication-group", "a", "first"}).ok());
    ASSERT_TRUE((*store)->AppendEvent({2000, "cache-cluster", "a-001", "second"}).ok());
    ASSERT_TRUE((*store)->AppendEvent({3000, "replication-group", "b", "third"}).ok());
    ASSERT_TRUE((*store)->DeleteGroup("b").ok());
  }
  absl::StatusOr<std::unique_ptr<StateStore>> store = StateStore::Open(path);
  ASSERT_TRUE(store.ok());
  absl::StatusOr<std::vector<GroupRecord>> groups = (*store)->LoadGroups();
  ASSERT_TRUE(groups.ok());
  ASSERT_EQ(groups->size(), 1u);
  EXPECT_EQ((*groups)[0].description, "second save replaces");

  auto messages = [&](const EventFilter& filter) {
    std::vector<std::string> out;
    absl::StatusOr<std::vector<EventRecord>> events = (*store)->Events(filter);
    EXPECT_TRUE(events.ok());
    for (const EventRecord& e : events.value_or(std::vector<EventRecord>{})) {
      out.push_back(e.message);
    }
    return out;
  };
  EXPECT_EQ(messages({}), (std::vector<std::string>{"third", "second", "first"}));
  EventFilter groups_only;
  groups_only.source_type = "replication-group";
  EXPECT_EQ(messages(groups_only), (std::vector<std::string>{"third", "first"}));
  EventFilter one;
  one.source_id = "a-001";
  EXPECT_EQ(messages(one), (std::vector<std::string>{"second"}));
  EventFilter window;
  window.start_ms = 1500;
  window.end_ms = 2500;
  EXPECT_EQ(messages(window), (std::vector<std::string>{"second"}));
}

TEST(StateStoreTest, ReplaceGroupSwapsOneRecordForAnother) {
  test_support::ScratchDir dir("state-store-replace");
  absl::StatusOr<std::unique_ptr<StateStore>> store =
      StateStore::Open((dir.path() / "state.db").string());
  ASSERT_TRUE(store.ok()) << store.status();
  GroupRecord group;
  group.id = "keeper";
  group.status = kStatusDeleting;
  group.retained_cluster_id = "keeper-001";
  group.nodes.push_back(NodeRecord{});
  group.nodes.back().cluster_id = "keeper-001";
  ASSERT_TRUE((*store)->SaveGroup(group).ok());
  GroupRecord standalone = group;
  standalone.standalone = true;
  standalone.retained_cluster_id.clear();
  standalone.status = kStatusAvailable;
  ASSERT_TRUE((*store)->ReplaceGroup("keeper", standalone).ok());
  absl::StatusOr<std::vector<GroupRecord>> groups = (*store)->LoadGroups();
  ASSERT_TRUE(groups.ok());
  ASSERT_EQ(groups->size(), 1u);
  EXPECT_TRUE((*groups)[0].standalone);
  EXPECT_EQ(RecordKey((*groups)[0]), "cluster:keeper-001");
  // The deleting record keeps what a restart needs to finish the same deletion.
  ASSERT_TRUE((*store)->SaveGroup(group).ok());
  groups = (*store)->LoadGroups();
  ASSERT_TRUE(groups.ok());
  ASSERT_EQ(groups->size(), 2u);
  EXPECT_EQ((*groups)[1].retained_cluster_id, "keeper-001");  // ordered by key: "cluster:" first
}

}  // namespace
}  // namespace redoubt::control

namespace redoubt::control {
namespace {

std::string ModifyError(const std::string& body, GroupModification* change = nullptr) {
  std::string id;
  GroupModification ignored;
  std::optional<ApiError> error =
      ReadModifyReplicationGroup(Form(body), &id, change ? change : &ignored);
  return error ? error->code : "";
}

TEST(ModifyReplicationGroupTest, ReadsTransitChangesAndRefusesTheRest) {
  GroupModification change;
  ASSERT_EQ(ModifyError("ReplicationGroupId=A&TransitEncryptionEnabled=true&ApplyImmediately=true",
                        &change),
            "");
  EXPECT_TRUE(change.transit);
  EXPECT_TRUE(change.transit_enabled);
  EXPECT_EQ(change.transit_mode, "preferred");  // enabling defaults to preferred
  GroupModification mode_only;
  ASSERT_EQ(ModifyError("ReplicationGroupId=a&TransitEncryptionMode=required", &mode_only), "");
  EXPECT_TRUE(mode_only.transit_enabled);
  EXPECT_EQ(mode_only.transit_mode, "required");
  GroupModification off;
  ASSERT_EQ(ModifyError("ReplicationGroupId=a&TransitEncryptionEnabled=false", &off), "");
  EXPECT_FALSE(off.transit_enabled);

  EXPECT_EQ(ModifyError("TransitEncryptionEnabled=true"), "MissingParameter");
  EXPECT_EQ(ModifyError("ReplicationGroupId=a"), "InvalidParameterCombination");
  EXPECT_EQ(ModifyError("ReplicationGroupId=a&TransitEncryptionMode=always"),
            "InvalidParameterValue");
  EXPECT_EQ(ModifyError("ReplicationGroupId=a&TransitEncryptionEnabled=false"
                        "&TransitEncryptionMode=preferred"),
            "InvalidParameterCombination");
  EXPECT_EQ(ModifyError("ReplicationGroupId=a&ApplyImmediately=soon&TransitEncryptionEnabled=true"),
            "InvalidParameterValue");
  GroupModification rotate;
  ASSERT_EQ(ModifyError("ReplicationGroupId=a&AuthToken=abcdefghijklmnopqrstu", &rotate), "");
  EXPECT_EQ(rotate.auth_strategy, "ROTATE");  // the strategy when none is named
  EXPECT_EQ(rotate.auth_token, "abcdefghijklmnopqrstu");
  GroupModification remove;
  ASSERT_EQ(ModifyError("ReplicationGroupId=a&AuthTokenUpdateStrategy=DELETE", &remove), "");
  EXPECT_EQ(remove.auth_strategy, "DELETE");
  EXPECT_EQ(ModifyError("ReplicationGroupId=a&AuthTokenUpdateStrategy=SET"),
            "InvalidParameterCombination");
  EXPECT_EQ(ModifyError("ReplicationGroupId=a&AuthTokenUpdateStrategy=DELETE"
                        "&AuthToken=abcdefghijklmnopqrstu"),
            "InvalidParameterCombination");
  EXPECT_EQ(ModifyError("ReplicationGroupId=a&AuthTokenUpdateStrategy=SWAP"
                        "&AuthToken=abcdefghijklmnopqrstu"),
            "InvalidParameterValue");
  EXPECT_EQ(ModifyError("ReplicationGroupId=a&AuthToken=abcdefghijklmnopqrstu"
                        "&TransitEncryptionEnabled=true"),
            "InvalidParameterCombination");
  const std::vector<std::string> bad_tokens = {"short",
                                               "sixteen chars ok?",
                                               "0123456789abcdef/",
                                               "a@bcdefghijklmnop",
                                               std::string(129, 'x'),
                                               "quote\"0123456789abc"};
  for (const std::string& token : bad_tokens) {
    EXPECT_TRUE(CheckAuthToken(token)) << token;
  }
  EXPECT_FALSE(CheckAuthToken(std::string(16, '!')));
  EXPECT_FALSE(CheckAuthToken(std::string(128, '~')));
  EXPECT_EQ(ModifyError("ReplicationGroupId=a&SecurityGroupIds.SecurityGroupId.1=web"),
            "InvalidParameterValue");  // not an id
  EXPECT_EQ(ModifyError("ReplicationGroupId=a&CacheNodeType=cache.r6g.large"),
            "InvalidParameterCombination");  // not modifiable here yet
}

TEST(CertificateAuthorityTest, IssuesNodeCertificatesThatVerifyAgainstItAndReloads) {
  test_support::ScratchDir dir("control-ca");
  const std::string ca_dir = (dir.path() / "ca").string();
  absl::StatusOr<std::shared_ptr<const CertificateAuthority>> ca =
      CertificateAuthority::LoadOrCreate(ca_dir);
  ASSERT_TRUE(ca.ok()) << ca.status();
  std::string key_text;
  ASSERT_TRUE(common::ReadSmallFile(ca_dir + "/ca.key", 1 << 20, &key_text).ok());
  struct stat st {};
  ASSERT_EQ(stat((ca_dir + "/ca.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  CertificateRequest request;
  request.common_name = "g-0001-001";
  request.ip_addresses = {"127.0.42.7"};
  request.dns_names = {"*.g.cache.local"};
  absl::StatusOr<IssuedCertificate> issued = (*ca)->Issue(request);
  ASSERT_TRUE(issued.ok()) << issued.status();

  // Loaded again from its files, the CA is the same one: a certificate it issued before
  // verifies against the file it reads.
  absl::StatusOr<std::shared_ptr<const CertificateAuthority>> again =
      CertificateAuthority::LoadOrCreate(ca_dir);
  ASSERT_TRUE(again.ok());
  common::UniqueBio bio(
      BIO_new_mem_buf(issued->cert_pem.data(), static_cast<int>(issued->cert_pem.size())));
  common::UniqueX509 cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_TRUE(cert);
  common::UniqueX509Store store(X509_STORE_new());
  ASSERT_EQ(X509_STORE_load_file(store.get(), (*again)->ca_file().c_str()), 1);
  common::UniqueX509StoreCtx ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr);
  X509_VERIFY_PARAM_set1_ip_asc(X509_STORE_CTX_get0_param(ctx.get()), "127.0.42.7");
  EXPECT_EQ(X509_verify_cert(ctx.get()), 1)
      << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  EXPECT_EQ(X509_check_host(cert.get(), "a.g.cache.local", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.42.8", 0), 0);
  common::UniqueEvpPkey key(X509_get_pubkey(cert.get()));
  EXPECT_EQ(EVP_PKEY_get_base_id(key.get()), EVP_PKEY_EC);  // P-256 unless RSA is asked for

  // Half a CA (the key gone) is refused, not replaced.
  std::filesystem::remove(ca_dir + "/ca.key");
  EXPECT_FALSE(CertificateAuthority::LoadOrCreate(ca_dir).ok());
}

}  // namespace
}  // namespace redoubt::control

namespace redoubt::control {
namespace {

GroupRecord NamedGroup(bool cluster) {
  GroupRecord g;
  g.id = "web";
  g.dns_hash = "abc123";
  g.cluster_enabled = cluster;
  g.nodes.push_back({"web-0001-001", "0001", "127.0.0.1", 6379, true});
  g.nodes.push_back({"web-0001-002", "0001", "127.0.0.2", 6379, false});
  return g;
}

std::vector<std::string> Names(const GroupRecord& g) {
  std::vector<std::string> out;
  for (const HostsEntry& e : PublishedNames(g, "z.internal")) {
    out.push_back(e.address + " " + e.name);
  }
  return out;
}

TEST(EndpointNamesTest, BothFormatsFollowTheTransitMode) {
  GroupRecord g = NamedGroup(true);
  EXPECT_EQ(Names(g), (std::vector<std::string>{"127.0.0.1 web.abc123.clustercfg.z.internal",
                                                "127.0.0.1 web-0001-001.abc123.0001.z.internal",
                                                "127.0.0.2 web-0001-002.abc123.0001.z.internal"}));
  EXPECT_EQ(ShownNames(g, "z.internal").configuration, "web.abc123.clustercfg.z.internal");
  // Moving to preferred publishes both formats; preferred keeps both; required the TLS one.
  g.pending_transit = true;
  g.pending_transit_enabled = true;
  g.pending_transit_mode = "preferred";
  EXPECT_EQ(Names(g).size(), 6u);
  g.pending_transit = false;
  g.transit_encryption = true;
  g.transit_encryption_mode = "preferred";
  EXPECT_EQ(Names(g).size(), 6u);
  EXPECT_EQ(ShownNames(g, "z.internal").configuration, "clustercfg.web.abc123.z.internal");
  g.transit_encryption_mode = "required";
  EXPECT_EQ(Names(g), (std::vector<std::string>{"127.0.0.1 clustercfg.web.abc123.z.internal",
                                                "127.0.0.1 web-0001-001.web.abc123.z.internal",
                                                "127.0.0.2 web-0001-002.web.abc123.z.internal"}));
  EXPECT_EQ(CertificateWildcard(g, "z.internal"), "*.web.abc123.z.internal");

  GroupRecord off = NamedGroup(false);
  off.transit_encryption = true;
  off.transit_encryption_mode = "required";
  const EndpointNames shown = ShownNames(off, "z.internal");
  EXPECT_EQ(shown.primary, "master.web.abc123.z.internal");
  EXPECT_EQ(shown.reader, "replica.web.abc123.z.internal");
  EXPECT_EQ(Names(off)[1], "127.0.0.2 replica.web.abc123.z.internal");
  EXPECT_EQ(NewNameHash().size(), 6u);
}

TEST(HostsFileTest, ReplacesOnlyItsOwnBlockInPlace) {
  test_support::ScratchDir dir("hosts-file");
  const std::string path = (dir.path() / "hosts").string();
  ASSERT_EQ(common::ReplaceFile(path, "127.0.0.1 localhost\n# mine\n::1 ip6", 0644), 0);
  HostsFile a(path, "/data/a");
  HostsFile b(path, "/data/b");
  ASSERT_TRUE(a.Publish({{"127.0.0.9", "x.a"}}).ok());
  ASSERT_TRUE(b.Publish({{"127.0.0.8", "y.b"}, {"127.0.0.7", "z.b"}}).ok());
  ASSERT_TRUE(a.Publish({{"127.0.0.6", "w.a"}}).ok());
  std::string text;
  ASSERT_TRUE(common::ReadSmallFile(path, 1 << 16, &text).ok());
  EXPECT_EQ(text,
            "127.0.0.1 localhost\n# mine\n::1 ip6\n"
            "# BEGIN redoubt-control /data/b\n127.0.0.8 y.b\n127.0.0.7 z.b\n"
            "# END redoubt-control /data/b\n"
            "# BEGIN redoubt-control /data/a\n127.0.0.6 w.a\n# END redoubt-control /data/a\n");
  ASSERT_TRUE(b.Publish({}).ok());
  ASSERT_TRUE(a.Publish({}).ok());
  ASSERT_TRUE(common::ReadSmallFile(path, 1 << 16, &text).ok());
  EXPECT_EQ(text, "127.0.0.1 localhost\n# mine\n::1 ip6\n");
  HostsFile missing((dir.path() / "nope").string(), "t");
  EXPECT_FALSE(missing.Publish({{"127.0.0.1", "n"}}).ok());
}

}  // namespace
}  // namespace redoubt::control
