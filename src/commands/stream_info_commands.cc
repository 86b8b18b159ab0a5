// XINFO and its subcommands (STREAM [FULL [COUNT n]], GROUPS, CONSUMERS, HELP), as Redis 7.0's
// t_stream.c xinfoCommand.
//
// radix-tree-keys and radix-tree-nodes describe Redis's radix tree of nodes: the keys are the
// nodes, and the node count is that of the compressed trie Redis would build over their 128-bit
// first ids (RadixTreeNodes), so that XINFO STREAM reads as on redis-server.
#include <algorithm>
#include <array>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "commands/stream_commands.h"
#include "commands/stream_replies.h"
#include "common/ascii.h"
#include "common/clock.h"
#include "storage/entry.h"
#include "storage/stream_value.h"

namespace redoubt::commands {
namespace {

using storage::Entry;
using storage::StreamId;
using storage::StreamValue;

using Key = std::array<uint8_t, 16>;

// Nodes of a compressed radix tree (rax) over keys sorted and distinct, all 16 bytes, from
// `depth`: a key's end is a leaf; a run of bytes the keys share is one compressed node; where
// they part, a branch node, with a subtree per byte.
int64_t RadixTreeNodes(std::span<const Key> keys, size_t depth) {
  if (depth == 16) {
    return 1;
  }
  size_t common = 0;
  while (depth + common < 16 && keys.front()[depth + common] == keys.back()[depth + common]) {
    ++common;
  }
  if (common > 0) {
    return 1 + RadixTreeNodes(keys, depth + common);
  }
  int64_t nodes = 1;
  size_t begin = 0;
  for (size_t i = 1; i <= keys.size(); ++i) {
    if (i == keys.size() || keys[i][depth] != keys[begin][depth]) {
      nodes += RadixTreeNodes(keys.subspan(begin, i - begin), depth + 1);
      begin = i;
    }
  }
  return nodes;
}

int64_t RadixTreeNodes(const StreamValue& stream) {
  std::vector<Key> keys;
  stream.ForEachNode([&](const StreamValue::NodeView& node) {
    Key key;
    for (int i = 0; i < 8; ++i) {
      key[i] = static_cast<uint8_t>(node.master_id().ms >> (56 - 8 * i));
      key[8 + i] = static_cast<uint8_t>(node.master_id().seq >> (56 - 8 * i));
    }
    keys.push_back(key);
  });
  return keys.empty() ? 1 : RadixTreeNodes(keys, 0);  // an empty rax is its root
}

// "entries-read" (or null) and "lag" (or null) of a group.
void ReplyReadAndLag(CommandContext& ctx, const StreamValue& stream,
                     const storage::StreamGroup& group) {
  ctx.reply.Bulk("entries-read");
  if (group.entries_read != storage::StreamGroup::kUnknownEntriesRead) {
    ctx.reply.Integer(group.entries_read);
  } else {
    ctx.reply.Null();
  }
  ctx.reply.Bulk("lag");
  if (std::optional<int64_t> lag = stream.Lag(group)) {
    ctx.reply.Integer(*lag);
  } else {
    ctx.reply.Null();
  }
}

// A group in XINFO STREAM FULL: its PEL and each consumer's, at most `count` entries each (0:
// all).
void ReplyFullGroup(CommandContext& ctx, const StreamValue& stream, std::string_view name,
                    const storage::StreamGroup& group, int64_t count) {
  auto limit = [&](size_t size) {
    return count == 0 ? size : std::min(size, static_cast<size_t>(count));
  };
  ctx.reply.MapHeader(7);
  ctx.reply.Bulk("name");
  ctx.reply.Bulk(name);
  ctx.reply.Bulk("last-delivered-id");
  ctx.reply.Bulk(group.last_id.ToString());
  ReplyReadAndLag(ctx, stream, group);
  ctx.reply.Bulk("pel-count");
  ctx.reply.Integer(static_cast<int64_t>(group.pel.size()));
  ctx.reply.Bulk("pending");
  size_t n = limit(group.pel.size());
  ctx.reply.ArrayHeader(n);
  for (auto it = group.pel.begin(); n > 0; ++it, --n) {
    ctx.reply.ArrayHeader(4);
    ctx.reply.Bulk(it->first.ToString());
    ctx.reply.Bulk(it->second.consumer->name);
    ctx.reply.Integer(it->second.delivery_time_ms);
    ctx.reply.Integer(static_cast<int64_t>(it->second.delivery_count));
  }
  ctx.reply.Bulk("consumers");
  ctx.reply.ArrayHeader(group.consumer_count());
  group.ForEachConsumer([&](const storage::StreamConsumer& c) {
    ctx.reply.MapHeader(4);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(c.name);
    ctx.reply.Bulk("seen-time");
    ctx.reply.Integer(c.seen_time_ms);
    ctx.reply.Bulk("pel-count");
    ctx.reply.Integer(static_cast<int64_t>(c.pending.size()));
    ctx.reply.Bulk("pending");
    size_t left = limit(c.pending.size());
    ctx.reply.ArrayHeader(left);
    for (auto id = c.pending.begin(); left > 0; ++id, --left) {
      const storage::StreamPending& p = group.pel.find(*id)->second;
      ctx.reply.ArrayHeader(3);
      ctx.reply.Bulk(id->ToString());
      ctx.reply.Integer(p.delivery_time_ms);
      ctx.reply.Integer(static_cast<int64_t>(p.delivery_count));
    }
  });
}

void ReplySyntaxError(CommandContext& ctx) {
  ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                  std::string(ctx.args[1]) + "'. Try XINFO HELP.");
}

// The stream at args[2]; "ERR no such key" when missing.
const StreamValue* FindStreamOrReply(CommandContext& ctx) {
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ctx.args[2], storage::ValueType::kStream, storage::Access::kRead,
                            &e)) {
    return nullptr;
  }
  if (e == nullptr) {
    ctx.reply.Error("ERR no such key");
    return nullptr;
  }
  return &e->stream();
}

// XINFO STREAM key [FULL [COUNT count]]
void CmdXInfoStream(CommandContext& ctx) {
  const size_t options = ctx.argc() - 3;
  bool full = false;
  int64_t count = 10;
  if (options > 0) {
    if ((options != 1 && options != 3) || !common::EqualsIgnoreCase(ctx.args[3], "full") ||
        (options == 3 && !common::EqualsIgnoreCase(ctx.args[4], "count"))) {
      return ReplySyntaxError(ctx);
    }
    full = true;
    if (options == 3) {
      if (!ParseInt64OrReply(ctx, ctx.args[5], &count)) {
        return;
      }
      count = count < 0 ? 10 : count;
    }
  }
  const StreamValue* stream = FindStreamOrReply(ctx);
  if (stream == nullptr) {
    return;
  }
  ctx.reply.MapHeader(full ? 9 : 10);
  ctx.reply.Bulk("length");
  ctx.reply.Integer(static_cast<int64_t>(stream->length()));
  ctx.reply.Bulk("radix-tree-keys");
  ctx.reply.Integer(static_cast<int64_t>(stream->node_count()));
  ctx.reply.Bulk("radix-tree-nodes");
  ctx.reply.Integer(RadixTreeNodes(*stream));
  ctx.reply.Bulk("last-generated-id");
  ctx.reply.Bulk(stream->last_id().ToString());
  ctx.reply.Bulk("max-deleted-entry-id");
  ctx.reply.Bulk(stream->max_deleted_id().ToString());
  ctx.reply.Bulk("entries-added");
  ctx.reply.Integer(static_cast<int64_t>(stream->entries_added()));
  ctx.reply.Bulk("recorded-first-entry-id");
  ctx.reply.Bulk(stream->first_id().ToString());
  if (full) {
    ctx.reply.Bulk("entries");
    ReplyStreamRange(ctx, *stream, StreamId::Min(), StreamId::Max(), /*reverse=*/false, count);
    ctx.reply.Bulk("groups");
    ctx.reply.ArrayHeader(stream->group_count());
    stream->ForEachGroup([&](std::string_view name, const storage::StreamGroup& group) {
      ReplyFullGroup(ctx, *stream, name, group, count);
    });
    return;
  }
  ctx.reply.Bulk("groups");
  ctx.reply.Integer(static_cast<int64_t>(stream->group_count()));
  for (bool last : {false, true}) {
    ctx.reply.Bulk(last ? "last-entry" : "first-entry");
    bool found = false;
    stream->Range(StreamId::Min(), StreamId::Max(), /*reverse=*/last,
                  [&](const storage::StreamEntry& entry) {
                    ReplyStreamEntry(ctx, entry);
                    found = true;
                    return false;
                  });
    if (!found) {
      ctx.reply.Null();
    }
  }
}

// XINFO GROUPS key
void CmdXInfoGroups(CommandContext& ctx) {
  const StreamValue* stream = FindStreamOrReply(ctx);
  if (stream == nullptr) {
    return;
  }
  ctx.reply.ArrayHeader(stream->group_count());
  stream->ForEachGroup([&](std::string_view name, const storage::StreamGroup& group) {
    ctx.reply.MapHeader(6);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(name);
    ctx.reply.Bulk("consumers");
    ctx.reply.Integer(static_cast<int64_t>(group.consumer_count()));
    ctx.reply.Bulk("pending");
    ctx.reply.Integer(static_cast<int64_t>(group.pel.size()));
    ctx.reply.Bulk("last-delivered-id");
    ctx.reply.Bulk(group.last_id.ToString());
    ReplyReadAndLag(ctx, *stream, group);
  });
}

// XINFO CONSUMERS key group
void CmdXInfoConsumers(CommandContext& ctx) {
  const StreamValue* stream = FindStreamOrReply(ctx);
  if (stream == nullptr) {
    return;
  }
  const storage::StreamGroup* group = stream->FindGroup(ctx.args[3]);
  if (group == nullptr) {
    return ctx.reply.Error("NOGROUP No such consumer group '" + std::string(ctx.args[3]) +
                           "' for key name '" + std::string(ctx.args[2]) + "'");
  }
  const int64_t now = common::UnixMillis();
  ctx.reply.ArrayHeader(group->consumer_count());
  group->ForEachConsumer([&](const storage::StreamConsumer& c) {
    ctx.reply.MapHeader(3);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(c.name);
    ctx.reply.Bulk("pending");
    ctx.reply.Integer(static_cast<int64_t>(c.pending.size()));
    ctx.reply.Bulk("idle");
    ctx.reply.Integer(std::max<int64_t>(0, now - c.seen_time_ms));
  });
}

// Redis 7.0's text ("Prints this help.", later versions "Print").
void CmdXInfoHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CONSUMERS <key> <groupname>",
      "    Show consumers of <groupname>.",
      "GROUPS <key>",
      "    Show the stream consumer groups.",
      "STREAM <key> [FULL [COUNT <count>]",
      "    Show information about the stream.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (std::string_view line : kLines) {
    ctx.reply.SimpleString(line);
  }
}

// The dispatcher routes XINFO <sub> to the subcommand's row.
void CmdXInfo(CommandContext& ctx) {
  ctx.reply.Error(UnknownSubcommandText("xinfo", ctx.args[1]));
}

}  // namespace

void RegisterStreamInfoCommands(CommandTable& table) {
  constexpr uint64_t kRead = kAclStream | kAclRead | kAclSlow;
  table.Add({.name = "xinfo",
             .arity = -2,
             .acl = kAclSlow,
             .handler = CmdXInfo,
             .summary = "A container for stream introspection commands",
             .since = "5.0.0",
             .group = "stream",
             .subcommands = {
                 {.name = "xinfo|consumers",
                  .arity = 4,
                  .flags = kReadOnly,
                  .keys = {2, 2, 1},
                  .acl = kRead,
                  .handler = CmdXInfoConsumers,
                  .summary = "List the consumers in a consumer group",
                  .since = "5.0.0",
                  .group = "stream"},
                 {.name = "xinfo|groups",
                  .arity = 3,
                  .flags = kReadOnly,
                  .keys = {2, 2, 1},
                  .acl = kRead,
                  .handler = CmdXInfoGroups,
                  .summary = "List the consumer groups of a stream",
                  .since = "5.0.0",
                  .group = "stream"},
                 {.name = "xinfo|help",
                  .arity = 2,
                  .flags = kLoading | kStale,
                  .acl = kAclStream | kAclSlow,
                  .handler = CmdXInfoHelp,
                  .summary = "Show helpful text about the different subcommands",
                  .since = "5.0.0",
                  .group = "stream"},
                 {.name = "xinfo|stream",
                  .arity = -3,
                  .flags = kReadOnly,
                  .keys = {2, 2, 1},
                  .acl = kRead,
                  .handler = CmdXInfoStream,
                  .summary = "Get information about a stream",
                  .since = "5.0.0",
                  .group = "stream"},
             }});
}

}  // namespace redoubt::commands
