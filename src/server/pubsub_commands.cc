// Pub/sub commands, as Redis 7.0's pubsub.c: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE act
// on the connection's subscriptions (connection_pubsub.cc), PUBLISH and PUBSUB on the server's
// registry (server/pubsub_registry.h). They live in server/ because subscriptions belong to
// connections, which commands/ cannot see.
//
// Replies: each (un)subscription is answered by a push of [kind, channel, count], count being
// the client's channels plus patterns, written whatever CLIENT REPLY says (as Redis's
// CLIENT_PUSHING). In RESP2 a push is an array, so a subscribed RESP2 client may only run
// these commands, PING, QUIT and RESET (commands::Dispatcher::CheckSubscriberContext).
#include "server/pubsub_commands.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command_context.h"
#include "commands/errors.h"
#include "server/command_helpers.h"
#include "server/connection.h"

namespace redoubt::server {
namespace {

using commands::CommandContext;

// [kind, name, count]; name null for an UNSUBSCRIBE or PUNSUBSCRIBE that found nothing.
void PushSubscription(Connection& conn, std::string_view kind, const std::string_view* name) {
  protocol::ReplyWriter& w = conn.BeginPush();
  w.PushHeader(3);
  w.Bulk(kind);
  if (name != nullptr) {
    w.Bulk(*name);
  } else {
    w.Null();
  }
  w.Integer(static_cast<int64_t>(conn.subscriptions()));
  conn.EndPush();
}

void CmdSubscribe(CommandContext& ctx) {
  Connection& conn = Conn(ctx);
  for (size_t i = 1; i < ctx.argc(); ++i) {
    conn.SubscribeChannel(ctx.args[i]);
    PushSubscription(conn, "subscribe", &ctx.args[i]);
  }
}

void CmdPsubscribe(CommandContext& ctx) {
  Connection& conn = Conn(ctx);
  for (size_t i = 1; i < ctx.argc(); ++i) {
    conn.SubscribePattern(ctx.args[i]);
    PushSubscription(conn, "psubscribe", &ctx.args[i]);
  }
}

// UNSUBSCRIBE / PUNSUBSCRIBE: the names given (each answered, subscribed or not), or every
// subscription held (answered once with a null name when there is none).
void Unsubscribe(CommandContext& ctx, std::string_view kind,
                 bool (Connection::*leave)(std::string_view), std::vector<std::string> held) {
  Connection& conn = Conn(ctx);
  if (ctx.argc() > 1) {
    for (size_t i = 1; i < ctx.argc(); ++i) {
      (conn.*leave)(ctx.args[i]);
      PushSubscription(conn, kind, &ctx.args[i]);
    }
    return;
  }
  if (held.empty()) {
    return PushSubscription(conn, kind, nullptr);
  }
  for (const std::string& name : held) {
    (conn.*leave)(name);
    std::string_view view = name;
    PushSubscription(conn, kind, &view);
  }
}

void CmdUnsubscribe(CommandContext& ctx) {
  Connection& conn = Conn(ctx);
  Unsubscribe(ctx, "unsubscribe", &Connection::UnsubscribeChannel,
              ctx.argc() > 1 ? std::vector<std::string>{} : conn.SubscribedChannels());
}

void CmdPunsubscribe(CommandContext& ctx) {
  Connection& conn = Conn(ctx);
  Unsubscribe(ctx, "punsubscribe", &Connection::UnsubscribePattern,
              ctx.argc() > 1 ? std::vector<std::string>{} : conn.subscribed_patterns());
}

void CmdPublish(CommandContext& ctx) {
  ctx.reply.Integer(ctx.services.pubsub.Publish(ctx.args[1], ctx.args[2], &ctx.client));
}

void CmdPubsub(CommandContext& ctx) {
  ctx.reply.Error(commands::UnknownSubcommandText("pubsub", ctx.args[1]));
}

void CmdPubsubChannels(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    return ReplySubcommandSyntaxError(ctx, "PUBSUB");
  }
  std::optional<std::string_view> pattern;
  if (ctx.argc() == 3) {
    pattern = ctx.args[2];
  }
  std::vector<std::string> channels = Admin(ctx).pubsub().Channels(pattern);
  ctx.reply.ArrayHeader(channels.size());
  for (const std::string& channel : channels) {
    ctx.reply.Bulk(channel);
  }
}

void CmdPubsubNumsub(CommandContext& ctx) {
  PubSubRegistry& registry = Admin(ctx).pubsub();
  ctx.reply.ArrayHeader((ctx.argc() - 2) * 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.reply.Bulk(ctx.args[i]);
    ctx.reply.Integer(registry.SubscriberCount(ctx.args[i]));
  }
}

void CmdPubsubNumpat(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(Admin(ctx).pubsub().pattern_count()));
}

void CmdPubsubHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "PUBSUB",
            {"CHANNELS [<pattern>]",
             "    Return the currently active channels matching a <pattern> (default: '*').",
             "NUMPAT", "    Return number of subscriptions to patterns.", "NUMSUB [<channel> ...]",
             "    Return the number of subscribers for the specified channels, excluding",
             "    pattern subscriptions(default: no channels).", "SHARDCHANNELS [<pattern>]",
             "    Return the currently active shard level channels matching a <pattern> "
             "(default: '*').",
             "SHARDNUMSUB [<shardchannel> ...]",
             "    Return the number of subscribers for the specified shard level channel(s)"});
}

}  // namespace

// Arity, flags and ACL categories as Redis 7.0's COMMAND INFO reports them; summary, since and
// group as its COMMAND DOCS does.
void RegisterPubSubCommands(commands::CommandTable& table) {
  using namespace commands;  // flag and category names
  constexpr uint32_t kSubscribeFlags = kPubSub | kNoScript | kLoading | kStale;
  table.Add({.name = "subscribe",
             .arity = -2,
             .flags = kSubscribeFlags,
             .acl = kAclPubSub | kAclSlow,
             .handler = CmdSubscribe,
             .summary = "Listen for messages published to the given channels",
             .since = "2.0.0",
             .group = "pubsub",
             .channels = ChannelArgs::kAll});
  table.Add({.name = "unsubscribe",
             .arity = -1,
             .flags = kSubscribeFlags,
             .acl = kAclPubSub | kAclSlow,
             .handler = CmdUnsubscribe,
             .summary = "Stop listening for messages posted to the given channels",
             .since = "2.0.0",
             .group = "pubsub"});
  table.Add({.name = "psubscribe",
             .arity = -2,
             .flags = kSubscribeFlags,
             .acl = kAclPubSub | kAclSlow,
             .handler = CmdPsubscribe,
             .summary = "Listen for messages published to channels matching the given patterns",
             .since = "2.0.0",
             .group = "pubsub",
             .channels = ChannelArgs::kAllPatterns});
  table.Add({.name = "punsubscribe",
             .arity = -1,
             .flags = kSubscribeFlags,
             .acl = kAclPubSub | kAclSlow,
             .handler = CmdPunsubscribe,
             .summary = "Stop listening for messages posted to channels matching the given "
                        "patterns",
             .since = "2.0.0",
             .group = "pubsub"});
  table.Add({.name = "publish",
             .arity = 3,
             .flags = kPubSub | kLoading | kStale | kFast | kMayReplicate,
             .acl = kAclPubSub | kAclFast,
             .handler = CmdPublish,
             .summary = "Post a message to a channel",
             .since = "2.0.0",
             .group = "pubsub",
             .channels = ChannelArgs::kFirst});
  table.Add({
      .name = "pubsub",
      .arity = -2,
      .acl = kAclSlow,
      .handler = CmdPubsub,
      .summary = "A container for Pub/Sub commands",
      .since = "2.8.0",
      .group = "pubsub",
      .subcommands =
          {
              {.name = "pubsub|channels",
               .arity = -2,
               .flags = kPubSub | kLoading | kStale,
               .acl = kAclPubSub | kAclSlow,
               .handler = CmdPubsubChannels,
               .summary = "List active channels",
               .since = "2.8.0",
               .group = "pubsub"},
              {.name = "pubsub|help",
               .arity = 2,
               .flags = kLoading | kStale,
               .acl = kAclSlow,
               .handler = CmdPubsubHelp,
               .summary = "Show helpful text about the different subcommands",
               .since = "6.2.0",
               .group = "pubsub"},
              {.name = "pubsub|numpat",
               .arity = 2,
               .flags = kPubSub | kLoading | kStale,
               .acl = kAclPubSub | kAclSlow,
               .handler = CmdPubsubNumpat,
               .summary = "Get the count of unique patterns pattern subscriptions",
               .since = "2.8.0",
               .group = "pubsub"},
              {.name = "pubsub|numsub",
               .arity = -2,
               .flags = kPubSub | kLoading | kStale,
               .acl = kAclPubSub | kAclSlow,
               .handler = CmdPubsubNumsub,
               .summary = "Get the count of subscribers for channels",
               .since = "2.8.0",
               .group = "pubsub"},
          },
  });
}

}  // namespace redoubt::server
