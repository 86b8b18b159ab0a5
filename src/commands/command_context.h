// What a command handler gets: its arguments, where to write the reply, the keyspace, the
// client, the runtime settings and the other execution services. The dispatcher has already
// checked arity, authentication and ACL, and locked the shards of the command's keys. A
// handler that changes data adds to `dirty`.
//
// Thread: a context lives for one command on one I/O thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "commands/client.h"
#include "commands/execution_services.h"
#include "commands/runtime_settings.h"
#include "common/ascii.h"
#include "protocol/reply_writer.h"
#include "storage/access_tracking.h"
#include "storage/keyspace.h"

namespace redoubt::commands {

struct CommandSpec;
class Dispatcher;

class CommandContext {
 public:
  CommandContext(std::span<const std::string_view> args, Client& client,
                 const ExecutionServices& services, const CommandSpec& spec)
      : args(args),
        reply(client.reply()),
        keyspace(services.keyspace),
        client(client),
        settings(services.settings),
        services(services),
        spec(spec) {}

  int db() const { return client.db; }
  size_t argc() const { return args.size(); }

  std::span<const std::string_view> args;
  protocol::ReplyWriter& reply;
  storage::Keyspace& keyspace;
  Client& client;
  const RuntimeSettings& settings;
  // Everything else a handler may need (ACL, SLOWLOG, CLIENT PAUSE, the command table, …).
  const ExecutionServices& services;
  const CommandSpec& spec;
  // The dispatcher running this command, for a command that runs others within it (a script's
  // redis.call): they join its propagation batch and its thread's statistics.
  Dispatcher* dispatcher = nullptr;
  // Changes this command made, counted as Redis 7.0 counts server.dirty: a handler adds
  // exactly where Redis does `server.dirty++` or `+= n` (one per key set or deleted, element
  // pushed or popped, bitfield changed; nothing for a no-op or a refused condition). The
  // dispatcher adds it to its thread's counter, summed by INFO as rdb_changes_since_last_save;
  // snapshots after `save` points will read the same counter.
  uint64_t dirty = 0;
  // Whether the command's effects are logged (the AOF, replicas): a handler builds
  // propagate_as only then.
  bool propagating = false;
  // What the log receives instead of the command's own arguments, when those would not replay
  // to the same result (Redis's rewriteClientCommandVector): a relative TTL as PEXPIREAT, a
  // random pop as SREM, a blocking pop as the plain one. Empty: the arguments as given. Only
  // a command that changed something (dirty > 0) is logged.
  std::vector<std::string> propagate_as;
  // Commands the log receives instead of this one, in order (Redis's alsoPropagate with
  // preventCommandPropagation): XREADGROUP logged as an XCLAIM per entry delivered, XCLAIM as
  // the claims it made. Takes precedence over propagate_as.
  std::vector<std::vector<std::string>> propagate_commands;
  // Set by a command whose log entries are propagate_commands only, even none (XREADGROUP
  // that served only a consumer's history changed no data a replica keeps).
  bool propagate_commands_only = false;
  // Set by a blocking command that found nothing and may wait (client.can_block()); the
  // dispatcher hands it to the client while the keys are still locked.
  std::optional<BlockRequest> block;

  // Replaces what the log receives for this command (see propagate_as); a no-op when nothing
  // is logged, or when the replacement is the command's own arguments (a plain SET key value
  // rebuilt as itself): those are logged as given, without a copy.
  void PropagateAs(std::initializer_list<std::string_view> args) {
    if (propagating && !SameAsArguments(args)) {
      propagate_as.assign(args.begin(), args.end());
    }
  }

 private:
  bool SameAsArguments(std::initializer_list<std::string_view> replacement) const {
    if (replacement.size() != this->args.size()) {
      return false;
    }
    const std::string_view* given = this->args.data();
    for (std::string_view arg : replacement) {
      // The command name in any case; the other arguments byte for byte.
      if (given == this->args.data() ? !common::EqualsIgnoreCase(arg, *given) : arg != *given) {
        return false;
      }
      ++given;
    }
    return true;
  }
};

}  // namespace redoubt::commands
