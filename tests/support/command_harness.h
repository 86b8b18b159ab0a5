// In-process command runner for unit tests: a CommandTable with the command families under
// test, a Keyspace, a Session and a ReplyWriter writing into a string. Run() dispatches one
// command the way server::Connection::Execute does (subcommand routing, arity check, shard
// locks from the key spec or all shards for kWholeKeyspace) and returns the raw RESP reply, so
// a test can assert bytes: EXPECT_EQ(h.Run({"TTL", "k"}), ":-2\r\n").
//
// Not covered: ACLs, maxmemory eviction, MULTI, client pause, statistics; those belong to
// server tests. Thread: single-threaded; one harness per test.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command_context.h"
#include "commands/command_spec.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "commands/key_commands.h"
#include "commands/list_commands.h"
#include "commands/string_commands.h"
#include "protocol/reply_writer.h"
#include "storage/keyspace.h"

namespace redoubt::test_support {

class CommandHarness {
 public:
  explicit CommandHarness(int databases = 16) : keyspace_(databases), writer_(&output_) {
    commands::RegisterStringCommands(table_);
    commands::RegisterKeyCommands(table_);
    commands::RegisterListCommands(table_);
  }

  // Runs one command and returns its reply bytes.
  std::string Run(const std::vector<std::string>& command) {
    std::vector<std::string_view> args(command.begin(), command.end());
    output_.clear();
    dirty_ = 0;
    Dispatch(args);
    return output_;
  }

  // The changes the last command counted (CommandContext::dirty, Redis's server.dirty).
  uint64_t dirty() const { return dirty_; }

  storage::Keyspace& keyspace() { return keyspace_; }
  commands::Session& session() { return session_; }
  commands::RuntimeSettings& settings() { return settings_; }
  protocol::ReplyWriter& writer() { return writer_; }

 private:
  void Dispatch(std::span<const std::string_view> args) {
    const commands::CommandSpec* spec = table_.Find(args[0]);
    if (spec == nullptr) {
      writer_.Error("ERR unknown command '" + std::string(args[0]) + "'");
      return;
    }
    if (!spec->subcommands.empty() && args.size() >= 2) {
      const commands::CommandSpec* sub = commands::CommandTable::FindSubcommand(*spec, args[1]);
      if (sub == nullptr) {
        std::string upper(spec->name);
        std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
        writer_.Error("ERR unknown subcommand '" + std::string(args[1]) + "'. Try " + upper +
                      " HELP.");
        return;
      }
      spec = sub;
    }
    int argc = static_cast<int>(args.size());
    if ((spec->arity > 0 && argc != spec->arity) || argc < -spec->arity) {
      writer_.Error(commands::WrongArityText(spec->name));
      return;
    }
    storage::ShardLocks locks(keyspace_);
    if (spec->flags & commands::kWholeKeyspace) {
      locks.LockAll();
    } else if (spec->keys.first > 0 || spec->key_finder != nullptr) {
      std::vector<std::string_view> keys;
      commands::ExtractKeys(*spec, args, &keys);
      if (!keys.empty()) {
        locks.LockKeys(keys);
      }
    }
    commands::CommandContext ctx(args, writer_, keyspace_, session_, settings_, *spec);
    spec->handler(ctx);
    dirty_ = ctx.dirty;
  }

  commands::CommandTable table_;
  storage::Keyspace keyspace_;
  commands::Session session_;
  commands::RuntimeSettings settings_;
  std::string output_;
  protocol::ReplyWriter writer_;
  uint64_t dirty_ = 0;
};

}  // namespace redoubt::test_support
