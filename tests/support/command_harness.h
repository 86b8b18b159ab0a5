// In-process command runner for unit tests: every command family of src/commands/ in a
// CommandTable, a Keyspace, an ACL registry with the default user, and a test client whose
// replies go into a string. Run() executes one command through the real commands::Dispatcher
// (the same stages and error texts as a network connection) and returns the raw RESP reply,
// so a test can assert bytes: EXPECT_EQ(h.Run({"TTL", "k"}), ":-2\r\n").
//
// Server-side commands (CLIENT, CONFIG, INFO, …) live in src/server/: a server test registers
// the families it needs (register_more) and gives them an administration to reach
// (set_admin), so that they run for a client that is no connection. Thread: single-threaded;
// one harness per test.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "commands/acl_key_access.h"
#include "commands/bitmap_commands.h"
#include "commands/client.h"
#include "commands/client_pause.h"
#include "commands/command_stats.h"
#include "commands/command_table.h"
#include "commands/database_commands.h"
#include "commands/dispatcher.h"
#include "commands/execution_services.h"
#include "commands/expire_commands.h"
#include "commands/geo_commands.h"
#include "commands/hash_commands.h"
#include "commands/hyperloglog_commands.h"
#include "commands/key_commands.h"
#include "commands/key_listing_commands.h"
#include "commands/list_commands.h"
#include "commands/object_commands.h"
#include "commands/set_commands.h"
#include "commands/slowlog.h"
#include "commands/sort_commands.h"
#include "commands/stream_commands.h"
#include "commands/string_commands.h"
#include "commands/zset_commands.h"
#include "common/shared_bytes.h"
#include "protocol/reply_writer.h"
#include "security/acl_registry.h"
#include "storage/keyspace.h"

namespace redoubt::test_support {

// The bytes of an error reply with this text, as Run() returns them.
inline std::string Err(std::string_view text) {
  return "-" + std::string(text) + "\r\n";
}

// A client that is not a socket: the default user (or another, set by a test), replies into
// a string.
class TestClient final : public commands::Client {
 public:
  explicit TestClient(std::shared_ptr<const security::AclUser> user)
      : user_(std::move(user)), writer_(&output_) {}

  uint64_t id() const override { return 1; }
  const std::string& peer_address() const override { return peer_; }
  std::string NameForLog() const override { return {}; }
  std::string DescribeForLog() const override { return "id=1 addr=" + peer_; }
  protocol::ReplyWriter& reply() override { return writer_; }
  bool authenticated() const override { return authenticated_; }
  const security::AclUser& user() const override { return *user_; }
  bool RefreshUser(uint64_t) override { return true; }

  common::SharedBytesRef LargeArgument(std::string_view arg) const override {
    if (large_argument_ && arg.data() == large_argument_->data()) {
      return large_argument_.Copy();
    }
    return {};
  }

  void set_user(std::shared_ptr<const security::AclUser> user, bool authenticated) {
    user_ = std::move(user);
    authenticated_ = authenticated;
  }
  // A block an argument was read into, as a connection reads a large bulk: an argument that
  // views its bytes is offered to handlers as Client::LargeArgument.
  void set_large_argument(common::SharedBytesRef block) { large_argument_ = std::move(block); }
  std::string& output() { return output_; }

 private:
  std::shared_ptr<const security::AclUser> user_;
  bool authenticated_ = true;
  std::string peer_ = "test:0";
  std::string output_;
  protocol::ReplyWriter writer_;
  common::SharedBytesRef large_argument_;
};

class CommandHarness {
 public:
  explicit CommandHarness(int databases = 16,
                          const std::function<void(commands::CommandTable&)>& register_more = {})
      : keyspace_(databases) {
    commands::RegisterStringCommands(table_);
    commands::RegisterKeyCommands(table_);
    commands::RegisterExpireCommands(table_);
    commands::RegisterKeyListingCommands(table_);
    commands::RegisterDatabaseCommands(table_);
    commands::RegisterObjectCommands(table_);
    commands::RegisterListCommands(table_);
    commands::RegisterHashCommands(table_);
    commands::RegisterStreamCommands(table_);
    commands::RegisterStreamInfoCommands(table_);
    commands::RegisterStreamGroupCommands(table_);
    commands::RegisterSetCommands(table_);
    commands::RegisterSetAlgebraCommands(table_);
    commands::RegisterZsetCommands(table_);
    commands::RegisterZsetRangeCommands(table_);
    commands::RegisterZsetAlgebraCommands(table_);
    commands::RegisterBitmapCommands(table_);
    commands::RegisterSortCommands(table_);
    commands::RegisterHyperLogLogCommands(table_);
    commands::RegisterGeoCommands(table_);
    if (register_more) {
      register_more(table_);
    }
    acl_ = std::make_unique<security::AclRegistry>(commands::BuildAclCatalog(table_));
    acl_key_access_ = std::make_unique<commands::AclKeyAccess>(table_);
    stats_ = std::make_unique<commands::CommandStats>(table_.stats_slots());
    services_ = std::make_unique<commands::ExecutionServices>(commands::ExecutionServices{
        .table = table_,
        .keyspace = keyspace_,
        .settings = settings_,
        .acl = *acl_,
        .acl_key_access = *acl_key_access_,
        .pause = pause_,
        .slowlog = slowlog_,
        .monitors = no_monitors_,
        .pubsub = bus_,
    });
    dispatcher_ = std::make_unique<commands::Dispatcher>(*services_, *stats_);
    client_ = std::make_unique<TestClient>(acl_->Find("default"));
  }

  // Runs one command and returns its reply bytes.
  std::string Run(const std::vector<std::string>& command) {
    return RunArgs(std::vector<std::string_view>(command.begin(), command.end()));
  }
  // As Run, with arguments that view bytes the caller keeps (e.g. a large argument's block).
  std::string RunArgs(const std::vector<std::string_view>& args) {
    client_->output().clear();
    uint64_t dirty_before = stats_->dirty.Get();
    dispatcher_->Execute(*client_, args);
    dirty_ = stats_->dirty.Get() - dirty_before;
    return client_->output();
  }

  // The changes the last command counted (CommandContext::dirty, Redis's server.dirty).
  uint64_t dirty() const { return dirty_; }

  storage::Keyspace& keyspace() { return keyspace_; }
  TestClient& client() { return *client_; }
  commands::RuntimeSettings& settings() { return settings_; }
  protocol::ReplyWriter& writer() { return client_->reply(); }
  security::AclRegistry& acl() { return *acl_; }
  commands::CommandStats& stats() { return *stats_; }
  // Messages published so far (PUBLISH, keyspace notifications), as "channel message".
  std::vector<std::string>& published() { return bus_.published; }
  const commands::ExecutionServices& services() const { return *services_; }
  // What server commands reach through their context (server::ServerAdmin).
  void set_admin(commands::AdminServices* admin) { services_->admin = admin; }
  // Cluster mode's slot routing (cluster/slot_router.h).
  void set_cluster(commands::ClusterRouting* router) { services_->cluster = router; }

 private:
  class NoMonitors final : public commands::MonitorFeed {
   public:
    bool active() const override { return false; }
    void Feed(const std::string&) override {}
  };

  // Records what is published; no client subscribes, so every PUBLISH reaches 0 clients.
  class RecordingBus final : public commands::MessageBus {
   public:
    int64_t Publish(std::string_view channel, std::string_view message,
                    const commands::Client*) override {
      published.push_back(std::string(channel) + " " + std::string(message));
      return 0;
    }
    std::vector<std::string> published;
  };

  commands::CommandTable table_;
  storage::Keyspace keyspace_;
  commands::RuntimeSettings settings_;
  commands::ClientPause pause_;
  commands::Slowlog slowlog_;
  NoMonitors no_monitors_;
  RecordingBus bus_;
  std::unique_ptr<security::AclRegistry> acl_;
  std::unique_ptr<commands::AclKeyAccess> acl_key_access_;
  std::unique_ptr<commands::CommandStats> stats_;
  std::unique_ptr<commands::ExecutionServices> services_;
  std::unique_ptr<commands::Dispatcher> dispatcher_;
  std::unique_ptr<TestClient> client_;
  uint64_t dirty_ = 0;
};

}  // namespace redoubt::test_support
