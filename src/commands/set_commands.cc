// Set commands: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD. Semantics, reply types and error
// texts follow Redis 7.0's t_set.c; each command is a row at the end of the file. The encodings
// and when a set converts are set_operations.h's.
#include "commands/set_commands.h"

#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "commands/set_operations.h"
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
  set.Finish();
  ctx.dirty += static_cast<uint64_t>(removed);
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
}

}  // namespace redoubt::commands
