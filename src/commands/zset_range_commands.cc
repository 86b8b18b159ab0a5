// Sorted-set range commands: ZRANGE (BYSCORE BYLEX REV LIMIT WITHSCORES) ZRANGESTORE ZREVRANGE
// ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX ZREMRANGEBYRANK ZREMRANGEBYSCORE
// ZREMRANGEBYLEX, as Redis 7.0's zrangeGenericCommand and zremrangeGenericCommand: one parser for
// every form, ranges turned into ranks, then the ranks read, stored or removed.
#include <climits>
#include <optional>
#include <string>
#include <vector>

#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "commands/keyspace_notifications.h"
#include "commands/zset_commands.h"
#include "commands/zset_operations.h"
#include "commands/zset_ranges.h"
#include "commands/zset_replies.h"
#include "common/index_range.h"
#include "storage/entry.h"

namespace redoubt::commands {
namespace {

using storage::Access;
using storage::Entry;
using storage::ValueType;

enum class RangeType : uint8_t { kAuto, kRank, kScore, kLex };
enum class Direction : uint8_t { kAuto, kForward, kReverse };

// The parsed range of any form.
struct RangeRequest {
  RangeType type = RangeType::kAuto;
  Direction direction = Direction::kAuto;
  int64_t start = 0;  // kRank
  int64_t stop = 0;
  ScoreRange scores;  // kScore
  LexRange lex;       // kLex
  int64_t offset = 0;
  int64_t limit = -1;  // LIMIT's count; negative: all
  bool limited = false;
  bool with_scores = false;
};

// The ranks a request selects, visited from `from` to `to` (descending when reverse).
struct Selection {
  size_t from = 0;
  size_t to = 0;
  bool reverse = false;
  bool empty = true;
};

Selection Select(const ZsetReader& zset, const RangeRequest& r) {
  Selection s;
  s.reverse = r.direction == Direction::kReverse;
  const size_t size = zset.size();
  if (r.type == RangeType::kRank) {
    std::optional<common::IndexRange> ranks =
        common::ClampRange(r.start, r.stop, size, common::NegativeEnd::kEmpty);
    if (!ranks) {
      return s;
    }
    // A reversed rank range counts from the highest score.
    s.from = s.reverse ? size - 1 - ranks->first : ranks->first;
    s.to = s.reverse ? size - 1 - ranks->last : ranks->last;
    s.empty = false;
    return s;
  }
  size_t first;
  std::optional<size_t> last;
  if (r.type == RangeType::kScore) {
    first = zset.FirstRankFrom(r.scores.min);
    last = zset.LastRankUpTo(r.scores.max);
  } else {
    first = zset.FirstRankFrom(r.lex.min);
    last = zset.LastRankUpTo(r.lex.max);
  }
  // As Redis: a negative offset, or one past the end, selects nothing; a negative count, all.
  if (!last || first > *last || r.offset < 0 || r.limit == 0 ||
      static_cast<uint64_t>(r.offset) > *last - first) {
    return s;
  }
  const auto offset = static_cast<size_t>(r.offset);
  const size_t available = *last - first + 1 - offset;
  const size_t take = r.limit < 0 ? available : std::min(available, static_cast<size_t>(r.limit));
  s.from = s.reverse ? *last - offset : first + offset;
  s.to = s.reverse ? s.from - (take - 1) : s.from + (take - 1);
  s.empty = false;
  return s;
}

void ForEachSelected(const ZsetReader& zset, const Selection& s,
                     const std::function<void(const ZsetElement&)>& fn) {
  if (s.empty) {
    return;
  }
  if (s.reverse) {
    zset.ForEachInRanks(s.to, s.from, true, fn);
  } else {
    zset.ForEachInRanks(s.from, s.to, false, fn);
  }
}

// Reads the range arguments at args[first] and args[first + 1] and the options after them.
bool ParseRangeOrReply(CommandContext& ctx, size_t first, bool store, RangeRequest* r) {
  for (size_t j = first + 2; j < ctx.argc(); ++j) {
    const std::string_view opt = ctx.args[j];
    const size_t left = ctx.argc() - j - 1;
    if (!store && EqualsIgnoreCase(opt, "withscores")) {
      r->with_scores = true;
    } else if (EqualsIgnoreCase(opt, "limit") && left >= 2) {
      if (!ParseInt64OrReply(ctx, ctx.args[j + 1], &r->offset) ||
          !ParseInt64OrReply(ctx, ctx.args[j + 2], &r->limit)) {
        return false;
      }
      r->limited = true;
      j += 2;
    } else if (r->direction == Direction::kAuto && EqualsIgnoreCase(opt, "rev")) {
      r->direction = Direction::kReverse;
    } else if (r->type == RangeType::kAuto && EqualsIgnoreCase(opt, "bylex")) {
      r->type = RangeType::kLex;
    } else if (r->type == RangeType::kAuto && EqualsIgnoreCase(opt, "byscore")) {
      r->type = RangeType::kScore;
    } else {
      ctx.reply.Error(kErrSyntax);
      return false;
    }
  }
  if (r->direction == Direction::kAuto) {
    r->direction = Direction::kForward;
  }
  if (r->type == RangeType::kAuto) {
    r->type = RangeType::kRank;
  }
  if (r->limited && r->type == RangeType::kRank) {
    ctx.reply.Error(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    return false;
  }
  if (r->with_scores && r->type == RangeType::kLex) {
    ctx.reply.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    return false;
  }
  // Reversed score and lex ranges are given as max, min.
  const bool swap = r->direction == Direction::kReverse && r->type != RangeType::kRank;
  const std::string_view min = ctx.args[swap ? first + 1 : first];
  const std::string_view max = ctx.args[swap ? first : first + 1];
  switch (r->type) {
    case RangeType::kScore:
      return ParseScoreRangeOrReply(ctx, min, max, &r->scores);
    case RangeType::kLex:
      return ParseLexRangeOrReply(ctx, min, max, &r->lex);
    default:
      return ParseInt64OrReply(ctx, min, &r->start) && ParseInt64OrReply(ctx, max, &r->stop);
  }
}

// Every form of ZRANGE: the source at args[source], the range after it; ZRANGESTORE's
// destination at args[1].
void Zrange(CommandContext& ctx, RangeType type, Direction direction, bool store) {
  const size_t source = store ? 2 : 1;
  RangeRequest r{.type = type, .direction = direction};
  if (!ParseRangeOrReply(ctx, source + 1, store, &r)) {
    return;
  }
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ctx.args[source], ValueType::kZset, Access::kRead, &e)) {
    return;
  }
  std::vector<ZsetElement> selected;
  std::optional<ZsetReader> zset;
  if (e != nullptr) {
    zset.emplace(*e);
    ForEachSelected(*zset, Select(*zset, r),
                    [&](const ZsetElement& el) { selected.push_back(el); });
  }
  if (store) {
    std::vector<std::pair<std::string, double>> copies;
    copies.reserve(selected.size());
    for (const ZsetElement& el : selected) {
      copies.emplace_back(std::string(el.member), el.score);
    }
    return StoreZsetAndReply(ctx, ctx.args[1], copies, "zrangestore");
  }
  ReplyZsetElements(ctx, selected,
                    r.with_scores ? ZsetReplyShape::kWithScores : ZsetReplyShape::kMembers);
}

void CmdZRange(CommandContext& ctx) {
  Zrange(ctx, RangeType::kAuto, Direction::kAuto, false);
}
void CmdZRangeStore(CommandContext& ctx) {
  Zrange(ctx, RangeType::kAuto, Direction::kAuto, true);
}
void CmdZRevRange(CommandContext& ctx) {
  Zrange(ctx, RangeType::kRank, Direction::kReverse, false);
}
void CmdZRangeByScore(CommandContext& ctx) {
  Zrange(ctx, RangeType::kScore, Direction::kForward, false);
}
void CmdZRevRangeByScore(CommandContext& ctx) {
  Zrange(ctx, RangeType::kScore, Direction::kReverse, false);
}
void CmdZRangeByLex(CommandContext& ctx) {
  Zrange(ctx, RangeType::kLex, Direction::kForward, false);
}
void CmdZRevRangeByLex(CommandContext& ctx) {
  Zrange(ctx, RangeType::kLex, Direction::kReverse, false);
}

// ZREMRANGEBYRANK / BYSCORE / BYLEX key min max: the range is parsed before the key is looked at.
void RemoveRange(CommandContext& ctx, RangeType type, std::string_view event) {
  RangeRequest r{.type = type, .direction = Direction::kForward};
  bool parsed = false;
  switch (type) {
    case RangeType::kScore:
      parsed = ParseScoreRangeOrReply(ctx, ctx.args[2], ctx.args[3], &r.scores);
      break;
    case RangeType::kLex:
      parsed = ParseLexRangeOrReply(ctx, ctx.args[2], ctx.args[3], &r.lex);
      break;
    default:
      parsed = ParseInt64OrReply(ctx, ctx.args[2], &r.start) &&
               ParseInt64OrReply(ctx, ctx.args[3], &r.stop);
  }
  if (!parsed) {
    return;
  }
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kZset, Access::kWrite, &e)) {
    return;
  }
  if (e == nullptr) {
    return ctx.reply.Integer(0);
  }
  ZsetWriter zset(ctx.keyspace, ctx.db(), ctx.args[1], e, ctx.settings);
  const Selection s = Select(zset.reader(), r);
  if (s.empty) {
    return ctx.reply.Integer(0);
  }
  const size_t removed = s.to - s.from + 1;
  zset.EraseRanks(s.from, s.to);
  const bool key_deleted = zset.size() == 0;
  zset.Finish();
  ctx.dirty += removed;
  NotifyElementsRemoved(ctx, kNotifyZset, event, ctx.args[1], key_deleted);
  ctx.reply.Integer(static_cast<int64_t>(removed));
}

void CmdZRemRangeByRank(CommandContext& ctx) {
  RemoveRange(ctx, RangeType::kRank, "zremrangebyrank");
}
void CmdZRemRangeByScore(CommandContext& ctx) {
  RemoveRange(ctx, RangeType::kScore, "zremrangebyscore");
}
void CmdZRemRangeByLex(CommandContext& ctx) {
  RemoveRange(ctx, RangeType::kLex, "zremrangebylex");
}

}  // namespace

void RegisterZsetRangeCommands(CommandTable& table) {
  auto row = [&](std::string_view name, int arity, uint32_t flags, uint64_t acl, Handler handler,
                 std::string_view summary, std::string_view since) {
    table.Add({.name = name,
               .arity = arity,
               .flags = flags,
               .keys = {1, 1, 1},
               .acl = kAclSortedSet | kAclSlow | acl,
               .handler = handler,
               .summary = summary,
               .since = since,
               .group = "sorted-set"});
  };
  row("zrange", -4, kReadOnly, kAclRead, CmdZRange, "Return a range of members in a sorted set",
      "1.2.0");
  row("zrevrange", -4, kReadOnly, kAclRead, CmdZRevRange,
      "Return a range of members in a sorted set, by index, with scores ordered from high to low",
      "1.2.0");
  row("zrangebyscore", -4, kReadOnly, kAclRead, CmdZRangeByScore,
      "Return a range of members in a sorted set, by score", "1.0.5");
  row("zrevrangebyscore", -4, kReadOnly, kAclRead, CmdZRevRangeByScore,
      "Return a range of members in a sorted set, by score, with scores ordered from high to low",
      "2.2.0");
  row("zrangebylex", -4, kReadOnly, kAclRead, CmdZRangeByLex,
      "Return a range of members in a sorted set, by lexicographical range", "2.8.9");
  row("zrevrangebylex", -4, kReadOnly, kAclRead, CmdZRevRangeByLex,
      "Return a range of members in a sorted set, by lexicographical range, ordered from higher to "
      "lower strings.",
      "2.8.9");
  row("zremrangebyrank", 4, kWrite, kAclWrite, CmdZRemRangeByRank,
      "Remove all members in a sorted set within the given indexes", "2.0.0");
  row("zremrangebyscore", 4, kWrite, kAclWrite, CmdZRemRangeByScore,
      "Remove all members in a sorted set within the given scores", "1.2.0");
  row("zremrangebylex", 4, kWrite, kAclWrite, CmdZRemRangeByLex,
      "Remove all members in a sorted set between the given lexicographical range", "2.8.9");
  table.Add({.name = "zrangestore",
             .arity = -5,
             .flags = kWrite | kDenyOom,
             .keys = {1, 2, 1},
             .acl = kAclSortedSet | kAclSlow | kAclWrite,
             .handler = CmdZRangeStore,
             .summary = "Store a range of members from sorted set into another key",
             .since = "6.2.0",
             .group = "sorted-set"});
}

}  // namespace redoubt::commands
