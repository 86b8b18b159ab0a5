// Sorted-set commands on single elements and counts: ZADD ZINCRBY ZREM ZSCORE ZMSCORE ZCARD
// ZCOUNT ZLEXCOUNT ZRANK ZREVRANK ZRANDMEMBER ZSCAN ZPOPMIN ZPOPMAX ZMPOP, and the blocking
// BZPOPMIN BZPOPMAX BZMPOP. Semantics, reply types
// and error texts follow Redis 7.0's t_zset.c; each command is a row at the end of the file.
// Ranges are zset_range_commands.cc's, the commands over several sorted sets
// zset_algebra_commands.cc's, the encodings zset_operations.h's.
#include "commands/zset_commands.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "commands/blocking.h"
#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "commands/keyspace_notifications.h"
#include "commands/mpop_arguments.h"
#include "commands/random_picks.h"
#include "commands/scan_options.h"
#include "commands/zset_operations.h"
#include "commands/zset_ranges.h"
#include "commands/zset_replies.h"
#include "common/index_range.h"
#include "common/numbers.h"
#include "storage/entry.h"

namespace redoubt::commands {
namespace {

using storage::Access;
using storage::Entry;
using storage::ValueType;

// The sorted set at key (nullptr when missing); false after replying WRONGTYPE.
bool FindZsetOrReply(CommandContext& ctx, Access access, Entry** e) {
  return FindKeyOfTypeOrReply(ctx, ValueType::kZset, access, e);
}

// ZADD's event once `changed` members were added or got a new score: "zincr" for INCR (and
// ZINCRBY), else "zadd". GEOADD, which adds through ZaddAndReply, sends it too, as in Redis.
void NotifyZadded(CommandContext& ctx, bool incr, int64_t changed) {
  if (changed > 0) {
    NotifyKeyspaceEvent(ctx, kNotifyZset, incr ? "zincr" : "zadd", ctx.args[1]);
  }
}

}  // namespace

size_t ParseZaddFlags(std::span<const std::string_view> args, size_t first, uint32_t allowed,
                      uint32_t* flags) {
  static constexpr std::pair<std::string_view, ZaddFlag> kNames[] = {
      {"nx", kZaddNx},     {"xx", kZaddXx}, {"ch", kZaddCh},
      {"incr", kZaddIncr}, {"gt", kZaddGt}, {"lt", kZaddLt}};
  for (; first < args.size(); ++first) {
    const auto* it = std::find_if(std::begin(kNames), std::end(kNames), [&](const auto& name) {
      return (name.second & allowed) && EqualsIgnoreCase(args[first], name.first);
    });
    if (it == std::end(kNames)) {
      break;
    }
    *flags |= it->second;
  }
  return first;
}

void ZaddAndReply(CommandContext& ctx, uint32_t flags, std::span<const ZsetElement> elements) {
  Entry* e;
  if (!FindZsetOrReply(ctx, Access::kWrite, &e)) {
    return;
  }
  const bool incr = flags & kZaddIncr;
  if (e == nullptr && (flags & kZaddXx)) {
    return incr ? ctx.reply.Null() : ctx.reply.Integer(0);
  }
  size_t longest = 0;
  for (const ZsetElement& el : elements) {
    longest = std::max(longest, el.member.size());
  }
  ZsetWriter zset(ctx.keyspace, ctx.db(), ctx.args[1], e, ctx.settings, elements.size(), longest);
  int64_t added = 0;
  int64_t updated = 0;
  bool processed = false;
  double result = 0;
  for (const ZsetElement& el : elements) {
    const std::string_view member = el.member;
    double score = el.score;
    std::optional<double> current = zset.Score(member);
    if (current) {
      if (flags & kZaddNx) {
        continue;
      }
      if (incr) {
        score += *current;
        if (std::isnan(score)) {
          zset.Finish();
          ctx.dirty += static_cast<uint64_t>(added + updated);
          ctx.reply.Error("ERR resulting score is not a number (NaN)");
          return NotifyZadded(ctx, incr, added + updated);
        }
      }
      if (((flags & kZaddLt) && score >= *current) || ((flags & kZaddGt) && score <= *current)) {
        continue;
      }
      processed = true;
      result = score;
      if (score != *current) {
        zset.Set(member, score);
        ++updated;
      }
    } else {
      if (flags & kZaddXx) {
        continue;
      }
      zset.Set(member, score);
      ++added;
      processed = true;
      result = score;
    }
  }
  zset.Finish();
  ctx.dirty += static_cast<uint64_t>(added + updated);
  if (incr) {
    processed ? ctx.reply.Double(result) : ctx.reply.Null();
  } else {
    ctx.reply.Integer((flags & kZaddCh) ? added + updated : added);
  }
  NotifyZadded(ctx, incr, added + updated);
}

namespace {

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...], and ZINCRBY (flags
// kZaddIncr, the pair at args[2]), as Redis's zaddGenericCommand: every score is parsed before
// anything changes.
void Zadd(CommandContext& ctx, uint32_t flags, size_t first_pair) {
  const size_t pairs_args = ctx.argc() - first_pair;
  if (pairs_args == 0 || pairs_args % 2 != 0) {
    return ctx.reply.Error(kErrSyntax);
  }
  if ((flags & kZaddNx) && (flags & kZaddXx)) {
    return ctx.reply.Error("ERR XX and NX options at the same time are not compatible");
  }
  if (((flags & (kZaddGt | kZaddLt)) && (flags & kZaddNx)) ||
      ((flags & kZaddGt) && (flags & kZaddLt))) {
    return ctx.reply.Error("ERR GT, LT, and/or NX options at the same time are not compatible");
  }
  const size_t pairs = pairs_args / 2;
  if ((flags & kZaddIncr) && pairs > 1) {
    return ctx.reply.Error("ERR INCR option supports a single increment-element pair");
  }
  std::vector<ZsetElement> elements(pairs);
  for (size_t i = 0; i < pairs; ++i) {
    if (!ParseDoubleOrReply(ctx, ctx.args[first_pair + 2 * i], &elements[i].score)) {
      return;
    }
    elements[i].member = ctx.args[first_pair + 2 * i + 1];
  }
  ZaddAndReply(ctx, flags, elements);
}

void CmdZAdd(CommandContext& ctx) {
  uint32_t flags = 0;
  const size_t first_pair = ParseZaddFlags(ctx.args, 2, ~0u, &flags);
  Zadd(ctx, flags, first_pair);
}

void CmdZIncrBy(CommandContext& ctx) {
  Zadd(ctx, kZaddIncr, 2);
}

void CmdZRem(CommandContext& ctx) {
  Entry* e;
  if (!FindZsetOrReply(ctx, Access::kWrite, &e)) {
    return;
  }
  if (e == nullptr) {
    return ctx.reply.Integer(0);
  }
  ZsetWriter zset(ctx.keyspace, ctx.db(), ctx.args[1], e, ctx.settings);
  int64_t removed = 0;
  for (size_t i = 2; i < ctx.argc() && zset.size() > 0; ++i) {
    removed += zset.Erase(ctx.args[i]) ? 1 : 0;
  }
  const bool key_deleted = zset.size() == 0;
  zset.Finish();
  ctx.dirty += static_cast<uint64_t>(removed);
  if (removed > 0) {
    NotifyElementsRemoved(ctx, kNotifyZset, "zrem", ctx.args[1], key_deleted);
  }
  ctx.reply.Integer(removed);
}

void CmdZScore(CommandContext& ctx) {
  Entry* e;
  if (!FindZsetOrReply(ctx, Access::kRead, &e)) {
    return;
  }
  std::optional<double> score = e == nullptr ? std::nullopt : ZsetReader(*e).Score(ctx.args[2]);
  return score ? ctx.reply.Double(*score) : ctx.reply.Null();
}

void CmdZMScore(CommandContext& ctx) {
  Entry* e;
  if (!FindZsetOrReply(ctx, Access::kRead, &e)) {
    return;
  }
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  if (e == nullptr) {
    for (size_t i = 2; i < ctx.argc(); ++i) {
      ctx.reply.Null();
    }
    return;
  }
  ZsetReader zset(*e);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::optional<double> score = zset.Score(ctx.args[i]);
    if (score) {
      ctx.reply.Double(*score);
    } else {
      ctx.reply.Null();
    }
  }
}

void CmdZCard(CommandContext& ctx) {
  Entry* e;
  if (!FindZsetOrReply(ctx, Access::kRead, &e)) {
    return;
  }
  ctx.reply.Integer(e == nullptr ? 0 : static_cast<int64_t>(ZsetReader(*e).size()));
}

// The number of elements between two bounds (scores or members).
template <typename Range>
void CountInRange(CommandContext& ctx, const Range& range) {
  Entry* e;
  if (!FindZsetOrReply(ctx, Access::kRead, &e)) {
    return;
  }
  if (e == nullptr) {
    return ctx.reply.Integer(0);
  }
  ZsetReader zset(*e);
  const size_t first = zset.FirstRankFrom(range.min);
  const std::optional<size_t> last = zset.LastRankUpTo(range.max);
  ctx.reply.Integer(last && first <= *last ? static_cast<int64_t>(*last - first + 1) : 0);
}

void CmdZCount(CommandContext& ctx) {
  ScoreRange range;
  if (ParseScoreRangeOrReply(ctx, ctx.args[2], ctx.args[3], &range)) {
    CountInRange(ctx, range);
  }
}

void CmdZLexCount(CommandContext& ctx) {
  LexRange range;
  if (ParseLexRangeOrReply(ctx, ctx.args[2], ctx.args[3], &range)) {
    CountInRange(ctx, range);
  }
}

void Rank(CommandContext& ctx, bool reverse) {
  Entry* e;
  if (!FindZsetOrReply(ctx, Access::kRead, &e)) {
    return;
  }
  if (e == nullptr) {
    return ctx.reply.Null();
  }
  ZsetReader zset(*e);
  std::optional<size_t> rank = zset.Rank(ctx.args[2]);
  if (!rank) {
    return ctx.reply.Null();
  }
  ctx.reply.Integer(static_cast<int64_t>(reverse ? zset.size() - 1 - *rank : *rank));
}

void CmdZRank(CommandContext& ctx) {
  Rank(ctx, false);
}

void CmdZRevRank(CommandContext& ctx) {
  Rank(ctx, true);
}

// ZRANDMEMBER key [count [WITHSCORES]], as HRANDFIELD: one member, picks that may repeat for a
// negative count, distinct ones for a positive count (the whole set when it has no more).
void CmdZRandMember(CommandContext& ctx) {
  if (ctx.argc() == 2) {
    Entry* e;
    if (!FindZsetOrReply(ctx, Access::kRead, &e)) {
      return;
    }
    if (e == nullptr) {
      return ctx.reply.Null();
    }
    ZsetReader zset(*e);
    return ctx.reply.Bulk(zset.At(CommandRng()() % zset.size()).member);
  }
  int64_t count;
  if (!ParseInt64InRangeOrReply(ctx, ctx.args[2], -LONG_MAX, LONG_MAX, &count)) {
    return;
  }
  if (ctx.argc() > 4 || (ctx.argc() == 4 && !EqualsIgnoreCase(ctx.args[3], "withscores"))) {
    return ctx.reply.Error(kErrSyntax);
  }
  const bool with_scores = ctx.argc() == 4;
  if (with_scores && (count < -LONG_MAX / 2 || count > LONG_MAX / 2)) {
    return ctx.reply.Error("ERR value is out of range");
  }
  Entry* e;
  if (!FindZsetOrReply(ctx, Access::kRead, &e)) {
    return;
  }
  if (e == nullptr || count == 0) {
    return ctx.reply.ArrayHeader(0);
  }
  ZsetReader zset(*e);
  const size_t size = zset.size();
  std::mt19937_64& rng = CommandRng();
  std::vector<ZsetElement> picks;
  auto all = [&] {
    std::vector<ZsetElement> every;
    every.reserve(size);
    zset.ForEach([&](const ZsetElement& el) { every.push_back(el); });
    return every;
  };
  if (count < 0) {
    const size_t n = static_cast<size_t>(-count);
    picks.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      picks.push_back(zset.At(rng() % size));
    }
  } else if (static_cast<uint64_t>(count) >= size) {
    picks = all();
  } else {
    picks = PickDistinct<ZsetElement>(
        static_cast<size_t>(count), size, /*cheap_random=*/true, all,
        [&] { return zset.At(rng() % size); }, [](const ZsetElement& el) { return el.member; });
  }
  ReplyZsetElements(ctx, picks,
                    with_scores ? ZsetReplyShape::kWithScores : ZsetReplyShape::kMembers);
}

// ZSCAN key cursor [MATCH pattern] [COUNT count]: members and their scores as text.
void CmdZScan(CommandContext& ctx) {
  ReplyElementScan(ctx, {.type = ValueType::kZset,
                         .pairs = true,
                         .for_each_packed =
                             [](const Entry& e, const ElementScan::Emit& emit) {
                               ZsetReader(e).ForEach([&](const ZsetElement& el) {
                                 emit(el.member, common::FormatDouble(el.score));
                               });
                             },
                         .scan_step =
                             [](const Entry& e, uint64_t cursor, const ElementScan::Emit& emit) {
                               return e.sorted_table().Scan(
                                   cursor, [&](std::string_view member, double score) {
                                     emit(member, common::FormatDouble(score));
                                   });
                             }});
}

// Pops up to count elements from the low (or high) end of the sorted set at key, whose entry is
// e; the popped elements are copied into *out. Reports "zpopmin" or "zpopmax" (and "del" when
// the set is gone), as Redis's genericZpopCommand.
void PopFrom(CommandContext& ctx, std::string_view key, Entry* e, bool max, size_t count,
             std::vector<std::pair<std::string, double>>* out) {
  ZsetWriter zset(ctx.keyspace, ctx.db(), key, e, ctx.settings);
  const size_t n = std::min(count, zset.size());
  const size_t first = max ? zset.size() - n : 0;
  zset.reader().ForEachInRanks(first, first + n - 1, max, [&](const ZsetElement& el) {
    out->emplace_back(std::string(el.member), el.score);
  });
  zset.EraseRanks(first, first + n - 1);
  const bool key_deleted = zset.size() == 0;
  zset.Finish();
  ctx.dirty += n;
  NotifyElementsRemoved(ctx, kNotifyZset, max ? "zpopmax" : "zpopmin", key, key_deleted);
}

std::vector<ZsetElement> Views(const std::vector<std::pair<std::string, double>>& elements) {
  std::vector<ZsetElement> views;
  views.reserve(elements.size());
  for (const auto& [member, score] : elements) {
    views.push_back({member, score});
  }
  return views;
}

// ZPOPMIN / ZPOPMAX key [count]: without a count a flat [member, score]; with one, the
// WITHSCORES shape.
void Pop(CommandContext& ctx, bool max) {
  if (ctx.argc() > 3) {
    return ctx.reply.Error(kErrSyntax);
  }
  int64_t count = 1;
  if (ctx.argc() == 3 &&
      !ParseInt64InRangeOrReply(ctx, ctx.args[2], 0, LONG_MAX, &count, kErrMustBePositive)) {
    return;
  }
  Entry* e;
  if (!FindZsetOrReply(ctx, Access::kWrite, &e)) {
    return;
  }
  if (e == nullptr || count == 0) {
    return ctx.reply.ArrayHeader(0);
  }
  std::vector<std::pair<std::string, double>> popped;
  PopFrom(ctx, ctx.args[1], e, max, static_cast<size_t>(count), &popped);
  if (ctx.argc() == 2) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(popped[0].first);
    return ctx.reply.Double(popped[0].second);
  }
  ReplyZsetElements(ctx, Views(popped), ZsetReplyShape::kWithScores);
}

void CmdZPopMin(CommandContext& ctx) {
  Pop(ctx, false);
}

void CmdZPopMax(CommandContext& ctx) {
  Pop(ctx, true);
}

}  // namespace

void StoreZsetAndReply(CommandContext& ctx, std::string_view key,
                       const std::vector<std::pair<std::string, double>>& elements,
                       std::string_view event) {
  // Each reported after the reply, as Redis does.
  if (elements.empty()) {
    ctx.reply.Integer(0);
    if (ctx.keyspace.Delete(ctx.db(), key)) {
      ctx.dirty += 1;
      NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", key);
    }
    return;
  }
  // Encoded by its content, as Redis converts a result it built to a listpack when it fits. It
  // replaces what key holds as a new value (Redis's setKey: "new" only if key was missing).
  size_t longest = 0;
  for (const auto& [member, score] : elements) {
    longest = std::max(longest, member.size());
  }
  ZsetWriter zset(ctx.keyspace, ctx.db(), key, nullptr, ctx.settings, elements.size(), longest);
  for (const auto& [member, score] : elements) {
    zset.Set(member, score);
  }
  zset.Finish();
  ctx.dirty += 1;
  ctx.reply.Integer(static_cast<int64_t>(elements.size()));
  NotifyKeyspaceEvent(ctx, kNotifyZset, event, key);
}

bool ZmpopOrReply(CommandContext& ctx, const MpopArguments& args) {
  for (std::string_view key : args.keys) {
    Entry* e;
    if (!FindKeyToPopOrReply(ctx, key, ValueType::kZset, &e)) {
      return true;
    }
    if (e == nullptr) {
      continue;
    }
    std::vector<std::pair<std::string, double>> popped;
    PopFrom(ctx, key, e, args.from_second_end, args.count, &popped);
    // As Redis 7.0 propagates [B]ZMPOP: the plain pop of what was taken, from the key served.
    if (ctx.propagating) {
      std::string count = std::to_string(popped.size());
      ctx.PropagateAs({args.from_second_end ? "ZPOPMAX" : "ZPOPMIN", key, count});
    }
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(key);
    ReplyZsetElements(ctx, Views(popped), ZsetReplyShape::kScoredPairs);
    return true;
  }
  return false;
}

namespace {

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]: from the first non-empty sorted set.
void CmdZMPop(CommandContext& ctx) {
  MpopArguments args{.ends = {"min", "max"}};
  if (!ParseMpopArgumentsOrReply(ctx, 1, &args)) {
    return;
  }
  if (!ZmpopOrReply(ctx, args)) {
    ctx.reply.NullArray();
  }
}

// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]
void CmdBZMPop(CommandContext& ctx) {
  MpopOrWait(ctx, "min", "max", ZmpopOrReply);
}

// BZPOPMIN / BZPOPMAX key [key ...] timeout: [key, member, score] from the first non-empty
// sorted set.
void BlockingPop(CommandContext& ctx, bool max) {
  PopFirstOrWait(ctx, ValueType::kZset, [&](std::string_view key, Entry* e) {
    std::vector<std::pair<std::string, double>> popped;
    PopFrom(ctx, key, e, max, 1, &popped);
    ctx.PropagateAs({max ? "ZPOPMAX" : "ZPOPMIN", key});  // a replay must not wait
    ctx.reply.ArrayHeader(3);
    ctx.reply.Bulk(key);
    ctx.reply.Bulk(popped[0].first);
    ctx.reply.Double(popped[0].second);
  });
}

void CmdBZPopMin(CommandContext& ctx) {
  BlockingPop(ctx, false);
}

void CmdBZPopMax(CommandContext& ctx) {
  BlockingPop(ctx, true);
}

}  // namespace

void RegisterZsetCommands(CommandTable& table) {
  // One key, but for the blocking pops' keys before their timeout.
  KeySpec row_keys{1, 1, 1};
  auto row = [&](std::string_view name, int arity, uint32_t flags, uint64_t acl, Handler handler,
                 std::string_view summary, std::string_view since) {
    table.Add({.name = name,
               .arity = arity,
               .flags = flags,
               .keys = row_keys,
               .acl = kAclSortedSet | acl,
               .handler = handler,
               .summary = summary,
               .since = since,
               .group = "sorted-set"});
  };
  row("zadd", -4, kWrite | kDenyOom | kFast, kAclWrite | kAclFast, CmdZAdd,
      "Add one or more members to a sorted set, or update its score if it already exists", "1.2.0");
  row("zincrby", 4, kWrite | kDenyOom | kFast, kAclWrite | kAclFast, CmdZIncrBy,
      "Increment the score of a member in a sorted set", "1.2.0");
  row("zrem", -3, kWrite | kFast, kAclWrite | kAclFast, CmdZRem,
      "Remove one or more members from a sorted set", "1.2.0");
  row("zscore", 3, kReadOnly | kFast, kAclRead | kAclFast, CmdZScore,
      "Get the score associated with the given member in a sorted set", "1.2.0");
  row("zmscore", -3, kReadOnly | kFast, kAclRead | kAclFast, CmdZMScore,
      "Get the score associated with the given members in a sorted set", "6.2.0");
  row("zcard", 2, kReadOnly | kFast, kAclRead | kAclFast, CmdZCard,
      "Get the number of members in a sorted set", "1.2.0");
  row("zcount", 4, kReadOnly | kFast, kAclRead | kAclFast, CmdZCount,
      "Count the members in a sorted set with scores within the given values", "2.0.0");
  row("zlexcount", 4, kReadOnly | kFast, kAclRead | kAclFast, CmdZLexCount,
      "Count the number of members in a sorted set between a given lexicographical range", "2.8.9");
  row("zrank", 3, kReadOnly | kFast, kAclRead | kAclFast, CmdZRank,
      "Determine the index of a member in a sorted set", "2.0.0");
  row("zrevrank", 3, kReadOnly | kFast, kAclRead | kAclFast, CmdZRevRank,
      "Determine the index of a member in a sorted set, with scores ordered from high to low",
      "2.0.0");
  row("zrandmember", -2, kReadOnly, kAclRead | kAclSlow, CmdZRandMember,
      "Get one or multiple random elements from a sorted set", "6.2.0");
  row("zscan", -3, kReadOnly, kAclRead | kAclSlow, CmdZScan,
      "Incrementally iterate sorted sets elements and associated scores", "2.8.0");
  row("zpopmin", -2, kWrite | kFast, kAclWrite | kAclFast, CmdZPopMin,
      "Remove and return members with the lowest scores in a sorted set", "5.0.0");
  row("zpopmax", -2, kWrite | kFast, kAclWrite | kAclFast, CmdZPopMax,
      "Remove and return members with the highest scores in a sorted set", "5.0.0");
  row_keys = {1, -2, 1};
  row("bzpopmin", -3, kWrite | kNoScript | kBlocking | kFast, kAclWrite | kAclFast | kAclBlocking,
      CmdBZPopMin,
      "Remove and return the member with the lowest score from one or more sorted sets, or "
      "block until one is available",
      "5.0.0");
  row("bzpopmax", -3, kWrite | kNoScript | kBlocking | kFast, kAclWrite | kAclFast | kAclBlocking,
      CmdBZPopMax,
      "Remove and return the member with the highest score from one or more sorted sets, or "
      "block until one is available",
      "5.0.0");
  table.Add({.name = "bzmpop",
             .arity = -5,
             .flags = kWrite | kBlocking,
             .acl = kAclSortedSet | kAclWrite | kAclSlow | kAclBlocking,
             .handler = CmdBZMPop,
             .key_finder = KeysAfterCount<2>,
             .summary = "Remove and return members with scores in a sorted set or block until one "
                        "is available",
             .since = "7.0.0",
             .group = "sorted-set"});
  table.Add({.name = "zmpop",
             .arity = -4,
             .flags = kWrite,
             .acl = kAclSortedSet | kAclWrite | kAclSlow,
             .handler = CmdZMPop,
             .key_finder = KeysAfterCount<1>,
             .summary = "Remove and return members with scores in a sorted set",
             .since = "7.0.0",
             .group = "sorted-set"});
}

}  // namespace redoubt::commands
