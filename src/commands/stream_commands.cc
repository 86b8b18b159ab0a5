// Stream commands: XADD XLEN XRANGE XREVRANGE XDEL XTRIM XREAD XSETID. Semantics, reply shapes
// and error texts follow Redis 7.0's t_stream.c; each command is a row at the end of the file.
// The value is storage::StreamValue (nodes, trimming, tombstones); the arguments are
// stream_arguments.h's.
#include "commands/stream_commands.h"

#include <string>
#include <utility>
#include <vector>

#include "commands/blocking.h"
#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "commands/keyspace_notifications.h"
#include "commands/stream_arguments.h"
#include "commands/stream_mutation.h"
#include "commands/stream_replies.h"
#include "common/ascii.h"
#include "storage/entry.h"
#include "storage/stream_value.h"

namespace redoubt::commands {
namespace {

using common::EqualsIgnoreCase;
using storage::Access;
using storage::Entry;
using storage::StreamEntry;
using storage::StreamId;
using storage::StreamTrim;
using storage::StreamValue;
using storage::ValueType;

// Redis's STREAM_LISTPACK_MAX_SIZE: an entry's fields and values together stay below it.
constexpr uint64_t kMaxEntryBytes = uint64_t{1} << 30;
// XREAD BLOCK without COUNT serves at most this many entries per stream once woken.
constexpr int64_t kBlockedReadDefaultCount = 1000;

storage::StreamNodeLimits NodeLimits(const RuntimeSettings& settings) {
  return {.max_bytes =
              static_cast<uint64_t>(settings.stream_node_max_bytes.load(std::memory_order_relaxed)),
          .max_entries = settings.stream_node_max_entries.load(std::memory_order_relaxed)};
}

// The stream at args[1] for writing; nullptr after replying: WRONGTYPE, or 0 when the key is
// missing (XDEL, XTRIM).
Entry* FindStreamOrReplyZero(CommandContext& ctx) {
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kStream, Access::kWrite, &e)) {
    return nullptr;
  }
  if (e == nullptr) {
    ctx.reply.Integer(0);
  }
  return e;
}

// The argument a trim is propagated with when it was approximate (streamRewriteTrimArgument):
// the length left, or the first id left, so that a replica or the AOF removes exactly as much.
std::string ExactTrimArgument(const StreamValue& stream, StreamTrim::Strategy strategy) {
  if (strategy == StreamTrim::Strategy::kMaxLen) {
    return std::to_string(stream.length());
  }
  return stream.EdgeId(/*first=*/true, /*skip_tombstones=*/false).ToString();
}

// Sets what the command is logged as: its own arguments with the generated id in place of "*"
// and an approximate trim made exact ("~" becomes "=", the count or id what was reached).
void PropagateAdd(CommandContext& ctx, const StreamAddArguments& args, const StreamValue& stream,
                  const std::string* id) {
  if (!ctx.propagating) {
    return;
  }
  const bool rewrite_trim = args.trim.approx && args.trim_arg_index != 0;
  if (id == nullptr && !rewrite_trim) {
    return;
  }
  ctx.propagate_as.assign(ctx.args.begin(), ctx.args.end());
  if (id != nullptr) {
    ctx.propagate_as[args.id_index] = *id;
  }
  if (rewrite_trim) {
    ctx.propagate_as[args.trim_arg_index - 1] = "=";
    ctx.propagate_as[args.trim_arg_index] = ExactTrimArgument(stream, args.trim.strategy);
  }
}

// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [...]
void CmdXAdd(CommandContext& ctx) {
  StreamAddArguments args;
  if (!ParseStreamAddArgumentsOrReply(ctx, /*xadd=*/true, &args)) {
    return;
  }
  const size_t first_field = args.id_index + 1;
  if (first_field > ctx.argc() || ctx.argc() - first_field < 2 ||
      (ctx.argc() - first_field) % 2 == 1) {
    return ctx.reply.Error(WrongArityText(ctx.spec.name));
  }
  // 0-0 is refused before a stream is created for it.
  if (args.id_given && args.seq_given && args.id.IsZero()) {
    return ctx.reply.Error("ERR The ID specified in XADD must be greater than 0-0");
  }
  std::span<const std::string_view> field_values = ctx.args.subspan(first_field);
  uint64_t element_bytes = 0;
  for (std::string_view s : field_values) {
    element_bytes += s.size();
  }
  if (element_bytes > kMaxEntryBytes) {
    return ctx.reply.Error("ERR Elements are too large to be stored");
  }
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kStream, Access::kWrite, &e)) {
    return;
  }
  if (e == nullptr) {
    if (args.no_mkstream) {
      return ctx.reply.Null();
    }
    e = ctx.keyspace.Insert(ctx.db(), ctx.args[1],
                            Entry::CreateStream(ctx.args[1], new StreamValue(), false));
  }
  const StreamValue& current = e->stream();
  if (current.last_id() == StreamId::Max()) {
    return ctx.reply.Error(
        "ERR The stream has exhausted the last possible ID, unable to add more items");
  }
  // The id: generated from the clock, given whole, or given as "<ms>-*".
  StreamId id;
  if (!args.id_given) {
    const auto now = static_cast<uint64_t>(common::UnixMillis());
    id = current.last_id();
    if (now > id.ms) {
      id = {now, 0};
    } else {
      id.Increment();
    }
  } else if (args.seq_given) {
    id = args.id;
  } else if (current.last_id().ms == args.id.ms) {
    if (current.last_id().seq == UINT64_MAX) {
      return ctx.reply.Error(
          "ERR The ID specified in XADD is equal or smaller than the target stream top item");
    }
    id = {args.id.ms, current.last_id().seq + 1};
  } else {
    id = args.id;
  }
  if (id <= current.last_id()) {
    return ctx.reply.Error(
        "ERR The ID specified in XADD is equal or smaller than the target stream top item");
  }
  const std::string id_text = id.ToString();
  const std::string_view key = ctx.args[1];
  bool trimmed = false;
  MutateStream(ctx, key, e, [&](StreamValue& stream) {
    stream.Append(id, field_values, NodeLimits(ctx.settings));
    trimmed = stream.Trim(args.trim) > 0;
  });
  ctx.reply.Bulk(id_text);
  ++ctx.dirty;
  NotifyKeyspaceEvent(ctx, kNotifyStream, "xadd", key);
  if (trimmed) {
    NotifyKeyspaceEvent(ctx, kNotifyStream, "xtrim", key);
  }
  PropagateAdd(ctx, args, e->stream(), (args.id_given && args.seq_given) ? nullptr : &id_text);
  // Readers blocked on the key (XREAD BLOCK) run again.
  ctx.keyspace.SignalKeyAppended(ctx.db(), key);
}

void CmdXLen(CommandContext& ctx) {
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kStream, Access::kRead, &e)) {
    return;
  }
  ctx.reply.Integer(e == nullptr ? 0 : static_cast<int64_t>(e->stream().length()));
}

// XRANGE key start end [COUNT n] and XREVRANGE key end start [COUNT n].
void Range(CommandContext& ctx, bool reverse) {
  StreamId start;
  StreamId end;
  if (!ParseRangeStartOrReply(ctx, ctx.args[reverse ? 3 : 2], &start) ||
      !ParseRangeEndOrReply(ctx, ctx.args[reverse ? 2 : 3], &end)) {
    return;
  }
  int64_t count = -1;
  for (size_t i = 4; i < ctx.argc(); ++i) {
    if (EqualsIgnoreCase(ctx.args[i], "count") && i + 1 < ctx.argc()) {
      if (!ParseInt64OrReply(ctx, ctx.args[i + 1], &count)) {
        return;
      }
      count = count < 0 ? 0 : count;
      ++i;
    } else {
      return ctx.reply.Error(kErrSyntax);
    }
  }
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kStream, Access::kRead, &e)) {
    return;
  }
  if (e == nullptr) {
    return ctx.reply.ArrayHeader(0);
  }
  if (count == 0) {
    return ctx.reply.NullArray();
  }
  ReplyStreamRange(ctx, e->stream(), start, end, reverse, count < 0 ? 0 : count);
}

void CmdXRange(CommandContext& ctx) {
  Range(ctx, /*reverse=*/false);
}

void CmdXRevRange(CommandContext& ctx) {
  Range(ctx, /*reverse=*/true);
}

// XDEL key id [id ...]
void CmdXDel(CommandContext& ctx) {
  // Every id is checked before any is deleted.
  std::vector<StreamId> ids(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (!ParseStreamIdOrReply(ctx, ctx.args[i], 0, /*strict=*/true, nullptr, &ids[i - 2])) {
      return;
    }
  }
  Entry* e = FindStreamOrReplyZero(ctx);
  if (e == nullptr) {
    return;
  }
  const std::string_view key = ctx.args[1];
  int64_t deleted = 0;
  MutateStream(ctx, key, e, [&](StreamValue& stream) {
    bool first_deleted = false;
    for (StreamId id : ids) {
      if (!stream.Delete(id)) {
        continue;
      }
      first_deleted = first_deleted || id == stream.first_id();
      if (id > stream.max_deleted_id()) {
        stream.set_max_deleted_id(id);
      }
      ++deleted;
    }
    if (deleted != 0) {
      if (stream.length() == 0) {
        stream.set_first_id(StreamId::Min());
      } else if (first_deleted) {
        stream.set_first_id(stream.EdgeId(/*first=*/true, /*skip_tombstones=*/true));
      }
    }
  });
  if (deleted != 0) {
    ctx.dirty += static_cast<uint64_t>(deleted);
    NotifyKeyspaceEvent(ctx, kNotifyStream, "xdel", key);
  }
  ctx.reply.Integer(deleted);
}

// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
void CmdXTrim(CommandContext& ctx) {
  StreamAddArguments args;
  if (!ParseStreamAddArgumentsOrReply(ctx, /*xadd=*/false, &args)) {
    return;
  }
  Entry* e = FindStreamOrReplyZero(ctx);
  if (e == nullptr) {
    return;
  }
  const std::string_view key = ctx.args[1];
  int64_t removed = 0;
  MutateStream(ctx, key, e, [&](StreamValue& stream) { removed = stream.Trim(args.trim); });
  if (removed != 0) {
    NotifyKeyspaceEvent(ctx, kNotifyStream, "xtrim", key);
    PropagateAdd(ctx, args, e->stream(), nullptr);
    ctx.dirty += static_cast<uint64_t>(removed);
  }
  ctx.reply.Integer(removed);
}

// XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
void CmdXSetId(CommandContext& ctx) {
  StreamId id;
  if (!ParseStreamIdOrReply(ctx, ctx.args[2], 0, /*strict=*/true, nullptr, &id)) {
    return;
  }
  int64_t entries_added = -1;
  StreamId max_deleted;
  for (size_t i = 3; i < ctx.argc(); i += 2) {
    const bool more = i + 1 < ctx.argc();
    if (EqualsIgnoreCase(ctx.args[i], "entriesadded") && more) {
      if (!ParseInt64OrReply(ctx, ctx.args[i + 1], &entries_added)) {
        return;
      }
      if (entries_added < 0) {
        return ctx.reply.Error("ERR entries_added must be positive");
      }
    } else if (EqualsIgnoreCase(ctx.args[i], "maxdeletedid") && more) {
      if (!ParseStreamIdOrReply(ctx, ctx.args[i + 1], 0, /*strict=*/true, nullptr, &max_deleted)) {
        return;
      }
      if (id < max_deleted) {
        return ctx.reply.Error(
            "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
      }
    } else {
      return ctx.reply.Error(kErrSyntax);
    }
  }
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kStream, Access::kWrite, &e)) {
    return;
  }
  if (e == nullptr) {
    return ctx.reply.Error("ERR no such key");
  }
  StreamValue& stream = e->mutable_stream();
  if (stream.length() > 0) {
    if (id < stream.EdgeId(/*first=*/false, /*skip_tombstones=*/true)) {
      return ctx.reply.Error(
          "ERR The ID specified in XSETID is smaller than the target stream top item");
    }
    if (entries_added != -1 && stream.length() > static_cast<uint64_t>(entries_added)) {
      return ctx.reply.Error(
          "ERR The entries_added specified in XSETID is smaller than the target stream length");
    }
  }
  stream.set_last_id(id);
  if (entries_added != -1) {
    stream.set_entries_added(static_cast<uint64_t>(entries_added));
  }
  if (!max_deleted.IsZero()) {
    stream.set_max_deleted_id(max_deleted);
  }
  ctx.reply.Ok();
  ++ctx.dirty;
  NotifyKeyspaceEvent(ctx, kNotifyStream, "xsetid", ctx.args[1]);
}

// Where XREAD's keys start: the argument after STREAMS, found as Redis's xreadGetKeys finds it
// (skipping BLOCK's and COUNT's values, GROUP's two and NOACK); 0 when the options do not parse.
size_t StreamsArgument(std::span<const std::string_view> args) {
  for (size_t i = 1; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (EqualsIgnoreCase(a, "block") || EqualsIgnoreCase(a, "count")) {
      ++i;
    } else if (EqualsIgnoreCase(a, "group")) {
      i += 2;
    } else if (EqualsIgnoreCase(a, "noack")) {
    } else if (EqualsIgnoreCase(a, "streams")) {
      return i + 1;
    } else {
      return 0;
    }
  }
  return 0;
}

// XREAD's and XREADGROUP's keys: the first half of what follows STREAMS.
void StreamKeys(std::span<const std::string_view> args, std::vector<std::string_view>* keys) {
  const size_t first = StreamsArgument(args);
  if (first == 0 || first > args.size() || (args.size() - first) % 2 != 0) {
    return;
  }
  const size_t n = (args.size() - first) / 2;
  keys->insert(keys->end(), args.begin() + static_cast<ptrdiff_t>(first),
               args.begin() + static_cast<ptrdiff_t>(first + n));
}

// The options of XREAD and XREADGROUP.
struct ReadOptions {
  bool group_read = false;  // XREADGROUP
  bool block = false;
  int64_t deadline_ms = 0;
  int64_t count = 0;
  bool noack = false;
  std::string_view group;
  std::string_view consumer;
  size_t streams_at = 0;  // the first key
  size_t n = 0;           // keys
};

bool ParseReadOptionsOrReply(CommandContext& ctx, ReadOptions* o) {
  const std::string name = o->group_read ? "xreadgroup" : "xread";
  for (size_t i = 1; i < ctx.argc(); ++i) {
    const size_t more = ctx.argc() - 1 - i;
    std::string_view opt = ctx.args[i];
    if (EqualsIgnoreCase(opt, "block") && more > 0) {
      if (ctx.client.is_script()) {
        ctx.reply.Error("ERR " + std::string(ctx.args[0]) +
                        " command is not allowed with BLOCK option from scripts");
        return false;
      }
      ++i;
      if (!ParseBlockMillisOrReply(ctx, ctx.args[i], &o->deadline_ms)) {
        return false;
      }
      o->block = true;
    } else if (EqualsIgnoreCase(opt, "count") && more > 0) {
      ++i;
      if (!ParseInt64OrReply(ctx, ctx.args[i], &o->count)) {
        return false;
      }
      o->count = o->count < 0 ? 0 : o->count;
    } else if (EqualsIgnoreCase(opt, "streams") && more > 0) {
      o->streams_at = i + 1;
      if ((ctx.argc() - o->streams_at) % 2 != 0) {
        ctx.reply.Error("ERR Unbalanced " + std::string(o->group_read ? "XREADGROUP" : "XREAD") +
                        " list of streams: for each stream key an ID or '$' must be specified.");
        return false;
      }
      break;
    } else if (EqualsIgnoreCase(opt, "group") && more >= 2) {
      if (!o->group_read) {
        ctx.reply.Error(
            "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
        return false;
      }
      o->group = ctx.args[i + 1];
      o->consumer = ctx.args[i + 2];
      i += 2;
    } else if (EqualsIgnoreCase(opt, "noack")) {
      if (!o->group_read) {
        ctx.reply.Error(
            "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
        return false;
      }
      o->noack = true;
    } else {
      ctx.reply.Error(kErrSyntax);
      return false;
    }
  }
  if (o->streams_at == 0) {
    ctx.reply.Error(kErrSyntax);
    return false;
  }
  if (o->group_read && o->group.empty() && o->consumer.empty()) {
    ctx.reply.Error("ERR Missing GROUP option for XREADGROUP");
    return false;
  }
  o->n = (ctx.argc() - o->streams_at) / 2;
  return true;
}

// XREADGROUP's answer for one stream: new entries (after the group's last id) recorded in the
// PEL, or with an id other than ">", the consumer's own pending entries from that id.
void ReplyGroupRead(CommandContext& ctx, const ReadOptions& o, std::string_view key, Entry* e,
                    StreamId after, bool history) {
  StreamValue& stream = e->mutable_stream();
  storage::StreamGroup& group = *stream.FindGroup(o.group);
  storage::StreamConsumer* consumer =
      FindOrCreateConsumer(ctx, key, o.group, group, o.consumer, /*log_creation=*/o.noack);
  const int64_t now = common::UnixMillis();
  StreamId start = after;
  start.Increment();
  if (history) {
    std::vector<StreamId> ids;
    for (auto it = consumer->pending.lower_bound(start);
         it != consumer->pending.end() &&
         (o.count == 0 || static_cast<int64_t>(ids.size()) < o.count);
         ++it) {
      ids.push_back(*it);
    }
    ctx.reply.ArrayHeader(ids.size());
    for (StreamId id : ids) {
      bool found = false;
      stream.Range(id, id, false, [&](const StreamEntry& entry) {
        ReplyStreamEntry(ctx, entry);
        found = true;
        return false;
      });
      if (!found) {
        // Deleted since it was delivered: its id, with no fields.
        ctx.reply.ArrayHeader(2);
        ctx.reply.Bulk(id.ToString());
        ctx.reply.NullArray();
        continue;
      }
      storage::StreamPending& pending = group.pel.find(id)->second;
      pending.delivery_time_ms = now;
      ++pending.delivery_count;
    }
    return;
  }
  std::vector<StreamEntry> entries;
  stream.Range(start, StreamId::Max(), false, [&](const StreamEntry& entry) {
    entries.push_back(entry);
    return o.count == 0 || static_cast<int64_t>(entries.size()) < o.count;
  });
  ctx.reply.ArrayHeader(entries.size());
  bool advanced = false;
  for (const StreamEntry& entry : entries) {
    if (entry.id > group.last_id) {
      stream.AdvanceGroup(group, entry.id);
      advanced = true;
    }
    ReplyStreamEntry(ctx, entry);
    if (!o.noack) {
      const storage::StreamPending& pending = group.Deliver(entry.id, consumer, now);
      PropagateStreamClaim(ctx, key, o.group, group, entry.id, pending);
    }
  }
  if (advanced && o.noack) {
    PropagateStreamGroupId(ctx, key, o.group, group);
  }
}

// XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...] and
// XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key
// ...] id [id ...]
void ReadStreams(CommandContext& ctx, bool group_read) {
  ReadOptions o{.group_read = group_read};
  if (!ParseReadOptionsOrReply(ctx, &o)) {
    return;
  }
  std::span<const std::string_view> keys = ctx.args.subspan(o.streams_at, o.n);
  // Each key's "after this id"; "$" is its last id now (0-0 for a missing key); for a group,
  // ">" is the group's last delivered id (history: any other id).
  std::vector<StreamId> after(o.n);
  std::vector<Entry*> entries(o.n, nullptr);
  std::vector<bool> history(o.n, false);
  for (size_t i = 0; i < o.n; ++i) {
    common::OpResult<Entry*> found = ctx.keyspace.FindOfType(
        ctx.db(), keys[i], ValueType::kStream, group_read ? Access::kWrite : Access::kRead);
    if (!found.ok() && !ctx.client.retrying_blocked()) {
      return ReplyError(ctx, found.status());
    }
    // A woken reader whose key now holds another type waits on, as Redis serves a blocked
    // client only from a key of the type it waits for.
    Entry* e = found.ok() ? *found : nullptr;
    entries[i] = e;
    std::string_view id_arg = ctx.args[o.streams_at + o.n + i];
    if (group_read && ctx.client.retrying_blocked()) {
      // A blocked XREADGROUP whose key or group went away ends with an error (blocked.c).
      if (e == nullptr) {
        return ctx.reply.Error("UNBLOCKED the stream key no longer exists");
      }
      if (e->mutable_stream().FindGroup(o.group) == nullptr) {
        return ctx.reply.Error(
            "NOGROUP the consumer group this client was blocked on no longer exists");
      }
    }
    if (group_read && (e == nullptr || e->mutable_stream().FindGroup(o.group) == nullptr)) {
      return ctx.reply.Error("NOGROUP No such key '" + std::string(keys[i]) +
                             "' or consumer group '" + std::string(o.group) +
                             "' in XREADGROUP with GROUP option");
    }
    if (id_arg == "$") {
      if (group_read) {
        return ctx.reply.Error(
            "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the "
            "history of this consumer by specifying a proper ID, or use the > ID to get new "
            "messages. The $ ID would just return an empty result set.");
      }
      after[i] = e == nullptr ? StreamId::Min() : e->stream().last_id();
      continue;
    }
    if (id_arg == ">") {
      if (!group_read) {
        return ctx.reply.Error(
            "ERR The > ID can be specified only when calling XREADGROUP using the GROUP "
            "<group> <consumer> option.");
      }
      after[i] = e->mutable_stream().FindGroup(o.group)->last_id;
      continue;
    }
    if (!ParseStreamIdOrReply(ctx, id_arg, 0, /*strict=*/true, nullptr, &after[i])) {
      return;
    }
    history[i] = group_read;
  }
  // A woken reader reads with its count, or at most a thousand entries.
  if (ctx.client.retrying_blocked() && o.count == 0) {
    o.count = kBlockedReadDefaultCount;
  }
  // Streams with an entry past their id (or a consumer's history) are answered at once.
  std::vector<size_t> ready;
  for (size_t i = 0; i < o.n; ++i) {
    const Entry* e = entries[i];
    if (e != nullptr && (history[i] || (e->stream().length() > 0 &&
                                        e->stream().EdgeId(/*first=*/false,
                                                           /*skip_tombstones=*/true) > after[i]))) {
      ready.push_back(i);
    }
  }
  if (!ready.empty()) {
    const bool resp3 = ctx.reply.resp3();
    resp3 ? ctx.reply.MapHeader(ready.size()) : ctx.reply.ArrayHeader(ready.size());
    for (size_t i : ready) {
      if (!resp3) {
        ctx.reply.ArrayHeader(2);
      }
      ctx.reply.Bulk(keys[i]);
      if (!group_read) {
        StreamId start = after[i];
        start.Increment();
        ReplyStreamRange(ctx, entries[i]->stream(), start, StreamId::Max(), /*reverse=*/false,
                         o.count);
        continue;
      }
      MutateStream(ctx, keys[i], entries[i], [&](StreamValue&) {
        ReplyGroupRead(ctx, o, keys[i], entries[i], after[i], history[i]);
      });
      ++ctx.dirty;
    }
    // Logged as the claims and group ids it caused, never as itself.
    ctx.propagate_commands_only = group_read;
    return;
  }
  if (!o.block || !ctx.client.can_block()) {
    return ctx.reply.NullArray();
  }
  // Waiting: the rerun reads after the ids resolved now ("$" is the last id of this moment).
  BlockRequest request{.keys = {keys.begin(), keys.end()},
                       .deadline_ms = o.deadline_ms,
                       .reader = !group_read,
                       .wake_on_change = group_read};
  for (size_t i = 0; i < o.n; ++i) {
    if (ctx.args[o.streams_at + o.n + i] == "$") {
      request.rerun_args.emplace_back(o.streams_at + o.n + i, after[i].ToString());
    }
  }
  ctx.block = std::move(request);
}

void CmdXRead(CommandContext& ctx) {
  ReadStreams(ctx, /*group_read=*/false);
}

void CmdXReadGroup(CommandContext& ctx) {
  ReadStreams(ctx, /*group_read=*/true);
}

}  // namespace

void RegisterStreamCommands(CommandTable& table) {
  auto row = [&](std::string_view name, int arity, uint32_t flags, uint64_t acl, Handler handler,
                 std::string_view summary) {
    table.Add({.name = name,
               .arity = arity,
               .flags = flags,
               .keys = {1, 1, 1},
               .acl = kAclStream | acl,
               .handler = handler,
               .summary = summary,
               .since = "5.0.0",
               .group = "stream"});
  };
  row("xadd", -5, kWrite | kDenyOom | kFast, kAclWrite | kAclFast, CmdXAdd,
      "Appends a new entry to a stream");
  row("xlen", 2, kReadOnly | kFast, kAclRead | kAclFast, CmdXLen,
      "Return the number of entries in a stream");
  row("xrange", -4, kReadOnly, kAclRead | kAclSlow, CmdXRange,
      "Return a range of elements in a stream, with IDs matching the specified IDs interval");
  row("xrevrange", -4, kReadOnly, kAclRead | kAclSlow, CmdXRevRange,
      "Return a range of elements in a stream, with IDs matching the specified IDs interval, in "
      "reverse order (from greater to smaller IDs) compared to XRANGE");
  row("xdel", -3, kWrite | kFast, kAclWrite | kAclFast, CmdXDel,
      "Removes the specified entries from the stream. Returns the number of items actually "
      "deleted, that may be different from the number of IDs passed in case certain IDs do not "
      "exist.");
  row("xtrim", -4, kWrite, kAclWrite | kAclSlow, CmdXTrim,
      "Trims the stream to (approximately if '~' is passed) a certain size");
  row("xsetid", -3, kWrite | kDenyOom | kFast, kAclWrite | kAclFast, CmdXSetId,
      "An internal command for replicating stream values");
  table.Add({.name = "xread",
             .arity = -4,
             .flags = kReadOnly | kBlocking,
             .keys = {0, 0, 0},
             .acl = kAclStream | kAclRead | kAclSlow | kAclBlocking,
             .handler = CmdXRead,
             .key_finder = StreamKeys,
             .summary = "Return never seen elements in multiple streams, with IDs greater than "
                        "the ones reported by the caller for each stream. Can block.",
             .since = "5.0.0",
             .group = "stream"});
  table.Add({.name = "xreadgroup",
             .arity = -7,
             .flags = kWrite | kBlocking,
             .keys = {0, 0, 0},
             .acl = kAclStream | kAclWrite | kAclSlow | kAclBlocking,
             .handler = CmdXReadGroup,
             .key_finder = StreamKeys,
             .summary = "Return new entries from a stream using a consumer group, or access the "
                        "history of the pending entries for a given consumer. Can block.",
             .since = "5.0.0",
             .group = "stream"});
}

}  // namespace redoubt::commands
