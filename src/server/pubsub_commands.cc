// Pub/sub commands, as Redis 7.0's pubsub.c: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE
// SSUBSCRIBE SUNSUBSCRIBE act on the connection's subscriptions (connection_pubsub.cc), PUBLISH
// SPUBLISH and PUBSUB on the server's registry (server/pubsub_registry.h). They live in server/
// because subscriptions belong to connections, which commands/ cannot see.
//
// Replies: each (un)subscription is answered by a push of [kind, channel, count], count being
// the client's channels plus patterns (its shard channels for the S commands), written whatever
// CLIENT REPLY says (as Redis's CLIENT_PUSHING). In RESP2 a push is an array, so a subscribed
// RESP2 client may only run these commands, PING, QUIT and RESET
// (commands::Dispatcher::CheckSubscriberContext).
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

// [kind, name, count]; name null for an unsubscription that found nothing to leave.
void PushSubscription(Connection& conn, SubscriptionKind kind, std::string_view reply,
                      const std::string_view* name) {
  protocol::ReplyWriter& w = conn.BeginPush();
  w.PushHeader(3);
  w.Bulk(reply);
  if (name != nullptr) {
    w.Bulk(*name);
  } else {
    w.Null();
  }
  w.Integer(static_cast<int64_t>(conn.SubscriptionCount(kind)));
  conn.EndPush();
}

// SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE name [name ...]: each answered, new or not.
template <SubscriptionKind kKind>
void CmdSubscribe(CommandContext& ctx) {
  static constexpr std::string_view kReply = kKind == SubscriptionKind::kChannel   ? "subscribe"
                                             : kKind == SubscriptionKind::kPattern ? "psubscribe"
                                                                                   : "ssubscribe";
  Connection& conn = Conn(ctx);
  for (size_t i = 1; i < ctx.argc(); ++i) {
    conn.Subscribe(kKind, ctx.args[i]);
    PushSubscription(conn, kKind, kReply, &ctx.args[i]);
  }
}

// UNSUBSCRIBE / PUNSUBSCRIBE / SUNSUBSCRIBE [name ...]: the names given (each answered,
// subscribed or not), or every subscription of the kind held (answered once with a null name
// when there is none).
template <SubscriptionKind kKind>
void CmdUnsubscribe(CommandContext& ctx) {
  static constexpr std::string_view kReply = kKind == SubscriptionKind::kChannel   ? "unsubscribe"
                                             : kKind == SubscriptionKind::kPattern ? "punsubscribe"
                                                                                   : "sunsubscribe";
  Connection& conn = Conn(ctx);
  if (ctx.argc() > 1) {
    for (size_t i = 1; i < ctx.argc(); ++i) {
      conn.Unsubscribe(kKind, ctx.args[i]);
      PushSubscription(conn, kKind, kReply, &ctx.args[i]);
    }
    return;
  }
  std::vector<std::string> held = conn.Subscribed(kKind);
  if (held.empty()) {
    return PushSubscription(conn, kKind, kReply, nullptr);
  }
  for (const std::string& name : held) {
    conn.Unsubscribe(kKind, name);
    std::string_view view = name;
    PushSubscription(conn, kKind, kReply, &view);
  }
}

// In cluster mode the other nodes get the message over the bus; the count is this node's
// receivers, as Redis's.
void CmdPublish(CommandContext& ctx) {
  ctx.reply.Integer(ctx.services.pubsub.Publish(ctx.args[1], ctx.args[2], &ctx.client));
  if (ctx.services.admin != nullptr) {  // a unit test's harness may run it without a server
    Admin(ctx).PublishToCluster(ctx.args[1], ctx.args[2], /*shard=*/false);
  }
}

void CmdSpublish(CommandContext& ctx) {
  ctx.reply.Integer(Admin(ctx).pubsub().PublishToShard(ctx.args[1], ctx.args[2], &ctx.client));
  Admin(ctx).PublishToCluster(ctx.args[1], ctx.args[2], /*shard=*/true);
}

void CmdPubsub(CommandContext& ctx) {
  ctx.reply.Error(commands::UnknownSubcommandText("pubsub", ctx.args[1]));
}

// PUBSUB CHANNELS / SHARDCHANNELS [pattern].
template <SubscriptionKind kKind>
void CmdPubsubChannels(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    return ReplySubcommandSyntaxError(ctx, "PUBSUB");
  }
  std::optional<std::string_view> pattern;
  if (ctx.argc() == 3) {
    pattern = ctx.args[2];
  }
  std::vector<std::string> channels = Admin(ctx).pubsub().Channels(kKind, pattern);
  ctx.reply.ArrayHeader(channels.size());
  for (const std::string& channel : channels) {
    ctx.reply.Bulk(channel);
  }
}

// PUBSUB NUMSUB / SHARDNUMSUB [channel ...]: a flat array of channel, count in both protocols.
template <SubscriptionKind kKind>
void CmdPubsubNumsub(CommandContext& ctx) {
  PubSubRegistry& registry = Admin(ctx).pubsub();
  ctx.reply.ArrayHeader((ctx.argc() - 2) * 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.reply.Bulk(ctx.args[i]);
    ctx.reply.Integer(registry.SubscriberCount(kKind, ctx.args[i]));
  }
}

void CmdPubsubNumpat(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(Admin(ctx).pubsub().count(SubscriptionKind::kPattern)));
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
             .handler = CmdSubscribe<SubscriptionKind::kChannel>,
             .summary = "Listen for messages published to the given channels",
             .since = "2.0.0",
             .group = "pubsub",
             .channels = ChannelArgs::kAll});
  table.Add({.name = "unsubscribe",
             .arity = -1,
             .flags = kSubscribeFlags,
             .acl = kAclPubSub | kAclSlow,
             .handler = CmdUnsubscribe<SubscriptionKind::kChannel>,
             .summary = "Stop listening for messages posted to the given channels",
             .since = "2.0.0",
             .group = "pubsub"});
  table.Add({.name = "psubscribe",
             .arity = -2,
             .flags = kSubscribeFlags,
             .acl = kAclPubSub | kAclSlow,
             .handler = CmdSubscribe<SubscriptionKind::kPattern>,
             .summary = "Listen for messages published to channels matching the given patterns",
             .since = "2.0.0",
             .group = "pubsub",
             .channels = ChannelArgs::kAllPatterns});
  table.Add({.name = "punsubscribe",
             .arity = -1,
             .flags = kSubscribeFlags,
             .acl = kAclPubSub | kAclSlow,
             .handler = CmdUnsubscribe<SubscriptionKind::kPattern>,
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
  // The shard channel commands: outside cluster mode, a namespace of their own. Their key
  // specs name the channel as not_key (for cluster slot routing), as Redis's do.
  table.Add({.name = "ssubscribe",
             .arity = -2,
             .flags = kSubscribeFlags,
             .keys = {1, -1, 1},
             .acl = kAclPubSub | kAclSlow,
             .handler = CmdSubscribe<SubscriptionKind::kShardChannel>,
             .summary = "Listen for messages published to the given shard channels",
             .since = "7.0.0",
             .group = "pubsub",
             .channels = ChannelArgs::kAll});
  table.Add({.name = "sunsubscribe",
             .arity = -1,
             .flags = kSubscribeFlags,
             .keys = {1, -1, 1},
             .acl = kAclPubSub | kAclSlow,
             .handler = CmdUnsubscribe<SubscriptionKind::kShardChannel>,
             .summary = "Stop listening for messages posted to the given shard channels",
             .since = "7.0.0",
             .group = "pubsub"});
  table.Add({.name = "spublish",
             .arity = 3,
             .flags = kPubSub | kLoading | kStale | kFast | kMayReplicate,
             .keys = {1, 1, 1},
             .acl = kAclPubSub | kAclFast,
             .handler = CmdSpublish,
             .summary = "Post a message to a shard channel",
             .since = "7.0.0",
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
               .handler = CmdPubsubChannels<SubscriptionKind::kChannel>,
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
              {.name = "pubsub|shardchannels",
               .arity = -2,
               .flags = kPubSub | kLoading | kStale,
               .acl = kAclPubSub | kAclSlow,
               .handler = CmdPubsubChannels<SubscriptionKind::kShardChannel>,
               .summary = "List active shard channels",
               .since = "7.0.0",
               .group = "pubsub"},
              {.name = "pubsub|shardnumsub",
               .arity = -2,
               .flags = kPubSub | kLoading | kStale,
               .acl = kAclPubSub | kAclSlow,
               .handler = CmdPubsubNumsub<SubscriptionKind::kShardChannel>,
               .summary = "Get the count of subscribers for shard channels",
               .since = "7.0.0",
               .group = "pubsub"},
              {.name = "pubsub|numsub",
               .arity = -2,
               .flags = kPubSub | kLoading | kStale,
               .acl = kAclPubSub | kAclSlow,
               .handler = CmdPubsubNumsub<SubscriptionKind::kChannel>,
               .summary = "Get the count of subscribers for channels",
               .since = "2.8.0",
               .group = "pubsub"},
          },
  });
}

}  // namespace redoubt::server
