// How stream commands log and create what groups hold; see stream_mutation.h.
#include "commands/stream_mutation.h"

#include <string>

#include "commands/keyspace_notifications.h"
#include "common/clock.h"

namespace redoubt::commands {

void PropagateStreamClaim(CommandContext& ctx, std::string_view key, std::string_view group_name,
                          const storage::StreamGroup& group, storage::StreamId id,
                          const storage::StreamPending& pending) {
  if (!ctx.propagating) {
    return;
  }
  ctx.propagate_commands.push_back({"XCLAIM", std::string(key), std::string(group_name),
                                    pending.consumer->name, "0", id.ToString(), "TIME",
                                    std::to_string(pending.delivery_time_ms), "RETRYCOUNT",
                                    std::to_string(pending.delivery_count), "FORCE", "JUSTID",
                                    "LASTID", group.last_id.ToString()});
}

void PropagateStreamGroupId(CommandContext& ctx, std::string_view key, std::string_view group_name,
                            const storage::StreamGroup& group) {
  if (ctx.propagating) {
    ctx.propagate_commands.push_back({"XGROUP", "SETID", std::string(key), std::string(group_name),
                                      group.last_id.ToString(), "ENTRIESREAD",
                                      std::to_string(group.entries_read)});
  }
}

storage::StreamConsumer* FindOrCreateConsumer(CommandContext& ctx, std::string_view key,
                                              std::string_view group_name,
                                              storage::StreamGroup& group, std::string_view name,
                                              bool log_creation) {
  const int64_t now = common::UnixMillis();
  if (storage::StreamConsumer* c = group.FindConsumer(name)) {
    c->seen_time_ms = now;
    return c;
  }
  storage::StreamConsumer* c = group.CreateConsumer(name, now);
  ++ctx.dirty;
  NotifyKeyspaceEvent(ctx, kNotifyStream, "xgroup-createconsumer", key);
  if (log_creation && ctx.propagating) {
    ctx.propagate_commands.push_back(
        {"XGROUP", "CREATECONSUMER", std::string(key), std::string(group_name), std::string(name)});
  }
  return c;
}

}  // namespace redoubt::commands
