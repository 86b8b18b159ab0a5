// How stream commands change a stream: MutateStream runs the change and gives the shard's
// memory accounting the bytes the stream gained or lost (nodes, groups, PELs); the consumer
// groups' changes are logged as Redis propagates them (streamPropagateXCLAIM, ...GroupID,
// ...ConsumerCreation), for XREADGROUP, XCLAIM and XAUTOCLAIM alike.
//
// Thread: per command, under the key's shard lock.
#pragma once

#include <cstdint>
#include <string_view>

#include "commands/command_context.h"
#include "storage/entry.h"
#include "storage/stream_value.h"

namespace redoubt::commands {

template <typename Fn>
void MutateStream(CommandContext& ctx, std::string_view key, storage::Entry* e, Fn&& fn) {
  storage::StreamValue& stream = e->mutable_stream();
  const size_t before = stream.AllocatedBytes();
  fn(stream);
  ctx.keyspace.AdjustUsedBytes(
      key, static_cast<int64_t>(stream.AllocatedBytes()) - static_cast<int64_t>(before));
}

// Logs a delivery or claim of id as the forced XCLAIM that rebuilds the same PEL entry.
void PropagateStreamClaim(CommandContext& ctx, std::string_view key, std::string_view group_name,
                          const storage::StreamGroup& group, storage::StreamId id,
                          const storage::StreamPending& pending);
// Logs the group's last id and read counter (XGROUP SETID ... ENTRIESREAD).
void PropagateStreamGroupId(CommandContext& ctx, std::string_view key, std::string_view group_name,
                            const storage::StreamGroup& group);
// The group's consumer `name`, its seen time refreshed; created when missing (counted,
// notified, and logged as XGROUP CREATECONSUMER when log_creation: no claim will create it on
// a replica).
storage::StreamConsumer* FindOrCreateConsumer(CommandContext& ctx, std::string_view key,
                                              std::string_view group_name,
                                              storage::StreamGroup& group, std::string_view name,
                                              bool log_creation);

}  // namespace redoubt::commands
