// How stream entries are written in replies (XRANGE, XREAD, XINFO STREAM): each entry as
// [id, [field, value, …]], as Redis's streamReplyWithRange writes it.
//
// Thread: per command.
#pragma once

#include <cstdint>

#include "commands/command_context.h"
#include "storage/stream_value.h"

namespace redoubt::commands {

void ReplyStreamEntry(CommandContext& ctx, const storage::StreamEntry& entry);

// The live entries of [start, end] (reverse: from end down), at most `count` of them (0: all),
// as an array. Returns how many.
size_t ReplyStreamRange(CommandContext& ctx, const storage::StreamValue& stream,
                        storage::StreamId start, storage::StreamId end, bool reverse,
                        int64_t count);

}  // namespace redoubt::commands
