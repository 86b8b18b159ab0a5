// The shapes of sorted-set element replies, as Redis 7.0 writes them: members alone; or members
// with scores, flat (member, score, …) in RESP2 with each score a bulk string, and as [member,
// score] pairs of a double in RESP3 (ZRANGE WITHSCORES, ZPOPMIN with a count, ZRANDMEMBER,
// ZUNION); or pairs in both protocols (ZMPOP, BZMPOP).
//
// Thread: per command.
#pragma once

#include <span>

#include "commands/command_context.h"
#include "commands/zset_operations.h"

namespace redoubt::commands {

enum class ZsetReplyShape : uint8_t {
  kMembers,
  kWithScores,   // flat in RESP2, pairs in RESP3
  kScoredPairs,  // pairs in both
};

inline void ReplyZsetElements(CommandContext& ctx, std::span<const ZsetElement> elements,
                              ZsetReplyShape shape) {
  const bool pairs = shape == ZsetReplyShape::kScoredPairs ||
                     (shape == ZsetReplyShape::kWithScores && ctx.reply.resp3());
  const bool flat = shape == ZsetReplyShape::kWithScores && !pairs;
  ctx.reply.ArrayHeader(flat ? elements.size() * 2 : elements.size());
  for (const ZsetElement& e : elements) {
    if (pairs) {
      ctx.reply.ArrayHeader(2);
    }
    ctx.reply.Bulk(e.member);
    if (shape != ZsetReplyShape::kMembers) {
      ctx.reply.Double(e.score);
    }
  }
}

}  // namespace redoubt::commands
