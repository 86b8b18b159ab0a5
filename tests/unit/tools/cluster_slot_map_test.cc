// The cluster client's slot rules (tools/cluster_slot_map.h): key slots as redis-server 7.0's
// CLUSTER KEYSLOT gives them, CLUSTER SLOTS replies in Redis 7.0's wire format, the slot map,
// and the redirections a node answers with.
#include "tools/cluster_slot_map.h"

#include <gtest/gtest.h>

#include <string>

namespace redoubt::tools {
namespace {

// A reply from the bytes a server sends.
RespReply SlotMapTestReply(std::string_view wire) {
  RespReply reply;
  ReplyParseResult r = ParseReply(wire, &reply);
  EXPECT_EQ(r.status, ReplyParseStatus::kComplete) << r.error;
  EXPECT_EQ(r.consumed, wire.size());
  return reply;
}

// One node of a CLUSTER SLOTS entry as Redis 7.0 writes it: host, port, id, networking metadata.
std::string SlotMapTestNode(std::string_view host, int port, char id) {
  std::string node = "*4\r\n";
  node += "$" + std::to_string(host.size()) + "\r\n" + std::string(host) + "\r\n";
  node += ":" + std::to_string(port) + "\r\n";
  node += "$40\r\n" + std::string(40, id) + "\r\n";
  node += "*0\r\n";
  return node;
}

// Three shards with one replica each, as `redis-cli --cluster create ... --cluster-replicas 1`
// leaves them.
std::string SlotMapTestThreeShards() {
  return "*3\r\n"
         "*4\r\n:0\r\n:5460\r\n" +
         SlotMapTestNode("127.0.14.1", 30001, 'a') + SlotMapTestNode("127.0.14.4", 30004, 'd') +
         "*4\r\n:5461\r\n:10922\r\n" + SlotMapTestNode("127.0.14.2", 30002, 'b') +
         SlotMapTestNode("127.0.14.5", 30005, 'e') + "*4\r\n:10923\r\n:16383\r\n" +
         SlotMapTestNode("127.0.14.3", 30003, 'c') + SlotMapTestNode("127.0.14.6", 30006, 'f');
}

TEST(ClusterSlotMapTest, KeySlotIsWhatClusterKeyslotAnswers) {
  EXPECT_EQ(KeySlot("foo"), 12182);
  EXPECT_EQ(KeySlot("bar"), 5061);
}

TEST(ClusterSlotMapTest, KeysWithTheSameHashTagShareASlot) {
  EXPECT_EQ(KeySlot("{user1000}.following"), 3443);
  EXPECT_EQ(KeySlot("{user1000}.followers"), 3443);
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("user1000"));
}

TEST(ClusterSlotMapTest, AnEmptyFirstTagMeansTheWholeKeyIsHashed) {
  EXPECT_EQ(KeySlot("foo{}{bar}"), 8363);
  EXPECT_NE(KeySlot("foo{}{bar}"), KeySlot("bar"));
  EXPECT_EQ(KeySlot("{}"), 15257);
}

TEST(ClusterSlotMapTest, TheTagEndsAtTheFirstClosingBrace) {
  EXPECT_EQ(KeySlot("foo{{bar}}zap"), 4015);
  EXPECT_EQ(KeySlot("foo{{bar}}zap"), KeySlot("{bar"));
}

TEST(ClusterSlotMapTest, ParsesThreeShardsWithReplicas) {
  RespReply reply = SlotMapTestReply(SlotMapTestThreeShards());

  absl::StatusOr<std::vector<SlotRange>> ranges = ParseClusterSlots(reply, "127.0.14.1");

  ASSERT_TRUE(ranges.ok()) << ranges.status();
  ASSERT_EQ(ranges->size(), 3u);
  EXPECT_EQ((*ranges)[0].first, 0);
  EXPECT_EQ((*ranges)[0].last, 5460);
  EXPECT_EQ((*ranges)[0].primary, (NodeAddress{"127.0.14.1", 30001}));
  ASSERT_EQ((*ranges)[0].replicas.size(), 1u);
  EXPECT_EQ((*ranges)[0].replicas[0], (NodeAddress{"127.0.14.4", 30004}));
  EXPECT_EQ((*ranges)[1].first, 5461);
  EXPECT_EQ((*ranges)[1].last, 10922);
  EXPECT_EQ((*ranges)[1].primary.ToString(), "127.0.14.2:30002");
  EXPECT_EQ((*ranges)[2].first, 10923);
  EXPECT_EQ((*ranges)[2].last, 16383);
  EXPECT_EQ((*ranges)[2].replicas[0].ToString(), "127.0.14.6:30006");
}

TEST(ClusterSlotMapTest, ParsesNodesWithoutMetadataAsRedis6SendsThem) {
  RespReply reply = SlotMapTestReply(
      "*1\r\n*3\r\n:0\r\n:16383\r\n*3\r\n$9\r\n127.0.0.1\r\n:7000\r\n$3\r\nabc\r\n");

  absl::StatusOr<std::vector<SlotRange>> ranges = ParseClusterSlots(reply, "seed");

  ASSERT_TRUE(ranges.ok()) << ranges.status();
  ASSERT_EQ(ranges->size(), 1u);
  EXPECT_EQ((*ranges)[0].primary, (NodeAddress{"127.0.0.1", 7000}));
  EXPECT_TRUE((*ranges)[0].replicas.empty());
}

TEST(ClusterSlotMapTest, AnUnknownHostIsTheNodeThatWasAsked) {
  // Redis sends a null host (cluster-preferred-endpoint-type unknown-endpoint) or an empty one
  // for a node whose address it does not know: "the same endpoint as the node you asked".
  RespReply reply = SlotMapTestReply(
      "*2\r\n"
      "*3\r\n:0\r\n:99\r\n*3\r\n$-1\r\n:7000\r\n$1\r\na\r\n"
      "*3\r\n:100\r\n:199\r\n*3\r\n$0\r\n\r\n:7001\r\n$1\r\nb\r\n");

  absl::StatusOr<std::vector<SlotRange>> ranges = ParseClusterSlots(reply, "10.0.0.7");

  ASSERT_TRUE(ranges.ok()) << ranges.status();
  EXPECT_EQ((*ranges)[0].primary, (NodeAddress{"10.0.0.7", 7000}));
  EXPECT_EQ((*ranges)[1].primary, (NodeAddress{"10.0.0.7", 7001}));
}

TEST(ClusterSlotMapTest, AnEmptyReplyIsAnEmptyMap) {
  absl::StatusOr<std::vector<SlotRange>> ranges =
      ParseClusterSlots(SlotMapTestReply("*0\r\n"), "seed");

  ASSERT_TRUE(ranges.ok());
  EXPECT_TRUE(ranges->empty());
}

TEST(ClusterSlotMapTest, RefusesRepliesOfAnotherShape) {
  const char* bad[] = {
      "-ERR This instance has cluster support disabled\r\n",
      "+OK\r\n",
      "*1\r\n:0\r\n",                                                // entry not an array
      "*1\r\n*2\r\n:0\r\n:1\r\n",                                    // no primary
      "*1\r\n*3\r\n:5\r\n:4\r\n*2\r\n$1\r\nh\r\n:1\r\n",             // last < first
      "*1\r\n*3\r\n:0\r\n:16384\r\n*2\r\n$1\r\nh\r\n:1\r\n",         // slot out of range
      "*1\r\n*3\r\n:-1\r\n:3\r\n*2\r\n$1\r\nh\r\n:1\r\n",            // negative slot
      "*1\r\n*3\r\n$1\r\n0\r\n:3\r\n*2\r\n$1\r\nh\r\n:1\r\n",        // slot not an integer
      "*1\r\n*3\r\n:0\r\n:3\r\n*2\r\n$1\r\nh\r\n:0\r\n",             // port 0
      "*1\r\n*3\r\n:0\r\n:3\r\n*2\r\n$1\r\nh\r\n:65536\r\n",         // port too large
      "*1\r\n*3\r\n:0\r\n:3\r\n*2\r\n$1\r\nh\r\n$4\r\n7000\r\n",     // port not an integer
      "*1\r\n*3\r\n:0\r\n:3\r\n*1\r\n$1\r\nh\r\n",                   // node without port
      "*1\r\n*3\r\n:0\r\n:3\r\n*2\r\n:1\r\n:7000\r\n",               // host not a string
      "*1\r\n*4\r\n:0\r\n:3\r\n*2\r\n$1\r\nh\r\n:1\r\n$1\r\nx\r\n",  // replica not an array
  };
  for (const char* wire : bad) {
    absl::StatusOr<std::vector<SlotRange>> ranges = ParseClusterSlots(SlotMapTestReply(wire), "s");

    EXPECT_FALSE(ranges.ok()) << wire;
  }
}

TEST(ClusterSlotMapTest, AssignedMapNamesTheOwnerOfEverySlot) {
  SlotMap map;
  absl::StatusOr<std::vector<SlotRange>> ranges =
      ParseClusterSlots(SlotMapTestReply(SlotMapTestThreeShards()), "s");
  ASSERT_TRUE(ranges.ok());

  map.Assign(*ranges);

  ASSERT_NE(map.Owner(0), nullptr);
  EXPECT_EQ(map.Owner(0)->ToString(), "127.0.14.1:30001");
  EXPECT_EQ(map.Owner(5460)->ToString(), "127.0.14.1:30001");
  EXPECT_EQ(map.Owner(5461)->ToString(), "127.0.14.2:30002");
  EXPECT_EQ(map.Owner(KeySlot("foo"))->ToString(), "127.0.14.3:30003");
  EXPECT_EQ(map.Owner(16383)->ToString(), "127.0.14.3:30003");
  EXPECT_FALSE(map.empty());
  EXPECT_EQ(map.known_nodes().size(), 6u);
  std::vector<NodeAddress> primaries = map.Primaries();
  ASSERT_EQ(primaries.size(), 3u);
  EXPECT_EQ(primaries[1], (NodeAddress{"127.0.14.2", 30002}));
  EXPECT_EQ(map.FirstSlotOf({"127.0.14.3", 30003}), 10923);
  EXPECT_EQ(map.FirstSlotOf({"127.0.14.4", 30004}), -1);
}

TEST(ClusterSlotMapTest, SlotsInNoRangeHaveNoOwner) {
  SlotMap map;

  map.Assign({{.first = 100, .last = 199, .primary = {"h", 1}}});

  EXPECT_EQ(map.Owner(99), nullptr);
  EXPECT_NE(map.Owner(100), nullptr);
  EXPECT_EQ(map.Owner(200), nullptr);
  EXPECT_TRUE(SlotMap().empty());
}

TEST(ClusterSlotMapTest, MovedChangesOneSlotOnly) {
  SlotMap map;
  map.Assign({{.first = 0, .last = 16383, .primary = {"a", 1}}});

  map.SetOwner(42, {"b", 2});

  EXPECT_EQ(map.Owner(41)->ToString(), "a:1");
  EXPECT_EQ(map.Owner(42)->ToString(), "b:2");
  EXPECT_EQ(map.Owner(43)->ToString(), "a:1");
  EXPECT_EQ(map.Primaries().size(), 2u);
}

TEST(ClusterSlotMapTest, AssignForgetsTheOldMap) {
  SlotMap map;
  map.Assign({{.first = 0, .last = 16383, .primary = {"a", 1}, .replicas = {{"r", 3}}}});
  map.SetOwner(7, {"b", 2});

  map.Assign({{.first = 0, .last = 16383, .primary = {"c", 4}}});

  EXPECT_EQ(map.Owner(7)->ToString(), "c:4");
  ASSERT_EQ(map.known_nodes().size(), 1u);
  EXPECT_EQ(map.known_nodes()[0].ToString(), "c:4");
}

TEST(ClusterSlotMapTest, MovedAndAskNameSlotAndNode) {
  Redirect moved = ParseRedirect("MOVED 3999 127.0.0.1:6381");
  Redirect ask = ParseRedirect("ASK 3999 127.0.0.1:6381");

  EXPECT_EQ(moved.kind, Redirect::Kind::kMoved);
  EXPECT_EQ(moved.slot, 3999);
  EXPECT_EQ(moved.target, (NodeAddress{"127.0.0.1", 6381}));
  EXPECT_EQ(ask.kind, Redirect::Kind::kAsk);
  EXPECT_EQ(ask.slot, 3999);
  EXPECT_EQ(ask.target, (NodeAddress{"127.0.0.1", 6381}));
}

TEST(ClusterSlotMapTest, RedirectHostsMayBeIpv6OrUnknown) {
  Redirect ipv6 = ParseRedirect("MOVED 1 ::1:7000");
  Redirect unknown = ParseRedirect("ASK 16383 :7001");

  EXPECT_EQ(ipv6.kind, Redirect::Kind::kMoved);
  EXPECT_EQ(ipv6.target, (NodeAddress{"::1", 7000}));
  EXPECT_EQ(unknown.kind, Redirect::Kind::kAsk);
  EXPECT_EQ(unknown.slot, 16383);
  EXPECT_EQ(unknown.target, (NodeAddress{"", 7001}));
}

TEST(ClusterSlotMapTest, TryAgainAndClusterDownAreRetries) {
  EXPECT_EQ(ParseRedirect("TRYAGAIN Multiple keys request during rehashing of slot").kind,
            Redirect::Kind::kTryAgain);
  EXPECT_EQ(ParseRedirect("CLUSTERDOWN The cluster is down").kind, Redirect::Kind::kClusterDown);
  EXPECT_EQ(ParseRedirect("CLUSTERDOWN Hash slot not served").kind, Redirect::Kind::kClusterDown);
}

TEST(ClusterSlotMapTest, OtherErrorsAndBrokenRedirectsAreNotRedirects) {
  const char* errors[] = {
      "ERR unknown command", "MOVED",
      "MOVED 3999",          "MOVED x 127.0.0.1:1",
      "MOVED 16384 h:1",     "MOVED -1 h:1",
      "MOVED 1 h",           "MOVED 1 h:0",
      "MOVED 1 h:65536",     "ASK 1 h:port",
      "MOVEDX 1 h:1",        "CROSSSLOT Keys in request",
      "WRONGTYPE Operation", "",
  };
  for (const char* error : errors) {
    EXPECT_EQ(ParseRedirect(error).kind, Redirect::Kind::kNone) << error;
  }
}

}  // namespace
}  // namespace redoubt::tools
