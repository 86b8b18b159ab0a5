// Tests of a cluster node's part in failovers, fed bus messages as another node would send them:
// the vote a primary grants a replica (once per epoch, only for a failed primary unless the
// request is a manual failover's, never for stale slots), the election a replica runs when its
// primary fails and wins with a majority of votes, the slots it then claims once replication has
// stopped following, CLUSTER REPLICATE's refusals, and a manual failover's pause.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cluster/cluster_state.h"
#include "storage/keyspace.h"
#include "support/scratch_dir.h"

namespace redoubt::cluster {
namespace {

const std::string kVoterA(40, 'a');
const std::string kFailedB(40, 'b');
const std::string kReplicaOfB(40, 'c');
const std::string kVoterD(40, 'd');

// The messages of one type among those to send.
std::vector<std::pair<uint64_t, BusMessage>> Sent(const BusActions& out, MessageType type) {
  std::vector<std::pair<uint64_t, BusMessage>> found;
  for (const auto& [serial, bytes] : out.to_node) {
    BusMessage m;
    size_t used = 0;
    if (DecodeBusMessage(bytes, &m, &used) == DecodeStatus::kMessage && m.type == type) {
      found.emplace_back(serial, m);
    }
  }
  return found;
}

class FailoverTest : public ::testing::Test {
 protected:
  void SetUp() override { keyspace_.EnableClusterMode(); }
  void TearDown() override { state_.reset(); }

  // Opens a node whose nodes.conf is `lines` (myself first), with hooks that record what
  // replication was asked to do.
  void Open(const std::string& lines) {
    ClusterSettings s;
    s.config_file = (dir_ / "nodes.conf").string();
    s.ip = "127.0.0.1";
    s.port = 7000;
    s.bus_port = 17000;
    s.writable_delay_ms = 0;
    std::ofstream(s.config_file) << lines;
    absl::StatusOr<std::unique_ptr<ClusterState>> state = ClusterState::Open(s, keyspace_);
    ASSERT_TRUE(state.ok()) << state.status();
    state_ = *std::move(state);
    state_->set_replication_hooks(ReplicationHooks{
        .offset = [this] { return offset_; },
        .primary_silence_ms = [] { return int64_t{0}; },
        .follow = [this](
                      const std::string& ip,
                      int port) { calls_.push_back("follow " + ip + ":" + std::to_string(port)); },
        .become_primary = [this] { calls_.push_back("primary"); },
        .pause_writes = [this](int64_t) { calls_.push_back("pause"); },
        .resume_writes = [this] { calls_.push_back("resume"); },
    });
    state_->SyncReplicationRole(nullptr);
    calls_.clear();
  }

  // A header from `sender` as that node would build it.
  BusMessage From(const std::string& sender, MessageType type, uint64_t current_epoch,
                  uint64_t config_epoch, const std::string& primary = "") {
    BusMessage m;
    m.type = type;
    m.sender = sender;
    m.current_epoch = current_epoch;
    m.config_epoch = config_epoch;
    m.primary = primary;
    m.flags = primary.empty() ? kPrimary : kReplica;
    return m;
  }

  uint64_t SerialOf(const std::string& name) {
    for (const ClusterNode& n : state_->View().nodes) {
      if (n.name == name) {
        return n.serial;
      }
    }
    return 0;
  }

  BusActions Deliver(const BusMessage& m) {
    BusActions out;
    state_->HandleBusMessage(m, LinkContext{.outbound = false, .node_serial = SerialOf(m.sender)},
                             &out);
    return out;
  }

  test_support::ScratchDir dir_{"failover"};
  storage::Keyspace keyspace_{16};
  std::unique_ptr<ClusterState> state_;
  uint64_t offset_ = 0;
  std::vector<std::string> calls_;
};

// Myself (a) serves 0-5000; b serves 5001-16383 and c replicates b.
std::string VoterFile(const std::string& b_flags) {
  return kVoterA + " 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5000\n" + kFailedB +
         " 127.0.0.2:7000@17000 " + b_flags + " - 0 0 2 connected 5001-16383\n" + kReplicaOfB +
         " 127.0.0.3:7000@17000 slave " + kFailedB + " 0 0 2 connected\n" +
         "vars currentEpoch 2 lastVoteEpoch 0\n";
}

TEST_F(FailoverTest, APrimaryVotesOncePerEpochForTheReplicaOfAFailedPrimary) {
  Open(VoterFile("master,fail"));
  BusMessage request = From(kReplicaOfB, MessageType::kAuthRequest, 3, 2, kFailedB);
  for (int s = 5001; s < 16384; ++s) {
    request.slots.set(s);
  }
  BusActions out = Deliver(request);
  auto acks = Sent(out, MessageType::kAuthAck);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].first, SerialOf(kReplicaOfB));
  EXPECT_EQ(acks[0].second.current_epoch, 3u);
  EXPECT_EQ(state_->View().last_vote_epoch, 3u);
  // The same epoch again: no second vote.
  EXPECT_TRUE(Sent(Deliver(request), MessageType::kAuthAck).empty());
}

TEST_F(FailoverTest, NoVoteWhileThePrimaryIsUpUnlessAManualFailoverAsks) {
  Open(VoterFile("master"));
  BusMessage request = From(kReplicaOfB, MessageType::kAuthRequest, 3, 2, kFailedB);
  EXPECT_TRUE(Sent(Deliver(request), MessageType::kAuthAck).empty());
  request.current_epoch = 4;
  request.mflags = kMessageForceAck;
  EXPECT_EQ(Sent(Deliver(request), MessageType::kAuthAck).size(), 1u);
}

TEST_F(FailoverTest, NoVoteForSlotsServedUnderAGreaterEpoch) {
  Open(VoterFile("master,fail"));
  // c claims slot 0, which myself serves at epoch 1, with its primary's epoch 0.
  BusMessage request = From(kReplicaOfB, MessageType::kAuthRequest, 3, 0, kFailedB);
  request.slots.set(0);
  EXPECT_TRUE(Sent(Deliver(request), MessageType::kAuthAck).empty());
}

// Myself (c) replicates b (failed), which serves 5001-16383; a and d are the other primaries.
std::string ReplicaFile() {
  return kReplicaOfB + " 127.0.0.3:7000@17000 myself,slave " + kFailedB + " 0 0 2 connected\n" +
         kVoterA + " 127.0.0.1:7000@17000 master - 0 0 1 connected 0-2000\n" + kFailedB +
         " 127.0.0.2:7000@17000 master,fail - 0 0 2 connected 5001-16383\n" + kVoterD +
         " 127.0.0.4:7000@17000 master - 0 0 3 connected 2001-5000\n" +
         "vars currentEpoch 3 lastVoteEpoch 0\n";
}

TEST_F(FailoverTest, AReplicaWinsItsElectionAndClaimsItsPrimarysSlots) {
  Open(ReplicaFile());
  // Ticks until the election starts (500–1000 ms from the first one).
  BusActions out;
  for (int i = 0; i < 40 && state_->View().current_epoch == 3; ++i) {
    out = BusActions{};
    state_->BusCron([](uint64_t) { return true; }, &out);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(state_->View().current_epoch, 4u) << "no election started";
  auto requests = Sent(out, MessageType::kAuthRequest);
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(requests[0].second.primary, kFailedB);
  EXPECT_EQ(requests[0].second.config_epoch, 2u);
  // Two of the three primaries with slots vote: a majority.
  Deliver(From(kVoterA, MessageType::kAuthAck, 4, 1));
  EXPECT_FALSE(state_->role_changed());
  Deliver(From(kVoterD, MessageType::kAuthAck, 4, 3));
  EXPECT_TRUE(state_->role_changed());
  // The slots are claimed once replication stopped following b.
  EXPECT_TRUE(state_->View().nodes[0].slots.none());
  BusActions claim;
  state_->SyncReplicationRole(&claim);
  EXPECT_EQ(calls_, std::vector<std::string>{"primary"});
  const ClusterNode me = state_->View().nodes[0];
  EXPECT_TRUE(me.is_primary());
  EXPECT_EQ(me.config_epoch, 4u);
  EXPECT_EQ(me.slots.count(), 16384u - 5001u);
  EXPECT_FALSE(Sent(claim, MessageType::kPong).empty());
}

TEST_F(FailoverTest, ReplicateRefusesWhatRedisRefuses) {
  Open(VoterFile("master"));
  EXPECT_EQ(state_->Replicate(kVoterA).message(), "ERR Can't replicate myself");
  EXPECT_EQ(state_->Replicate(kReplicaOfB).message(),
            "ERR I can only replicate a master, not a replica.");
  EXPECT_EQ(state_->Replicate(std::string(40, 'f')).message(),
            "ERR Unknown node " + std::string(40, 'f'));
  EXPECT_EQ(state_->Replicate(kFailedB).message(),
            "ERR To set a master the node must be empty and without assigned slots.");
  EXPECT_EQ(state_->Failover(ClusterState::FailoverKind::kDefault).message(),
            "ERR You should send CLUSTER FAILOVER to a replica");
}

TEST_F(FailoverTest, AnEmptyPrimaryBecomesAReplicaAndFollows) {
  Open(kVoterA + " 127.0.0.1:7000@17000 myself,master - 0 0 0 connected\n" + kFailedB +
       " 127.0.0.2:7001@17001 master - 0 0 2 connected 0-16383\n" +
       "vars currentEpoch 2 lastVoteEpoch 0\n");
  ASSERT_TRUE(state_->Replicate(kFailedB).ok());
  state_->SyncReplicationRole(nullptr);
  EXPECT_EQ(calls_, std::vector<std::string>{"follow 127.0.0.2:7001"});
  EXPECT_TRUE(state_->View().nodes[0].is_replica());
}

TEST_F(FailoverTest, MfstartPausesThePrimaryAndItsPingsCarryThePausedOffset) {
  // Myself (a) serves every slot; c replicates it, b is a primary without slots.
  Open(kVoterA + " 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-16383\n" + kReplicaOfB +
       " 127.0.0.3:7000@17000 slave " + kVoterA + " 0 0 1 connected\n" + kFailedB +
       " 127.0.0.2:7000@17000 master - 0 0 2 connected\n" +
       "vars currentEpoch 2 lastVoteEpoch 0\n");
  offset_ = 1234;
  // A node that is not this primary's replica is ignored.
  Deliver(From(kFailedB, MessageType::kMfStart, 2, 2));
  EXPECT_TRUE(calls_.empty());
  BusActions out = Deliver(From(kReplicaOfB, MessageType::kMfStart, 2, 1, kVoterA));
  EXPECT_EQ(calls_, std::vector<std::string>{"pause"});
  EXPECT_TRUE(state_->manual_failover_in_progress());
  auto pings = Sent(out, MessageType::kPing);
  ASSERT_EQ(pings.size(), 1u);
  EXPECT_EQ(pings[0].first, SerialOf(kReplicaOfB));
  EXPECT_TRUE(pings[0].second.mflags & kMessagePaused);
  EXPECT_EQ(pings[0].second.offset, 1234u);
}

}  // namespace
}  // namespace redoubt::cluster
