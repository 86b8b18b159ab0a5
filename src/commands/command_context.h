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
#include <string_view>

#include "commands/client.h"
#include "commands/execution_services.h"
#include "commands/runtime_settings.h"
#include "protocol/reply_writer.h"
#include "storage/access_tracking.h"
#include "storage/keyspace.h"

namespace redoubt::commands {

struct CommandSpec;

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
  // Changes this command made, counted as Redis 7.0 counts server.dirty: a handler adds
  // exactly where Redis does `server.dirty++` or `+= n` (one per key set or deleted, element
  // pushed or popped, bitfield changed; nothing for a no-op or a refused condition). The
  // dispatcher adds it to its thread's counter, summed by INFO as rdb_changes_since_last_save;
  // snapshots after `save` points will read the same counter.
  uint64_t dirty = 0;
  // Set by a blocking command that found nothing and may wait (client.can_block()); the
  // dispatcher hands it to the client while the keys are still locked.
  std::optional<BlockRequest> block;
};

}  // namespace redoubt::commands
