// Tests of nodes.conf's format: a file as redis-server 7.0 writes it reads back to the same
// nodes, slots, transfers and epochs, and bad lines are refused with the line named.
#include "cluster/nodes_file.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace redoubt::cluster {
namespace {

const std::string kMe(40, 'a');
const std::string kPeer(40, 'b');
const std::string kReplicaNode(40, 'c');

TEST(NodesFileTest, ReadsRedisFileAndWritesItBack) {
  const std::string text =
      kMe + " 127.0.0.1:30001@40001,node1.example myself,master - 0 0 3 connected 0-5 7 " +
      "[8->-" + kPeer + "] [9-<-" + kPeer + "]\n" + kPeer +
      " 127.0.0.1:30002@40002 master - 0 1700000000000 2 connected 10-16383\n" + kReplicaNode +
      " 127.0.0.1:30003@40003 slave " + kPeer + " 0 1700000000000 2 disconnected\n" +
      "vars currentEpoch 5 lastVoteEpoch 4\n";
  absl::StatusOr<NodesFile> file = ParseNodesFile(text);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_EQ(file->nodes.size(), 3u);
  const ClusterNode& me = file->nodes[0];
  EXPECT_TRUE(me.is_myself() && me.is_primary());
  EXPECT_EQ(me.ip, "127.0.0.1");
  EXPECT_EQ(me.port, 30001);
  EXPECT_EQ(me.cport, 40001);
  EXPECT_EQ(me.hostname, "node1.example");
  EXPECT_EQ(me.config_epoch, 3u);
  EXPECT_EQ(me.slots.count(), 7u);
  EXPECT_TRUE(me.slots.test(7) && !me.slots.test(6));
  ASSERT_EQ(file->transfers.size(), 2u);
  EXPECT_FALSE(file->transfers[0].importing);
  EXPECT_TRUE(file->transfers[1].importing);
  EXPECT_EQ(file->transfers[1].peer, kPeer);
  EXPECT_EQ(file->nodes[2].primary_name, kPeer);
  EXPECT_TRUE(file->nodes[2].is_replica());
  EXPECT_EQ(file->current_epoch, 5u);
  EXPECT_EQ(file->last_vote_epoch, 4u);
  EXPECT_EQ(FormatNodesFile(*file), text);
}

TEST(NodesFileTest, FlagsText) {
  EXPECT_EQ(FlagsText(kMyself | kPrimary), "myself,master");
  EXPECT_EQ(FlagsText(kPrimary | kPfail), "master,fail?");
  EXPECT_EQ(FlagsText(0), "noflags");
  EXPECT_EQ(ParseFlagsText("myself,slave,fail"), uint16_t{kMyself | kReplica | kFail});
}

TEST(NodesFileTest, RefusesCorruptFiles) {
  const std::string me_line = kMe + " 127.0.0.1:1@2 myself,master - 0 0 0 connected";
  for (const std::string& bad : std::vector<std::string>{
           std::string("garbage\n"),
           kMe + " 127.0.0.1:1@2 master - 0 0 0 connected\n",  // no myself
           "xyz 127.0.0.1:1@2 myself,master - 0 0 0 connected\n",
           kMe + " 127.0.0.1 myself,master - 0 0 0 connected\n",
           me_line + " 16384\n",
           me_line + " 9-3\n",
           me_line + " [5->-]x\n",
           me_line + "\n" + me_line + "\n",
           me_line + "\nvars currentEpoch x\n",
       }) {
    absl::StatusOr<NodesFile> file = ParseNodesFile(bad);
    EXPECT_FALSE(file.ok()) << bad;
    if (!file.ok()) {
      EXPECT_NE(file.status().message().find("corrupted cluster config file"), std::string::npos);
    }
  }
}

TEST(NodesFileTest, NodeNames) {
  EXPECT_TRUE(IsNodeName(kMe));
  EXPECT_FALSE(IsNodeName(std::string(40, 'A')));
  EXPECT_FALSE(IsNodeName(std::string(39, 'a')));
}

}  // namespace
}  // namespace redoubt::cluster
