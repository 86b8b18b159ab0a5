// The one way stream commands change a stream: MutateStream runs the change and gives the
// shard's memory accounting the bytes the stream gained or lost (nodes, groups, PELs).
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

}  // namespace redoubt::commands
