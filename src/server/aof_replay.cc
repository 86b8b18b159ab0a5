// Replaying AOF commands; see aof_replay.h.
#include "server/aof_replay.h"

#include <string>

#include "commands/client.h"
#include "commands/command_stats.h"
#include "commands/dispatcher.h"
#include "protocol/reply_writer.h"
#include "security/acl_user.h"
#include "storage/keyspace.h"

namespace redoubt::server {
namespace {

class ReplayClient final : public commands::Client {
 public:
  ReplayClient(std::shared_ptr<const security::AclUser> user, bool primary_link)
      : user_(std::move(user)), writer_(&output_), primary_link_(primary_link) {}

  uint64_t id() const override { return 0; }
  const std::string& peer_address() const override { return peer_; }
  std::string NameForLog() const override { return ""; }
  std::string DescribeForLog() const override { return primary_link_ ? "master" : "aof-loader"; }
  bool is_primary_link() const override { return primary_link_; }
  protocol::ReplyWriter& reply() override {
    output_.clear();  // replies are not kept
    return writer_;
  }
  bool authenticated() const override { return true; }
  const security::AclUser& user() const override { return *user_; }
  bool RefreshUser(uint64_t) override { return true; }

 private:
  std::shared_ptr<const security::AclUser> user_;
  std::string output_;
  protocol::ReplyWriter writer_;
  const bool primary_link_;
  const std::string peer_ = "aof";
};

// What the runner keeps between commands: the client (its SELECTed database), a dispatcher
// and its own counters, so that INFO commandstats shows only what clients ran.
struct ReplayState {
  ReplayState(const commands::ExecutionServices& services, bool primary_link)
      : client(MakeUser(services), primary_link),
        stats(services.table.stats_slots()),
        dispatcher(services, stats) {}

  static std::shared_ptr<const security::AclUser> MakeUser(
      const commands::ExecutionServices& services) {
    auto user = std::make_shared<security::AclUser>("aof-loader", services.acl.catalog(), true);
    for (std::string_view rule : {"+@all", "~*", "&*", "on", "nopass"}) {
      user->Apply(rule, services.acl.catalog(), true);
    }
    return user;
  }

  ReplayClient client;
  commands::CommandStats stats;
  commands::Dispatcher dispatcher;
};

}  // namespace

persistence::AofCommandRunner MakeAofReplayRunner(const commands::ExecutionServices& services) {
  auto state = std::make_shared<ReplayState>(services, false);
  return [state, &services](std::span<const std::string_view> argv) -> absl::Status {
    if (services.table.Resolve(argv) == nullptr) {
      return absl::InvalidArgumentError("Unknown command '" + std::string(argv[0]) + "'");
    }
    state->dispatcher.Execute(state->client, argv);
    return absl::OkStatus();
  };
}

std::function<bool(std::span<const std::string_view>)> MakePrimaryLinkRunner(
    const commands::ExecutionServices& services) {
  auto state = std::make_shared<ReplayState>(services, true);
  return [state](std::span<const std::string_view> argv) {
    // The primary's commands see the keys whose time passed here (its DEL removes them).
    storage::Keyspace::PrimaryStreamScope primary_stream;
    return state->dispatcher.Execute(state->client, argv) != commands::Dispatcher::Outcome::kHeld;
  };
}

}  // namespace redoubt::server
