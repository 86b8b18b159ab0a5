// What a command handler gets: its arguments, where to write the reply, the keyspace, the
// client's session state and the runtime settings. The dispatcher has already checked arity
// and locked the shards of the command's keys. A handler that changes data adds to `dirty`.
//
// Thread: a context lives for one command on one I/O thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/shared_bytes.h"
#include "protocol/reply_writer.h"
#include "storage/access_tracking.h"
#include "storage/keyspace.h"

namespace redoubt::commands {

struct CommandSpec;

// Per-client state that commands read or change. server::Connection derives from it; handlers
// in src/server/ downcast to reach the rest of the connection.
class Session {
 public:
  virtual ~Session() = default;
  // The block a large argument of the running command was read into, for a handler that keeps
  // the value as it arrived (SET): another reference to it, or none when `arg` is not one.
  virtual common::SharedBytesRef LargeArgument(std::string_view arg) const {
    (void)arg;
    return {};
  }
  int db = 0;
};

// Settings that commands read on every call. Written by CONFIG SET from any thread; relaxed
// atomics because each value is independent and a command may see the old or new one.
struct RuntimeSettings {
  std::atomic<int64_t> proto_max_bulk_len{512 * 1024 * 1024};
  std::atomic<storage::EvictionPolicy> maxmemory_policy{storage::EvictionPolicy::kNoEviction};
  std::atomic<uint64_t> maxmemory{0};
  std::atomic<int> maxmemory_samples{5};
};

class CommandContext {
 public:
  CommandContext(std::span<const std::string_view> args, protocol::ReplyWriter& reply,
                 storage::Keyspace& keyspace, Session& session, const RuntimeSettings& settings,
                 const CommandSpec& spec)
      : args(args),
        reply(reply),
        keyspace(keyspace),
        session(session),
        settings(settings),
        spec(spec) {}

  int db() const { return session.db; }
  size_t argc() const { return args.size(); }

  std::span<const std::string_view> args;
  protocol::ReplyWriter& reply;
  storage::Keyspace& keyspace;
  Session& session;
  const RuntimeSettings& settings;
  const CommandSpec& spec;
  // Changes this command made, counted as Redis 7.0 counts server.dirty: a handler adds
  // exactly where Redis does `server.dirty++` or `+= n` (one per key set or deleted, element
  // pushed or popped, bitfield changed; nothing for a no-op or a refused condition). The
  // dispatcher adds it to its thread's counter, summed by INFO as rdb_changes_since_last_save;
  // snapshots after `save` points will read the same counter.
  uint64_t dirty = 0;
};

}  // namespace redoubt::commands
