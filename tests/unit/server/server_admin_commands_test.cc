// Tests that the server's own commands (CONFIG, INFO, LASTSAVE, SHUTDOWN, ACL SAVE, LATENCY,
// MEMORY) reach the node through their command context (ServerAdmin) and not through the
// connection they came from: they run here for a test client that is no connection, against a
// recording administration, through the real dispatcher.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "server/acl_command.h"
#include "server/config_command.h"
#include "server/info_command.h"
#include "server/latency_command.h"
#include "server/memory_command.h"
#include "server/server_admin.h"
#include "server/server_commands.h"
#include "support/command_harness.h"

namespace redoubt::server {
namespace {

// Answers from fixed values and records what it was asked to do.
class RecordingAdmin final : public ServerAdmin {
 public:
  Config config() const override { return config_; }
  absl::Status SetConfig(const std::vector<std::pair<std::string, std::string>>& changes,
                         bool caller_is_local) override {
    set_calls.push_back(changes);
    last_caller_is_local = caller_is_local;
    return absl::OkStatus();
  }
  absl::Status RewriteConfig() override {
    return absl::FailedPreconditionError("The server is running without a config file");
  }
  void ResetStats() override { ++reset_stats_calls; }
  absl::Status SaveAclFile() override {
    return absl::FailedPreconditionError(
        "This Redis instance is not configured to use an ACL file.");
  }
  absl::Status LoadAclFile() override { return absl::OkStatus(); }
  void CloseRevokedUserClients() override {}
  void CloseSubscribersWithoutPermission() override {}
  ClientRegistry& clients() override { return clients_; }
  PubSubRegistry& pubsub() override { return pubsub_; }
  std::string Info(std::span<const std::string_view> sections) override {
    info_sections.assign(sections.begin(), sections.end());
    return "# Server\r\nredis_version:test\r\n";
  }
  MemoryOverhead MemoryNow(ClientMemory* clients) override {
    clients->clients = 3;
    MemoryOverhead mh;
    mh.total_allocated = 4096;
    return mh;
  }
  commands::LatencyDistribution LatencyOf(const commands::CommandSpec&) override { return {}; }
  int64_t last_save_seconds() const override { return 1234; }
  void RequestShutdown() override { ++shutdown_requests; }
  void RequestShutdownSaving(ShutdownSave save) override {
    last_shutdown_save = save;
    ++shutdown_requests;
  }
  SnapshotService& snapshots() override { std::abort(); }       // no test here saves
  AofService& aof() override { std::abort(); }                  // nor rewrites
  ReplicationService& replication() override { std::abort(); }  // nor replicates
  void RecordReplicaOf(std::string) override { std::abort(); }
  cluster::ClusterState* cluster() override { return nullptr; }
  void PublishToCluster(std::string_view, std::string_view, bool) override {}
  ShutdownSave last_shutdown_save = ShutdownSave::kDefault;

  Config config_;
  std::vector<std::vector<std::pair<std::string, std::string>>> set_calls;
  bool last_caller_is_local = true;
  int reset_stats_calls = 0;
  int shutdown_requests = 0;
  std::vector<std::string> info_sections;  // copies: the arguments end with the command

 private:
  ClientRegistry clients_;
  PubSubRegistry pubsub_;
};

class ServerAdminCommandsTest : public ::testing::Test {
 protected:
  ServerAdminCommandsTest()
      : h_(16, [](commands::CommandTable& table) {
          RegisterConfigCommand(table);
          RegisterServerCommands(table);
          RegisterInfoCommand(table);
          RegisterLatencyCommand(table);
          RegisterMemoryCommand(table);
          RegisterAclCommand(table);
        }) {
    h_.set_admin(&admin_);
  }

  RecordingAdmin admin_;
  test_support::CommandHarness h_;
};

TEST_F(ServerAdminCommandsTest, ConfigGetReadsTheAdministrationsConfig) {
  admin_.config_.maxmemory = 1048576;
  EXPECT_EQ(h_.Run({"CONFIG", "GET", "maxmemory"}), "*2\r\n$9\r\nmaxmemory\r\n$7\r\n1048576\r\n");
}

TEST_F(ServerAdminCommandsTest, ConfigSetHandsEveryPairOver) {
  EXPECT_EQ(h_.Run({"CONFIG", "SET", "maxmemory", "10mb", "requirepass", "s3cret"}), "+OK\r\n");
  ASSERT_EQ(admin_.set_calls.size(), 1u);
  std::vector<std::pair<std::string, std::string>> expected = {{"maxmemory", "10mb"},
                                                               {"requirepass", "s3cret"}};
  EXPECT_EQ(admin_.set_calls[0], expected);
  // A client that is no socket is not local (enable-protected-configs local refuses it).
  EXPECT_FALSE(admin_.last_caller_is_local);
}

TEST_F(ServerAdminCommandsTest, ConfigSetNetworkAllowNeedsNoConnection) {
  // The lock-out check looks at the caller's source; a client without one is not refused.
  EXPECT_EQ(h_.Run({"CONFIG", "SET", "network-allow", "10.0.0.0/8"}), "+OK\r\n");
  EXPECT_EQ(admin_.set_calls.size(), 1u);
}

TEST_F(ServerAdminCommandsTest, ResetStatRewriteLastSaveAndShutdownReachTheAdministration) {
  EXPECT_EQ(h_.Run({"CONFIG", "RESETSTAT"}), "+OK\r\n");
  EXPECT_EQ(admin_.reset_stats_calls, 1);
  EXPECT_EQ(h_.Run({"CONFIG", "REWRITE"}), "-ERR The server is running without a config file\r\n");
  EXPECT_EQ(h_.Run({"LASTSAVE"}), ":1234\r\n");
  h_.Run({"SHUTDOWN", "NOSAVE"});
  EXPECT_EQ(admin_.shutdown_requests, 1);
}

TEST_F(ServerAdminCommandsTest, InfoPassesTheSectionsAndRepliesWithTheText) {
  std::string reply = h_.Run({"INFO", "server", "clients"});
  EXPECT_EQ(reply, "$30\r\n# Server\r\nredis_version:test\r\n\r\n");
  ASSERT_EQ(admin_.info_sections.size(), 2u);
  EXPECT_EQ(admin_.info_sections[0], "server");
  EXPECT_EQ(admin_.info_sections[1], "clients");
}

TEST_F(ServerAdminCommandsTest, AclSaveRepliesWithTheAdministrationsError) {
  EXPECT_EQ(h_.Run({"ACL", "SAVE"}),
            "-ERR This Redis instance is not configured to use an ACL file.\r\n");
}

TEST_F(ServerAdminCommandsTest, MemoryStatsAndLatencyHistogramReadTheAdministration) {
  std::string stats = h_.Run({"MEMORY", "STATS"});
  EXPECT_NE(stats.find("$15\r\ntotal.allocated\r\n:4096\r\n"), std::string::npos) << stats;
  EXPECT_EQ(h_.Run({"LATENCY", "HISTOGRAM"}), "*0\r\n");  // RESP2 shows the empty map as *0
}

}  // namespace
}  // namespace redoubt::server
