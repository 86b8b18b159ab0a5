// Stream entries in replies; see stream_replies.h.
#include "commands/stream_replies.h"

#include <vector>

namespace redoubt::commands {

void ReplyStreamEntry(CommandContext& ctx, const storage::StreamEntry& entry) {
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(entry.id.ToString());
  ctx.reply.ArrayHeader(2 * entry.field_count);
  entry.ForEachPair([&](std::string_view field, std::string_view value) {
    ctx.reply.Bulk(field);
    ctx.reply.Bulk(value);
  });
}

size_t ReplyStreamRange(CommandContext& ctx, const storage::StreamValue& stream,
                        storage::StreamId start, storage::StreamId end, bool reverse,
                        int64_t count) {
  // The views stay valid: nothing changes the stream while the reply is written.
  std::vector<storage::StreamEntry> entries;
  stream.Range(start, end, reverse, [&](const storage::StreamEntry& entry) {
    entries.push_back(entry);
    return count == 0 || static_cast<int64_t>(entries.size()) < count;
  });
  ctx.reply.ArrayHeader(entries.size());
  for (const storage::StreamEntry& entry : entries) {
    ReplyStreamEntry(ctx, entry);
  }
  return entries.size();
}

}  // namespace redoubt::commands
