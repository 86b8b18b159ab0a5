// Consumer group commands: XGROUP (CREATE SETID DESTROY CREATECONSUMER DELCONSUMER HELP), XACK,
// XPENDING, XCLAIM, XAUTOCLAIM, as Redis 7.0's t_stream.c. XREADGROUP is with XREAD in
// stream_commands.cc. XCLAIM and XAUTOCLAIM are logged as the forced claims they made (so that a
// replica's PEL is the primary's), as Redis propagates them.
#include <climits>
#include <string>
#include <vector>

#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "commands/keyspace_notifications.h"
#include "commands/stream_arguments.h"
#include "commands/stream_commands.h"
#include "commands/stream_mutation.h"
#include "commands/stream_replies.h"
#include "common/ascii.h"
#include "common/clock.h"
#include "storage/entry.h"
#include "storage/stream_value.h"

namespace redoubt::commands {
namespace {

using common::EqualsIgnoreCase;
using storage::Access;
using storage::Entry;
using storage::StreamConsumer;
using storage::StreamGroup;
using storage::StreamId;
using storage::StreamPending;
using storage::StreamValue;
using storage::ValueType;

std::string NoGroupText(std::string_view key, std::string_view group) {
  return "NOGROUP No such key '" + std::string(key) + "' or consumer group '" + std::string(group) +
         "'";
}

void ReplySubcommandSyntaxError(CommandContext& ctx) {
  ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                  std::string(ctx.args[1]) + "'. Try XGROUP HELP.");
}

// The stream at args[1] (for writing) and its group args[2]; false after replying: WRONGTYPE,
// or NOGROUP when either is missing.
bool FindGroupOrReply(CommandContext& ctx, Entry** e, StreamGroup** group) {
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kStream, Access::kWrite, e)) {
    return false;
  }
  *group = *e == nullptr ? nullptr : (*e)->mutable_stream().FindGroup(ctx.args[2]);
  if (*group == nullptr) {
    ctx.reply.Error(NoGroupText(ctx.args[1], ctx.args[2]));
    return false;
  }
  return true;
}

// ---- XGROUP ----

// The options after XGROUP CREATE/SETID key group id: MKSTREAM (CREATE) and ENTRIESREAD.
struct GroupOptions {
  bool mkstream = false;
  int64_t entries_read = StreamGroup::kUnknownEntriesRead;
};

bool ParseGroupOptionsOrReply(CommandContext& ctx, bool create, GroupOptions* o) {
  for (size_t i = 5; i < ctx.argc();) {
    if (create && EqualsIgnoreCase(ctx.args[i], "mkstream")) {
      o->mkstream = true;
      ++i;
    } else if (EqualsIgnoreCase(ctx.args[i], "entriesread") && i + 1 < ctx.argc()) {
      if (!ParseInt64OrReply(ctx, ctx.args[i + 1], &o->entries_read)) {
        return false;
      }
      if (o->entries_read < 0 && o->entries_read != StreamGroup::kUnknownEntriesRead) {
        ctx.reply.Error("ERR value for ENTRIESREAD must be positive or -1");
        return false;
      }
      i += 2;
    } else {
      ReplySubcommandSyntaxError(ctx);
      return false;
    }
  }
  return true;
}

// The stream of an XGROUP subcommand, which must exist (unless CREATE ... MKSTREAM).
bool FindGroupStreamOrReply(CommandContext& ctx, bool may_create, Entry** e) {
  if (!FindKeyOfTypeOrReply(ctx, ctx.args[2], ValueType::kStream, Access::kWrite, e)) {
    return false;
  }
  if (*e == nullptr && !may_create) {
    ctx.reply.Error(
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want "
        "to use the MKSTREAM option to create an empty stream automatically.");
    return false;
  }
  return true;
}

// The group of XGROUP SETID / CREATECONSUMER / DELCONSUMER.
StreamGroup* FindXGroupOrReply(CommandContext& ctx, Entry** e) {
  if (!FindGroupStreamOrReply(ctx, false, e)) {
    return nullptr;
  }
  StreamGroup* group = (*e)->mutable_stream().FindGroup(ctx.args[3]);
  if (group == nullptr) {
    ctx.reply.Error("NOGROUP No such consumer group '" + std::string(ctx.args[3]) +
                    "' for key name '" + std::string(ctx.args[2]) + "'");
  }
  return group;
}

// XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD entries-read]
void CmdXGroupCreate(CommandContext& ctx) {
  if (ctx.argc() > 8) {
    return ReplySubcommandSyntaxError(ctx);
  }
  GroupOptions o;
  Entry* e;
  if (!ParseGroupOptionsOrReply(ctx, true, &o) || !FindGroupStreamOrReply(ctx, o.mkstream, &e)) {
    return;
  }
  StreamId id;
  if (ctx.args[4] == "$") {
    id = e == nullptr ? StreamId::Min() : e->stream().last_id();
  } else if (!ParseStreamIdOrReply(ctx, ctx.args[4], 0, /*strict=*/true, nullptr, &id)) {
    return;
  }
  const std::string_view key = ctx.args[2];
  if (e == nullptr) {
    e = ctx.keyspace.Insert(ctx.db(), key, Entry::CreateStream(key, new StreamValue(), false));
  }
  bool created = false;
  MutateStream(ctx, key, e, [&](StreamValue& stream) {
    created = stream.CreateGroup(ctx.args[3], id, o.entries_read) != nullptr;
  });
  if (!created) {
    return ctx.reply.Error("BUSYGROUP Consumer Group name already exists");
  }
  ctx.reply.Ok();
  ++ctx.dirty;
  NotifyKeyspaceEvent(ctx, kNotifyStream, "xgroup-create", key);
}

// XGROUP SETID key group id|$ [ENTRIESREAD entries-read]
void CmdXGroupSetId(CommandContext& ctx) {
  if (ctx.argc() != 5 && ctx.argc() != 7) {
    return ReplySubcommandSyntaxError(ctx);
  }
  GroupOptions o;
  Entry* e;
  if (!ParseGroupOptionsOrReply(ctx, false, &o)) {
    return;
  }
  StreamGroup* group = FindXGroupOrReply(ctx, &e);
  if (group == nullptr) {
    return;
  }
  StreamId id;
  if (ctx.args[4] == "$") {
    id = e->stream().last_id();
  } else if (!ParseStreamIdOrReply(ctx, ctx.args[4], 0, /*strict=*/false, nullptr, &id)) {
    return;
  }
  group->last_id = id;
  group->entries_read = o.entries_read;
  ctx.reply.Ok();
  ++ctx.dirty;
  NotifyKeyspaceEvent(ctx, kNotifyStream, "xgroup-setid", ctx.args[2]);
}

// XGROUP DESTROY key group
void CmdXGroupDestroy(CommandContext& ctx) {
  Entry* e;
  if (!FindGroupStreamOrReply(ctx, false, &e)) {
    return;
  }
  bool destroyed = false;
  MutateStream(ctx, ctx.args[2], e,
               [&](StreamValue& stream) { destroyed = stream.DestroyGroup(ctx.args[3]); });
  ctx.reply.Integer(destroyed ? 1 : 0);
  if (destroyed) {
    ++ctx.dirty;
    NotifyKeyspaceEvent(ctx, kNotifyStream, "xgroup-destroy", ctx.args[2]);
    // Readers blocked on the group run again and find it gone.
    ctx.keyspace.SignalKeyAppended(ctx.db(), ctx.args[2]);
  }
}

// XGROUP CREATECONSUMER key group consumer
void CmdXGroupCreateConsumer(CommandContext& ctx) {
  Entry* e;
  StreamGroup* group = FindXGroupOrReply(ctx, &e);
  if (group == nullptr) {
    return;
  }
  bool created = false;
  MutateStream(ctx, ctx.args[2], e, [&](StreamValue&) {
    created = group->CreateConsumer(ctx.args[4], common::UnixMillis()) != nullptr;
  });
  ctx.reply.Integer(created ? 1 : 0);
  if (created) {
    ++ctx.dirty;
    NotifyKeyspaceEvent(ctx, kNotifyStream, "xgroup-createconsumer", ctx.args[2]);
  }
}

// XGROUP DELCONSUMER key group consumer: how many entries it had pending.
void CmdXGroupDelConsumer(CommandContext& ctx) {
  Entry* e;
  StreamGroup* group = FindXGroupOrReply(ctx, &e);
  if (group == nullptr) {
    return;
  }
  StreamConsumer* consumer = group->FindConsumer(ctx.args[4]);
  if (consumer == nullptr) {
    return ctx.reply.Integer(0);
  }
  uint64_t pending = 0;
  MutateStream(ctx, ctx.args[2], e,
               [&](StreamValue&) { pending = group->DeleteConsumer(consumer); });
  ctx.reply.Integer(static_cast<int64_t>(pending));
  ++ctx.dirty;
  NotifyKeyspaceEvent(ctx, kNotifyStream, "xgroup-delconsumer", ctx.args[2]);
}

// Redis 7.0's text ("Prints this help.").
void CmdXGroupHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CREATE <key> <groupname> <id|$> [option]",
      "    Create a new consumer group. Options are:",
      "    * MKSTREAM",
      "      Create the empty stream if it does not exist.",
      "    * ENTRIESREAD entries_read",
      "      Set the group's entries_read counter (internal use).",
      "CREATECONSUMER <key> <groupname> <consumer>",
      "    Create a new consumer in the specified group.",
      "DELCONSUMER <key> <groupname> <consumer>",
      "    Remove the specified consumer.",
      "DESTROY <key> <groupname>",
      "    Remove the specified group.",
      "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
      "    Set the current group ID and entries_read counter.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (std::string_view line : kLines) {
    ctx.reply.SimpleString(line);
  }
}

void CmdXGroup(CommandContext& ctx) {
  ctx.reply.Error(UnknownSubcommandText("xgroup", ctx.args[1]));
}

// ---- XACK, XPENDING ----

// XACK key group id [id ...]
void CmdXAck(CommandContext& ctx) {
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kStream, Access::kWrite, &e)) {
    return;
  }
  StreamGroup* group = e == nullptr ? nullptr : e->mutable_stream().FindGroup(ctx.args[2]);
  if (group == nullptr) {
    return ctx.reply.Integer(0);
  }
  std::vector<StreamId> ids(ctx.argc() - 3);
  for (size_t i = 3; i < ctx.argc(); ++i) {
    if (!ParseStreamIdOrReply(ctx, ctx.args[i], 0, /*strict=*/true, nullptr, &ids[i - 3])) {
      return;
    }
  }
  int64_t acknowledged = 0;
  MutateStream(ctx, ctx.args[1], e, [&](StreamValue&) {
    for (StreamId id : ids) {
      acknowledged += group->Acknowledge(id) ? 1 : 0;
    }
  });
  ctx.dirty += static_cast<uint64_t>(acknowledged);
  ctx.reply.Integer(acknowledged);
}

// XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
void CmdXPending(CommandContext& ctx) {
  const size_t argc = ctx.argc();
  if (argc != 3 && (argc < 6 || argc > 9)) {
    return ctx.reply.Error(kErrSyntax);
  }
  int64_t min_idle = 0;
  int64_t count = 0;
  StreamId start;
  StreamId end;
  std::string_view consumer_name;
  if (argc >= 6) {
    size_t at = 3;
    if (EqualsIgnoreCase(ctx.args[3], "idle")) {
      if (!ParseInt64OrReply(ctx, ctx.args[4], &min_idle)) {
        return;
      }
      if (argc < 8) {
        return ctx.reply.Error(kErrSyntax);
      }
      at += 2;
    }
    if (!ParseInt64OrReply(ctx, ctx.args[at + 2], &count)) {
      return;
    }
    count = count < 0 ? 0 : count;
    if (!ParseRangeStartOrReply(ctx, ctx.args[at], &start) ||
        !ParseRangeEndOrReply(ctx, ctx.args[at + 1], &end)) {
      return;
    }
    if (at + 3 < argc) {
      consumer_name = ctx.args[at + 3];
    }
  }
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kStream, Access::kRead, &e)) {
    return;
  }
  StreamGroup* group = e == nullptr ? nullptr : e->mutable_stream().FindGroup(ctx.args[2]);
  if (group == nullptr) {
    return ctx.reply.Error(NoGroupText(ctx.args[1], ctx.args[2]));
  }
  if (argc == 3) {
    // The summary: count, smallest and largest pending ids, and each consumer's count.
    ctx.reply.ArrayHeader(4);
    ctx.reply.Integer(static_cast<int64_t>(group->pel.size()));
    if (group->pel.empty()) {
      ctx.reply.Null();
      ctx.reply.Null();
      return ctx.reply.NullArray();
    }
    ctx.reply.Bulk(group->pel.begin()->first.ToString());
    ctx.reply.Bulk(group->pel.rbegin()->first.ToString());
    std::vector<const StreamConsumer*> with_pending;
    group->ForEachConsumer([&](const StreamConsumer& c) {
      if (!c.pending.empty()) {
        with_pending.push_back(&c);
      }
    });
    ctx.reply.ArrayHeader(with_pending.size());
    for (const StreamConsumer* c : with_pending) {
      ctx.reply.ArrayHeader(2);
      ctx.reply.Bulk(c->name);
      ctx.reply.Bulk(std::to_string(c->pending.size()));
    }
    return;
  }
  std::vector<std::pair<StreamId, const StreamPending*>> rows;
  const int64_t now = common::UnixMillis();
  auto take = [&](StreamId id, const StreamPending& p) {
    if (id > end || static_cast<int64_t>(rows.size()) >= count) {
      return false;
    }
    if (min_idle == 0 || now - p.delivery_time_ms >= min_idle) {
      rows.emplace_back(id, &p);
    }
    return true;
  };
  if (!consumer_name.empty() || argc == 7 || argc == 9) {
    StreamConsumer* consumer = group->FindConsumer(consumer_name);
    if (consumer == nullptr) {
      return ctx.reply.ArrayHeader(0);
    }
    for (auto it = consumer->pending.lower_bound(start);
         it != consumer->pending.end() && take(*it, group->pel.find(*it)->second); ++it) {
    }
  } else {
    for (auto it = group->pel.lower_bound(start);
         it != group->pel.end() && take(it->first, it->second); ++it) {
    }
  }
  ctx.reply.ArrayHeader(rows.size());
  for (const auto& [id, p] : rows) {
    ctx.reply.ArrayHeader(4);
    ctx.reply.Bulk(id.ToString());
    ctx.reply.Bulk(p->consumer->name);
    ctx.reply.Integer(now - p->delivery_time_ms < 0 ? 0 : now - p->delivery_time_ms);
    ctx.reply.Integer(static_cast<int64_t>(p->delivery_count));
  }
}

// ---- XCLAIM, XAUTOCLAIM ----

// A claimed entry of a deleted id: logged (with its last consumer), then dropped from the PEL.
void DropDeleted(CommandContext& ctx, StreamGroup& group, StreamId id, const StreamPending& p) {
  if (p.consumer != nullptr) {
    PropagateStreamClaim(ctx, ctx.args[1], ctx.args[2], group, id, p);
  }
  ++ctx.dirty;
  group.Acknowledge(id);
}

// The claiming consumer (args[3]), found or created on first use.
StreamConsumer* Claimer(CommandContext& ctx, StreamGroup& group, StreamConsumer*& consumer) {
  if (consumer == nullptr) {
    consumer = FindOrCreateConsumer(ctx, ctx.args[1], ctx.args[2], group, ctx.args[3], false);
  }
  return consumer;
}

void ReplyClaimed(CommandContext& ctx, const StreamValue& stream, StreamId id, bool justid) {
  if (justid) {
    return ctx.reply.Bulk(id.ToString());
  }
  stream.Range(id, id, false, [&](const storage::StreamEntry& entry) {
    ReplyStreamEntry(ctx, entry);
    return false;
  });
}

// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-ms]
// [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]
void CmdXClaim(CommandContext& ctx) {
  Entry* e;
  StreamGroup* group;
  if (!FindGroupOrReply(ctx, &e, &group)) {
    return;
  }
  int64_t min_idle;
  if (!ParseInt64OrReply(ctx, ctx.args[4], &min_idle,
                         "ERR Invalid min-idle-time argument for XCLAIM")) {
    return;
  }
  min_idle = min_idle < 0 ? 0 : min_idle;
  // Ids up to the first argument that is not one, then the options.
  std::vector<StreamId> ids;
  size_t i = 5;
  for (; i < ctx.argc(); ++i) {
    StreamId id;
    // The first argument that is no id is where the options begin (no error for it).
    if (!ParseStreamIdQuietly(ctx.args[i], &id)) {
      break;
    }
    ids.push_back(id);
  }
  const int64_t now = common::UnixMillis();
  int64_t delivery_time = -1;
  int64_t retry_count = -1;
  bool force = false;
  bool justid = false;
  StreamId last_id;
  for (; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.args[i];
    const bool more = i + 1 < ctx.argc();
    if (EqualsIgnoreCase(opt, "force")) {
      force = true;
    } else if (EqualsIgnoreCase(opt, "justid")) {
      justid = true;
    } else if (EqualsIgnoreCase(opt, "idle") && more) {
      if (!ParseInt64OrReply(ctx, ctx.args[++i], &delivery_time,
                             "ERR Invalid IDLE option argument for XCLAIM")) {
        return;
      }
      delivery_time = now - delivery_time;
    } else if (EqualsIgnoreCase(opt, "time") && more) {
      if (!ParseInt64OrReply(ctx, ctx.args[++i], &delivery_time,
                             "ERR Invalid TIME option argument for XCLAIM")) {
        return;
      }
    } else if (EqualsIgnoreCase(opt, "retrycount") && more) {
      if (!ParseInt64OrReply(ctx, ctx.args[++i], &retry_count,
                             "ERR Invalid RETRYCOUNT option argument for XCLAIM")) {
        return;
      }
    } else if (EqualsIgnoreCase(opt, "lastid") && more) {
      if (!ParseStreamIdOrReply(ctx, ctx.args[++i], 0, /*strict=*/true, nullptr, &last_id)) {
        return;
      }
    } else {
      return ctx.reply.Error("ERR Unrecognized XCLAIM option '" + std::string(opt) + "'");
    }
  }
  bool log_last_id = false;
  if (last_id > group->last_id) {
    group->last_id = last_id;
    log_last_id = true;
  }
  if (delivery_time < 0 || delivery_time > now) {  // -1: neither IDLE nor TIME
    delivery_time = now;
  }
  ctx.propagate_commands_only = true;
  std::vector<StreamId> claimed;
  StreamConsumer* consumer = nullptr;
  StreamValue& stream = e->mutable_stream();
  MutateStream(ctx, ctx.args[1], e, [&](StreamValue&) {
    for (StreamId id : ids) {
      auto it = group->pel.find(id);
      if (!stream.EntryExists(id)) {
        if (it != group->pel.end()) {
          DropDeleted(ctx, *group, id, it->second);
          log_last_id = false;
        }
        continue;
      }
      if (force && it == group->pel.end()) {
        it = group->pel.emplace(id, StreamPending{.delivery_time_ms = now}).first;
      }
      if (it == group->pel.end()) {
        continue;
      }
      StreamPending& p = it->second;
      if (p.consumer != nullptr && min_idle != 0 && now - p.delivery_time_ms < min_idle) {
        continue;
      }
      group->Assign(id, p, Claimer(ctx, *group, consumer));
      p.delivery_time_ms = delivery_time;
      if (retry_count >= 0) {
        p.delivery_count = static_cast<uint64_t>(retry_count);
      } else if (!justid) {
        ++p.delivery_count;
      }
      claimed.push_back(id);
      PropagateStreamClaim(ctx, ctx.args[1], ctx.args[2], *group, id, p);
      log_last_id = false;
      ++ctx.dirty;
    }
  });
  if (log_last_id) {
    PropagateStreamGroupId(ctx, ctx.args[1], ctx.args[2], *group);
    ++ctx.dirty;
  }
  ctx.reply.ArrayHeader(claimed.size());
  for (StreamId id : claimed) {
    ReplyClaimed(ctx, stream, id, justid);
  }
}

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
void CmdXAutoClaim(CommandContext& ctx) {
  int64_t min_idle;
  if (!ParseInt64OrReply(ctx, ctx.args[4], &min_idle,
                         "ERR Invalid min-idle-time argument for XAUTOCLAIM")) {
    return;
  }
  min_idle = min_idle < 0 ? 0 : min_idle;
  StreamId start;
  if (!ParseRangeStartOrReply(ctx, ctx.args[5], &start)) {
    return;
  }
  constexpr int64_t kAttemptsFactor = 10;
  int64_t count = 100;
  bool justid = false;
  for (size_t i = 6; i < ctx.argc(); ++i) {
    if (EqualsIgnoreCase(ctx.args[i], "count") && i + 1 < ctx.argc()) {
      if (!ParseInt64InRangeOrReply(ctx, ctx.args[i + 1], 1, LONG_MAX / 16, &count,
                                    "ERR COUNT must be > 0")) {
        return;
      }
      ++i;
    } else if (EqualsIgnoreCase(ctx.args[i], "justid")) {
      justid = true;
    } else {
      return ctx.reply.Error(kErrSyntax);
    }
  }
  Entry* e;
  StreamGroup* group;
  if (!FindGroupOrReply(ctx, &e, &group)) {
    return;
  }
  ctx.propagate_commands_only = true;
  StreamValue& stream = e->mutable_stream();
  StreamConsumer* consumer = nullptr;
  std::vector<StreamId> claimed;
  std::vector<StreamId> deleted;
  StreamId next;  // where the next call starts: 0-0 when the PEL was scanned to its end
  const int64_t now = common::UnixMillis();
  MutateStream(ctx, ctx.args[1], e, [&](StreamValue&) {
    int64_t attempts = count * kAttemptsFactor;
    auto it = group->pel.lower_bound(start);
    while (attempts-- > 0 && count > 0 && it != group->pel.end()) {
      const StreamId id = it->first;
      StreamPending& p = it->second;
      if (!stream.EntryExists(id)) {
        deleted.push_back(id);
        DropDeleted(ctx, *group, id, p);
        it = group->pel.lower_bound(id);
        --count;
        continue;
      }
      if (min_idle != 0 && now - p.delivery_time_ms < min_idle) {
        ++it;
        continue;
      }
      group->Assign(id, p, Claimer(ctx, *group, consumer));
      p.delivery_time_ms = now;
      if (!justid) {
        ++p.delivery_count;
      }
      claimed.push_back(id);
      PropagateStreamClaim(ctx, ctx.args[1], ctx.args[2], *group, id, p);
      ++ctx.dirty;
      --count;
      ++it;
    }
    next = it == group->pel.end() ? StreamId::Min() : it->first;
  });
  ctx.reply.ArrayHeader(3);
  ctx.reply.Bulk(next.ToString());
  ctx.reply.ArrayHeader(claimed.size());
  for (StreamId id : claimed) {
    ReplyClaimed(ctx, stream, id, justid);
  }
  ctx.reply.ArrayHeader(deleted.size());
  for (StreamId id : deleted) {
    ctx.reply.Bulk(id.ToString());
  }
}

}  // namespace

void RegisterStreamGroupCommands(CommandTable& table) {
  auto sub = [](std::string_view name, int arity, uint32_t flags, uint64_t acl, Handler handler,
                std::string_view summary) {
    return CommandSpec{.name = name,
                       .arity = arity,
                       .flags = flags,
                       .keys = {2, 2, 1},
                       .acl = kAclStream | acl,
                       .handler = handler,
                       .summary = summary,
                       .since = "5.0.0",
                       .group = "stream"};
  };
  CommandSpec help = sub("xgroup|help", 2, kLoading | kStale, kAclSlow, CmdXGroupHelp,
                         "Show helpful text about the different subcommands");
  help.keys = {};
  table.Add({.name = "xgroup",
             .arity = -2,
             .acl = kAclSlow,
             .handler = CmdXGroup,
             .summary = "A container for consumer groups commands",
             .since = "5.0.0",
             .group = "stream",
             .subcommands = {
                 sub("xgroup|create", -5, kWrite | kDenyOom, kAclWrite | kAclSlow, CmdXGroupCreate,
                     "Create a consumer group."),
                 sub("xgroup|createconsumer", 5, kWrite | kDenyOom, kAclWrite | kAclSlow,
                     CmdXGroupCreateConsumer, "Create a consumer in a consumer group."),
                 sub("xgroup|delconsumer", 5, kWrite, kAclWrite | kAclSlow, CmdXGroupDelConsumer,
                     "Delete a consumer from a consumer group."),
                 sub("xgroup|destroy", 4, kWrite, kAclWrite | kAclSlow, CmdXGroupDestroy,
                     "Destroy a consumer group."),
                 help,
                 sub("xgroup|setid", -5, kWrite, kAclWrite | kAclSlow, CmdXGroupSetId,
                     "Set a consumer group to an arbitrary last delivered ID value."),
             }});
  auto row = [&](std::string_view name, int arity, uint32_t flags, uint64_t acl, Handler handler,
                 std::string_view summary, std::string_view since) {
    table.Add({.name = name,
               .arity = arity,
               .flags = flags,
               .keys = {1, 1, 1},
               .acl = kAclStream | acl,
               .handler = handler,
               .summary = summary,
               .since = since,
               .group = "stream"});
  };
  row("xack", -4, kWrite | kFast, kAclWrite | kAclFast, CmdXAck,
      "Marks a pending message as correctly processed, effectively removing it from the pending "
      "entries list of the consumer group. Return value of the command is the number of "
      "messages successfully acknowledged, that is, the IDs we were actually able to resolve in "
      "the PEL.",
      "5.0.0");
  row("xpending", -3, kReadOnly, kAclRead | kAclSlow, CmdXPending,
      "Return information and entries from a stream consumer group pending entries list, that "
      "are messages fetched but never acknowledged.",
      "5.0.0");
  row("xclaim", -6, kWrite | kFast, kAclWrite | kAclFast, CmdXClaim,
      "Changes (or acquires) ownership of a message in a consumer group, as if the message was "
      "delivered to the specified consumer.",
      "5.0.0");
  row("xautoclaim", -6, kWrite | kFast, kAclWrite | kAclFast, CmdXAutoClaim,
      "Changes (or acquires) ownership of messages in a consumer group, as if the messages were "
      "delivered to the specified consumer.",
      "6.2.0");
}

}  // namespace redoubt::commands
