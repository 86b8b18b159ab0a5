// Tests of cluster slot routing through the real dispatcher: CLUSTERDOWN for unserved slots
// and while the cluster is down (reads allowed by cluster-allow-reads-when-down), CROSSSLOT,
// MOVED to the node that serves a slot, ASK and TRYAGAIN for a slot being migrated, ASKING
// for a slot being imported, READONLY reads; and ClusterState's file: saved on each change,
// read back at start, locked against a second node.
#include "cluster/slot_router.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "cluster/cluster_state.h"
#include "common/hash_slot.h"
#include "support/command_harness.h"
#include "support/scratch_dir.h"

namespace redoubt::cluster {
namespace {

using test_support::CommandHarness;
using test_support::Err;

const std::string kOtherNode(40, 'e');

// A node with its own nodes.conf in a temporary directory, routing the harness's commands.
class SlotRouterTest : public ::testing::Test {
 protected:
  void SetUp() override { h_.keyspace().EnableClusterMode(); }
  void TearDown() override {
    h_.set_cluster(nullptr);
    router_.reset();
    state_.reset();
  }

  ClusterSettings Settings() {
    ClusterSettings s;
    s.config_file = (dir_ / "nodes.conf").string();
    s.ip = "127.0.0.1";
    s.port = 7000;
    s.bus_port = 17000;
    s.writable_delay_ms = 0;
    return s;
  }

  // Opens the node, optionally from a file that also names kOtherNode serving 8192-16383.
  void Open(bool with_other = false, ClusterSettings settings = {}) {
    if (settings.config_file.empty()) {
      settings = Settings();
    }
    if (with_other) {
      std::ofstream(settings.config_file)
          << std::string(40, 'd') << " 127.0.0.1:7000@17000 myself,master - 0 0 1 connected "
          << "0-8191\n"
          << kOtherNode << " 127.0.0.2:7001@17001 master - 0 0 2 connected 8192-16383\n"
          << "vars currentEpoch 2 lastVoteEpoch 0\n";
    }
    absl::StatusOr<std::unique_ptr<ClusterState>> state =
        ClusterState::Open(settings, h_.keyspace());
    ASSERT_TRUE(state.ok()) << state.status();
    state_ = *std::move(state);
    router_ = std::make_unique<SlotRouter>(*state_, h_.services().table, h_.keyspace());
    h_.set_cluster(router_.get());
  }

  test_support::ScratchDir dir_{"slot-router"};
  CommandHarness h_;
  std::unique_ptr<ClusterState> state_;
  std::unique_ptr<SlotRouter> router_;
};

std::vector<int> AllSlots() {
  std::vector<int> slots;
  for (int s = 0; s < common::kClusterSlots; ++s) {
    slots.push_back(s);
  }
  return slots;
}

TEST_F(SlotRouterTest, UnservedSlotsAndCrossSlot) {
  Open();
  EXPECT_EQ(h_.Run({"SET", "foo", "1"}), Err("CLUSTERDOWN Hash slot not served"));
  EXPECT_EQ(h_.Run({"DBSIZE"}), ":0\r\n");  // no keys: never routed
  ASSERT_TRUE(state_->AddSlots(AllSlots()).ok());
  EXPECT_EQ(h_.Run({"SET", "foo", "1"}), "+OK\r\n");
  EXPECT_EQ(h_.Run({"MSET", "a", "1", "b", "2"}),
            Err("CROSSSLOT Keys in request don't hash to the same slot"));
  EXPECT_EQ(h_.Run({"MSET", "{a}1", "1", "{a}2", "2"}), "+OK\r\n");
  EXPECT_EQ(h_.Run({"DEL", "foo", "foo"}), ":1\r\n");  // the same key twice is one slot
}

TEST_F(SlotRouterTest, DownClusterRefusesUnlessReadsAreAllowed) {
  ClusterSettings s = Settings();
  Open(false, s);
  ASSERT_TRUE(state_->AddSlots({common::KeyHashSlot("foo")}).ok());  // not full coverage
  EXPECT_EQ(h_.Run({"GET", "foo"}), Err("CLUSTERDOWN The cluster is down"));
  s.allow_reads_when_down = true;
  state_->UpdateSettings(s);
  EXPECT_EQ(h_.Run({"GET", "foo"}), "$-1\r\n");
  EXPECT_EQ(h_.Run({"SET", "foo", "1"}),
            Err("CLUSTERDOWN The cluster is down and only accepts read commands"));
  s.require_full_coverage = false;
  state_->UpdateSettings(s);
  state_->Cron();
  EXPECT_EQ(h_.Run({"SET", "foo", "1"}), "+OK\r\n");
}

// Redis's writable delay: a primary that loaded a nodes.conf waits before its slots turn
// writable (its peers may have moved them while it was down); a new node has nothing to learn.
TEST_F(SlotRouterTest, OnlyARestartedPrimaryWaitsBeforeTakingWrites) {
  ClusterSettings s = Settings();
  s.writable_delay_ms = 60000;  // far longer than the test
  Open(false, s);
  ASSERT_TRUE(state_->AddSlots(AllSlots()).ok());
  state_->Cron();
  EXPECT_EQ(h_.Run({"SET", "foo", "1"}), "+OK\r\n");
  TearDown();
  // The same node again, from the nodes.conf it wrote: the delay applies.
  Open(false, s);
  state_->Cron();
  EXPECT_EQ(h_.Run({"SET", "foo", "1"}), Err("CLUSTERDOWN The cluster is down"));
}

TEST_F(SlotRouterTest, MovedToTheNodeThatServesTheSlot) {
  Open(/*with_other=*/true);
  state_->Cron();
  const int foo = common::KeyHashSlot("foo");  // 12182: the other node's
  EXPECT_EQ(h_.Run({"GET", "foo"}), Err("MOVED " + std::to_string(foo) + " 127.0.0.2:7001"));
  EXPECT_EQ(h_.Run({"GET", "bar"}), "$-1\r\n");  // 5061: ours
  h_.client().cluster_readonly = true;           // READONLY on a primary changes nothing
  EXPECT_EQ(h_.Run({"GET", "foo"}), Err("MOVED " + std::to_string(foo) + " 127.0.0.2:7001"));
}

TEST_F(SlotRouterTest, MigratingSlotAsksForMissingKeys) {
  Open(/*with_other=*/true);
  const int slot = common::KeyHashSlot("bar");
  ASSERT_EQ(h_.Run({"SET", "{bar}here", "1"}), "+OK\r\n");
  ASSERT_TRUE(state_->SetSlot(slot, ClusterState::SlotState::kMigrating, kOtherNode).ok());
  EXPECT_EQ(h_.Run({"GET", "{bar}here"}), "$1\r\n1\r\n");
  EXPECT_EQ(h_.Run({"GET", "{bar}gone"}), Err("ASK " + std::to_string(slot) + " 127.0.0.2:7001"));
  EXPECT_EQ(h_.Run({"MGET", "{bar}here", "{bar}gone"}),
            Err("TRYAGAIN Multiple keys request during rehashing of slot"));
  // The slot cannot be given away while it still holds the key.
  EXPECT_FALSE(state_->SetSlot(slot, ClusterState::SlotState::kNode, kOtherNode).ok());
  ASSERT_EQ(h_.Run({"DEL", "{bar}here"}), ":1\r\n");
  EXPECT_TRUE(state_->SetSlot(slot, ClusterState::SlotState::kNode, kOtherNode).ok());
  EXPECT_EQ(h_.Run({"GET", "{bar}here"}), Err("MOVED " + std::to_string(slot) + " 127.0.0.2:7001"));
}

TEST_F(SlotRouterTest, ImportingSlotServesAskingClients) {
  Open(/*with_other=*/true);
  const int slot = common::KeyHashSlot("foo");
  ASSERT_TRUE(state_->SetSlot(slot, ClusterState::SlotState::kImporting, kOtherNode).ok());
  EXPECT_EQ(h_.Run({"GET", "foo"}), Err("MOVED " + std::to_string(slot) + " 127.0.0.2:7001"));
  h_.client().cluster_asking = true;  // what ASKING sets (its handler is a server command)
  EXPECT_EQ(h_.Run({"SET", "foo", "1"}), "+OK\r\n");
  EXPECT_FALSE(h_.client().cluster_asking);  // for one command only
  EXPECT_EQ(h_.Run({"GET", "foo"}), Err("MOVED " + std::to_string(slot) + " 127.0.0.2:7001"));
  h_.client().cluster_asking = true;
  EXPECT_EQ(h_.Run({"MSET", "{foo}a", "1", "{foo}b", "2"}),
            Err("TRYAGAIN Multiple keys request during rehashing of slot"));
  // SETSLOT NODE myself ends the import with a new epoch.
  ASSERT_TRUE(state_->SetSlot(slot, ClusterState::SlotState::kNode, state_->my_name()).ok());
  EXPECT_EQ(h_.Run({"GET", "foo"}), "$1\r\n1\r\n");
  EXPECT_EQ(state_->Info().my_epoch, 3u);
}

TEST_F(SlotRouterTest, StateIsSavedReadBackAndLocked) {
  Open();
  ASSERT_TRUE(state_->AddSlots({1, 2, 3, 100}).ok());
  EXPECT_TRUE(state_->BumpEpoch());
  EXPECT_FALSE(state_->BumpEpoch());
  const std::string name = state_->my_name();
  // A second node on the same file is refused while this one holds it.
  absl::StatusOr<std::unique_ptr<ClusterState>> second =
      ClusterState::Open(Settings(), h_.keyspace());
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("already used by a different Redis Cluster node"),
            std::string::npos);
  h_.set_cluster(nullptr);
  router_.reset();
  state_.reset();
  Open();
  EXPECT_EQ(state_->my_name(), name);
  ClusterInfo info = state_->Info();
  EXPECT_EQ(info.slots_assigned, 4);
  EXPECT_EQ(info.current_epoch, 1u);
  EXPECT_EQ(info.my_epoch, 1u);
  ASSERT_TRUE(state_->Reset(/*hard=*/true).ok());
  EXPECT_NE(state_->my_name(), name);
  EXPECT_EQ(state_->Info().slots_assigned, 0);
}

}  // namespace
}  // namespace redoubt::cluster
