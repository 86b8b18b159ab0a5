// Set commands over several sets: SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF
// SDIFFSTORE, as Redis 7.0.15's t_set.c: every key is checked for its type first (one of the
// wrong type is WRONGTYPE even when another is missing), a missing key is an empty set, replies
// are RESP3 sets, and a STORE overwrites its destination whatever it held (deleted when the
// result is empty), encoded as a new set of the result would be.
#include <absl/container/flat_hash_set.h>

#include <algorithm>
#include <climits>
#include <optional>
#include <string>
#include <vector>

#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "commands/keyspace_notifications.h"
#include "commands/set_commands.h"
#include "commands/set_operations.h"
#include "storage/entry.h"

namespace redoubt::commands {
namespace {

using storage::Access;
using storage::Entry;
using storage::ValueType;

// The sets named by keys, nullopt for a missing key; false after replying WRONGTYPE.
bool FindSetsOrReply(CommandContext& ctx, std::span<const std::string_view> keys,
                     std::vector<std::optional<SetReader>>* sets,
                     std::vector<const Entry*>* entries) {
  for (std::string_view key : keys) {
    Entry* e;
    if (!FindKeyOfTypeOrReply(ctx, key, ValueType::kSet, Access::kRead, &e)) {
      return false;
    }
    entries->push_back(e);
    sets->push_back(e == nullptr ? std::nullopt : std::optional<SetReader>(SetReader(*e)));
  }
  return true;
}

enum class SetOp : uint8_t { kInter, kUnion, kDiff };

// The members of the operation over keys (views into the sets), or nullopt after replying an
// error. limit > 0 stops an intersection at that many members (SINTERCARD). *missing_source (if
// given) tells an intersection made empty by a missing key.
std::optional<std::vector<std::string_view>> Compute(CommandContext& ctx, SetOp op,
                                                     std::span<const std::string_view> keys,
                                                     size_t limit = 0,
                                                     bool* missing_source = nullptr) {
  std::vector<std::optional<SetReader>> sets;
  std::vector<const Entry*> entries;
  if (!FindSetsOrReply(ctx, keys, &sets, &entries)) {
    return std::nullopt;
  }
  std::vector<std::string_view> result;
  if (op == SetOp::kInter) {
    if (std::any_of(sets.begin(), sets.end(), [](const auto& s) { return !s.has_value(); })) {
      if (missing_source != nullptr) {
        *missing_source = true;
      }
      return result;
    }
    // Walk the smallest set, test each member against the others; a set named twice is
    // tested once.
    std::vector<size_t> order(sets.size());
    for (size_t i = 0; i < order.size(); ++i) {
      order[i] = i;
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return sets[a]->size() < sets[b]->size(); });
    const size_t first = order[0];
    sets[first]->ForEach([&](std::string_view member) {
      if (limit > 0 && result.size() >= limit) {
        return;
      }
      for (size_t j = 1; j < order.size(); ++j) {
        if (entries[order[j]] != entries[first] && !sets[order[j]]->Contains(member)) {
          return;
        }
      }
      result.push_back(member);
    });
    return result;
  }
  if (op == SetOp::kUnion) {
    absl::flat_hash_set<std::string_view> seen;
    for (const auto& set : sets) {
      if (set) {
        set->ForEach([&](std::string_view member) {
          if (seen.insert(member).second) {
            result.push_back(member);
          }
        });
      }
    }
    return result;
  }
  if (!sets[0]) {
    return result;
  }
  sets[0]->ForEach([&](std::string_view member) {
    for (size_t j = 1; j < sets.size(); ++j) {
      if (entries[j] == entries[0] || (sets[j] && sets[j]->Contains(member))) {
        return;
      }
    }
    result.push_back(member);
  });
  return result;
}

void ReplySet(CommandContext& ctx, SetOp op) {
  std::optional<std::vector<std::string_view>> members = Compute(ctx, op, ctx.args.subspan(1));
  if (!members) {
    return;
  }
  ctx.reply.SetHeader(members->size());
  for (std::string_view member : *members) {
    ctx.reply.Bulk(member);
  }
}

// The STORE forms: the result is copied before the destination (maybe one of the sources) is
// replaced, as a new value over whatever was there (no "new" event for an existing key, as
// Redis's setKey). An empty result deletes the destination; only an actual deletion counts and
// is reported. Events follow the reply, but for an intersection with a missing key, whose "del"
// Redis's sinterGenericCommand reports first.
void Store(CommandContext& ctx, SetOp op, std::string_view event) {
  bool missing_source = false;
  std::optional<std::vector<std::string_view>> views =
      Compute(ctx, op, ctx.args.subspan(2), 0, &missing_source);
  if (!views) {
    return;
  }
  std::vector<std::string> members(views->begin(), views->end());
  const std::string_view destination = ctx.args[1];
  if (members.empty()) {
    if (!missing_source) {
      ctx.reply.Integer(0);
    }
    if (ctx.keyspace.Delete(ctx.db(), destination)) {
      ctx.dirty += 1;
      NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", destination);
    }
    if (missing_source) {
      ctx.reply.Integer(0);
    }
    return;
  }
  SetWriter set(ctx.keyspace, ctx.db(), destination, nullptr, ctx.settings, members[0]);
  for (const std::string& member : members) {
    set.Add(member);
  }
  set.Finish();
  ctx.dirty += 1;
  ctx.reply.Integer(static_cast<int64_t>(members.size()));
  NotifyKeyspaceEvent(ctx, kNotifySet, event, destination);
}

void CmdSInter(CommandContext& ctx) {
  ReplySet(ctx, SetOp::kInter);
}
void CmdSUnion(CommandContext& ctx) {
  ReplySet(ctx, SetOp::kUnion);
}
void CmdSDiff(CommandContext& ctx) {
  ReplySet(ctx, SetOp::kDiff);
}
void CmdSInterStore(CommandContext& ctx) {
  Store(ctx, SetOp::kInter, "sinterstore");
}
void CmdSUnionStore(CommandContext& ctx) {
  Store(ctx, SetOp::kUnion, "sunionstore");
}
void CmdSDiffStore(CommandContext& ctx) {
  Store(ctx, SetOp::kDiff, "sdiffstore");
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void CmdSInterCard(CommandContext& ctx) {
  int64_t numkeys;
  if (!ParseInt64InRangeOrReply(ctx, ctx.args[1], 1, LONG_MAX, &numkeys,
                                "ERR numkeys should be greater than 0")) {
    return;
  }
  if (static_cast<uint64_t>(numkeys) > ctx.argc() - 2) {
    return ctx.reply.Error("ERR Number of keys can't be greater than number of args");
  }
  int64_t limit = 0;
  for (size_t i = 2 + static_cast<size_t>(numkeys); i < ctx.argc(); i += 2) {
    if (i + 1 < ctx.argc() && EqualsIgnoreCase(ctx.args[i], "limit")) {
      if (!ParseInt64InRangeOrReply(ctx, ctx.args[i + 1], 0, LONG_MAX, &limit,
                                    "ERR LIMIT can't be negative")) {
        return;
      }
    } else {
      return ctx.reply.Error(kErrSyntax);
    }
  }
  std::optional<std::vector<std::string_view>> members =
      Compute(ctx, SetOp::kInter, ctx.args.subspan(2, static_cast<size_t>(numkeys)),
              static_cast<size_t>(limit));
  if (members) {
    ctx.reply.Integer(static_cast<int64_t>(members->size()));
  }
}

}  // namespace

void RegisterSetAlgebraCommands(CommandTable& table) {
  // The sources, or the destination and then the sources: every argument after the name.
  auto row = [&](std::string_view name, int arity, uint32_t flags, uint64_t acl, Handler handler,
                 std::string_view summary) {
    table.Add({.name = name,
               .arity = arity,
               .flags = flags,
               .keys = {1, -1, 1},
               .acl = kAclSet | kAclSlow | acl,
               .handler = handler,
               .summary = summary,
               .since = "1.0.0",
               .group = "set"});
  };
  row("sinter", -2, kReadOnly, kAclRead, CmdSInter, "Intersect multiple sets");
  row("sunion", -2, kReadOnly, kAclRead, CmdSUnion, "Add multiple sets");
  row("sdiff", -2, kReadOnly, kAclRead, CmdSDiff, "Subtract multiple sets");
  row("sinterstore", -3, kWrite | kDenyOom, kAclWrite, CmdSInterStore,
      "Intersect multiple sets and store the resulting set in a key");
  row("sunionstore", -3, kWrite | kDenyOom, kAclWrite, CmdSUnionStore,
      "Add multiple sets and store the resulting set in a key");
  row("sdiffstore", -3, kWrite | kDenyOom, kAclWrite, CmdSDiffStore,
      "Subtract multiple sets and store the resulting set in a key");
  table.Add({.name = "sintercard",
             .arity = -3,
             .flags = kReadOnly,
             .acl = kAclSet | kAclSlow | kAclRead,
             .handler = CmdSInterCard,
             .key_finder = KeysAfterCount<1>,
             .summary = "Intersect multiple sets and return the cardinality of the result",
             .since = "7.0.0",
             .group = "set"});
}

}  // namespace redoubt::commands
