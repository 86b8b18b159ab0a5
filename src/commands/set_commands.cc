// Set commands on one set (and SMOVE's two): SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP
// SRANDMEMBER SMOVE SSCAN. Semantics, reply types and error texts follow Redis 7.0's t_set.c;
// each command is a row at the end of the file. The encodings and when a set converts are
// set_operations.h's; the commands over several sets are set_algebra_commands.cc's.
#include "commands/set_commands.h"

#include <climits>
#include <string>
#include <vector>

#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "commands/keyspace_notifications.h"
#include "commands/random_picks.h"
#include "commands/scan_options.h"
#include "commands/set_operations.h"
#include "common/glob.h"
#include "storage/entry.h"

namespace redoubt::commands {
namespace {

using common::OpResult;
using storage::Access;
using storage::Entry;
using storage::ValueType;

bool IsMember(const Entry* e, std::string_view member) {
  return e != nullptr && SetReader(*e).Contains(member);
}

void CmdSAdd(CommandContext& ctx) {
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kSet, Access::kWrite, &e)) {
    return;
  }
  SetWriter set(ctx.keyspace, ctx.db(), ctx.args[1], e, ctx.settings, ctx.args[2]);
  int64_t added = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    added += set.Add(ctx.args[i]) ? 1 : 0;
  }
  set.Finish();
  ctx.dirty += static_cast<uint64_t>(added);
  if (added > 0) {
    NotifyKeyspaceEvent(ctx, kNotifySet, "sadd", ctx.args[1]);
  }
  ctx.reply.Integer(added);
}

void CmdSRem(CommandContext& ctx) {
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kSet, Access::kWrite, &e)) {
    return;
  }
  if (e == nullptr) {
    return ctx.reply.Integer(0);
  }
  SetWriter set(ctx.keyspace, ctx.db(), ctx.args[1], e, ctx.settings);
  int64_t removed = 0;
  for (size_t i = 2; i < ctx.argc() && set.size() > 0; ++i) {
    removed += set.Remove(ctx.args[i]) ? 1 : 0;
  }
  const bool key_deleted = set.size() == 0;
  set.Finish();
  ctx.dirty += static_cast<uint64_t>(removed);
  if (removed > 0) {
    NotifyElementsRemoved(ctx, kNotifySet, "srem", ctx.args[1], key_deleted);
  }
  ctx.reply.Integer(removed);
}

// SMEMBERS: a set reply in RESP3, an array in RESP2.
void CmdSMembers(CommandContext& ctx) {
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kSet, Access::kRead, &e)) {
    return;
  }
  if (e == nullptr) {
    return ctx.reply.SetHeader(0);
  }
  SetReader set(*e);
  ctx.reply.SetHeader(set.size());
  set.ForEach([&](std::string_view member) { ctx.reply.Bulk(member); });
}

void CmdSIsMember(CommandContext& ctx) {
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kSet, Access::kRead, &e)) {
    return;
  }
  ctx.reply.Integer(IsMember(e, ctx.args[2]) ? 1 : 0);
}

void CmdSMIsMember(CommandContext& ctx) {
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kSet, Access::kRead, &e)) {
    return;
  }
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.reply.Integer(IsMember(e, ctx.args[i]) ? 1 : 0);
  }
}

void CmdSCard(CommandContext& ctx) {
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kSet, Access::kRead, &e)) {
    return;
  }
  ctx.reply.Integer(e == nullptr ? 0 : static_cast<int64_t>(SetReader(*e).size()));
}

void ReplyMembers(CommandContext& ctx, const std::vector<std::string_view>& members) {
  ctx.reply.SetHeader(members.size());
  for (std::string_view member : members) {
    ctx.reply.Bulk(member);
  }
}

// SPOP key count: a set reply. Few of many: random members popped one by one (Redis's case 2);
// nearly all: the few to keep are drawn, and the set is rebuilt from them (case 3), so that it
// takes the encoding a new set of them would.
void SPopCount(CommandContext& ctx) {
  int64_t count;
  if (!ParseInt64InRangeOrReply(ctx, ctx.args[2], 0, LONG_MAX, &count, kErrMustBePositive)) {
    return;
  }
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kSet, Access::kWrite, &e)) {
    return;
  }
  if (e == nullptr || count == 0) {
    return ctx.reply.SetHeader(0);
  }
  SetWriter set(ctx.keyspace, ctx.db(), ctx.args[1], e, ctx.settings);
  const size_t size = set.size();
  ctx.dirty += static_cast<uint64_t>(count) + 1;
  // Before the reply, as Redis's spopWithCountCommand reports it.
  NotifyKeyspaceEvent(ctx, kNotifySet, "spop", ctx.args[1]);
  std::mt19937_64& rng = CommandRng();
  // The log receives what was popped (Redis 7.0 propagates SPOP as SREM, or DEL for all).
  std::vector<std::string>* popped = nullptr;
  if (ctx.propagating) {
    ctx.propagate_as = {"SREM", std::string(ctx.args[1])};
    popped = &ctx.propagate_as;
  }
  if (static_cast<uint64_t>(count) >= size) {
    ReplyMembers(ctx, set.reader().Members());
    ctx.keyspace.Delete(ctx.db(), ctx.args[1]);
    ctx.PropagateAs({"DEL", ctx.args[1]});
    return NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", ctx.args[1]);
  }
  const size_t n = static_cast<size_t>(count);
  const size_t remaining = size - n;
  ctx.reply.SetHeader(n);
  if (remaining * 5 > n) {
    for (size_t i = 0; i < n; ++i) {
      std::string member(set.reader().Random(rng));
      ctx.reply.Bulk(member);
      set.Remove(member);
      if (popped != nullptr) {
        popped->push_back(std::move(member));
      }
    }
  } else {
    std::vector<std::string> kept;
    kept.reserve(remaining);
    for (size_t i = 0; i < remaining; ++i) {
      kept.emplace_back(set.reader().Random(rng));
      set.Remove(kept.back());
    }
    set.reader().ForEach([&](std::string_view member) {
      ctx.reply.Bulk(member);
      if (popped != nullptr) {
        popped->emplace_back(member);
      }
    });
    set.Reset(kept);
  }
  set.Finish();
}

// SPOP key [count]
void CmdSPop(CommandContext& ctx) {
  if (ctx.argc() == 3) {
    return SPopCount(ctx);
  }
  if (ctx.argc() > 3) {
    return ctx.reply.Error(kErrSyntax);
  }
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kSet, Access::kWrite, &e)) {
    return;
  }
  if (e == nullptr) {
    return ctx.reply.Null();
  }
  SetWriter set(ctx.keyspace, ctx.db(), ctx.args[1], e, ctx.settings);
  std::string member(set.reader().Random(CommandRng()));
  set.Remove(member);
  const bool key_deleted = set.size() == 0;
  set.Finish();
  ctx.dirty += 1;
  ctx.PropagateAs({"SREM", ctx.args[1], member});
  // "spop", the reply, then "del": Redis's spopCommand's order.
  NotifyKeyspaceEvent(ctx, kNotifySet, "spop", ctx.args[1]);
  ctx.reply.Bulk(member);
  if (key_deleted) {
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", ctx.args[1]);
  }
}

// SRANDMEMBER key [count], as Redis 7.0.15: without a count one member (nil for a missing key);
// a negative count, that many independent picks; a positive one, that many distinct members
// (the whole set when it has no more). Always an array, never a RESP3 set.
void CmdSRandMember(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    return ctx.reply.Error(kErrSyntax);
  }
  int64_t count = 0;
  if (ctx.argc() == 3 && !ParseInt64InRangeOrReply(ctx, ctx.args[2], -LONG_MAX, LONG_MAX, &count)) {
    return;
  }
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kSet, Access::kRead, &e)) {
    return;
  }
  if (ctx.argc() == 2) {
    return e == nullptr ? ctx.reply.Null() : ctx.reply.Bulk(SetReader(*e).Random(CommandRng()));
  }
  if (e == nullptr || count == 0) {
    return ctx.reply.ArrayHeader(0);
  }
  SetReader set(*e);
  std::mt19937_64& rng = CommandRng();
  if (count < 0) {
    const size_t n = static_cast<size_t>(-count);
    std::vector<std::string_view> all =
        set.cheap_random() ? std::vector<std::string_view>() : set.Members();
    ctx.reply.ArrayHeader(n);
    for (size_t i = 0; i < n; ++i) {
      ctx.reply.Bulk(all.empty() ? set.Random(rng) : all[rng() % all.size()]);
    }
    return;
  }
  const size_t size = set.size();
  std::vector<std::string_view> picks =
      static_cast<uint64_t>(count) >= size
          ? set.Members()
          : PickDistinct<std::string_view>(
                static_cast<size_t>(count), size, set.cheap_random(), [&] { return set.Members(); },
                [&] { return set.Random(rng); }, [](std::string_view m) { return m; });
  ctx.reply.ArrayHeader(picks.size());
  for (std::string_view member : picks) {
    ctx.reply.Bulk(member);
  }
}

// SMOVE source destination member: 1 when the member moved (or is already in source when both
// are the same set), 0 when source lacks it. Both keys must be sets (or, destination, missing).
void CmdSMove(CommandContext& ctx) {
  const std::string_view source = ctx.args[1];
  const std::string_view destination = ctx.args[2];
  const std::string_view member = ctx.args[3];
  Entry* src;
  Entry* dst;
  if (!FindKeyOfTypeOrReply(ctx, source, ValueType::kSet, Access::kWrite, &src)) {
    return;
  }
  if (src == nullptr) {
    // Redis answers 0 before it looks at the destination's type.
    return ctx.reply.Integer(0);
  }
  // Not a write lookup yet: a destination that already holds the member is not changed, and
  // must not void a WATCH on it (Redis signals the destination only when it adds).
  if (!FindKeyOfTypeOrReply(ctx, destination, ValueType::kSet, Access::kNoTouch, &dst)) {
    return;
  }
  if (src == dst) {
    return ctx.reply.Integer(SetReader(*src).Contains(member) ? 1 : 0);
  }
  {
    SetWriter from(ctx.keyspace, ctx.db(), source, src, ctx.settings);
    if (!from.Remove(member)) {
      return ctx.reply.Integer(0);
    }
    const bool source_deleted = from.size() == 0;
    from.Finish();
    // Before the destination is created (its "new"), as Redis's smoveCommand reports them.
    NotifyElementsRemoved(ctx, kNotifySet, "srem", source, source_deleted);
  }
  ctx.dirty += 1;
  // The source's change may have moved entries: look the destination up again.
  dst = ctx.keyspace.Find(ctx.db(), destination, Access::kNoTouch);
  if (dst != nullptr && SetReader(*dst).Contains(member)) {
    return ctx.reply.Integer(1);
  }
  dst = ctx.keyspace.Find(ctx.db(), destination, Access::kWrite);
  SetWriter to(ctx.keyspace, ctx.db(), destination, dst, ctx.settings, member);
  const bool added = to.Add(member);
  to.Finish();
  if (added) {
    ctx.dirty += 1;
    NotifyKeyspaceEvent(ctx, kNotifySet, "sadd", destination);
  }
  ctx.reply.Integer(1);
}

// SSCAN key cursor [MATCH pattern] [COUNT count]: members.
void CmdSScan(CommandContext& ctx) {
  ReplyElementScan(
      ctx,
      {.type = ValueType::kSet,
       .pairs = false,
       .for_each_packed =
           [](const Entry& e, const ElementScan::Emit& emit) {
             SetReader(e).ForEach([&](std::string_view member) { emit(member, {}); });
           },
       .scan_step = [](const Entry& e, uint64_t cursor,
                       const ElementScan::Emit& emit) { return e.table().Scan(cursor, emit); }});
}

}  // namespace

void RegisterSetCommands(CommandTable& table) {
  auto row = [&](std::string_view name, int arity, uint32_t flags, uint64_t acl, Handler handler,
                 std::string_view summary, std::string_view since) {
    table.Add({.name = name,
               .arity = arity,
               .flags = flags,
               .keys = {1, 1, 1},
               .acl = kAclSet | acl,
               .handler = handler,
               .summary = summary,
               .since = since,
               .group = "set"});
  };
  row("sadd", -3, kWrite | kDenyOom | kFast, kAclWrite | kAclFast, CmdSAdd,
      "Add one or more members to a set", "1.0.0");
  row("srem", -3, kWrite | kFast, kAclWrite | kAclFast, CmdSRem,
      "Remove one or more members from a set", "1.0.0");
  row("smembers", 2, kReadOnly, kAclRead | kAclSlow, CmdSMembers, "Get all the members in a set",
      "1.0.0");
  row("sismember", 3, kReadOnly | kFast, kAclRead | kAclFast, CmdSIsMember,
      "Determine if a given value is a member of a set", "1.0.0");
  row("smismember", -3, kReadOnly | kFast, kAclRead | kAclFast, CmdSMIsMember,
      "Returns the membership associated with the given elements for a set", "6.2.0");
  row("scard", 2, kReadOnly | kFast, kAclRead | kAclFast, CmdSCard,
      "Get the number of members in a set", "1.0.0");
  row("spop", -2, kWrite | kFast, kAclWrite | kAclFast, CmdSPop,
      "Remove and return one or multiple random members from a set", "1.0.0");
  row("srandmember", -2, kReadOnly, kAclRead | kAclSlow, CmdSRandMember,
      "Get one or multiple random members from a set", "1.0.0");
  row("sscan", -3, kReadOnly, kAclRead | kAclSlow, CmdSScan, "Incrementally iterate Set elements",
      "2.8.0");
  table.Add({.name = "smove",
             .arity = 4,
             .flags = kWrite | kFast,
             .keys = {1, 2, 1},
             .acl = kAclSet | kAclWrite | kAclFast,
             .handler = CmdSMove,
             .summary = "Move a member from one set to another",
             .since = "1.0.0",
             .group = "set"});
}

}  // namespace redoubt::commands
