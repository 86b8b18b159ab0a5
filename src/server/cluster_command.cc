// CLUSTER, ASKING, READONLY, READWRITE; see cluster_command.h. The replies' shapes and texts
// are Redis 7.0's (INFO's fields, NODES's lines, SLOTS's and SHARDS's entries, the errors of
// each subcommand).
//
// Thread: handlers run on the caller's I/O thread; ClusterState is thread-safe.
#include "server/cluster_command.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "cluster/cluster_state.h"
#include "cluster/nodes_file.h"
#include "commands/command_context.h"
#include "commands/errors.h"
#include "common/ascii.h"
#include "common/clock.h"
#include "common/hash_slot.h"
#include "common/numbers.h"
#include "server/command_helpers.h"

namespace redoubt::server {
namespace {

using cluster::ClusterNode;
using cluster::ClusterState;
using cluster::ClusterView;
using commands::CommandContext;

constexpr std::string_view kDisabled = "ERR This instance has cluster support disabled";

// The node's cluster state, or null after answering that cluster mode is off.
ClusterState* StateOrReply(CommandContext& ctx) {
  ClusterState* state = Admin(ctx).cluster();
  if (state == nullptr) {
    ctx.reply.Error(kDisabled);
  }
  return state;
}

// Redis's getSlotOrReply.
std::optional<int> SlotOrReply(CommandContext& ctx, std::string_view arg) {
  std::optional<int64_t> slot = common::ParseInt64(arg);
  if (!slot || *slot < 0 || *slot >= common::kClusterSlots) {
    ctx.reply.Error("ERR Invalid or out of range slot");
    return std::nullopt;
  }
  return static_cast<int>(*slot);
}

void ReplyStatus(CommandContext& ctx, const absl::Status& st) {
  if (st.ok()) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Error(std::string(st.message()));
  }
}

// Keys in database 0, counted through the slot listing (no shard is held by a CLUSTER handler).
size_t KeyCount(CommandContext& ctx) {
  size_t total = 0;
  for (int slot = 0; slot < common::kClusterSlots; ++slot) {
    total += ctx.services.keyspace.CountKeysInSlot(slot);
  }
  return total;
}

// The endpoint a reply names a node by, as Redis's getPreferredEndpoint.
std::string PreferredEndpoint(const ClusterView& view, const ClusterNode& n) {
  switch (view.settings.preferred_endpoint_type) {
    case 0:
      return n.ip;
    case 1:
      return n.hostname.empty() ? "?" : n.hostname;
    default:
      return "";
  }
}

void CmdClusterHelp(CommandContext& ctx) {
  ReplyHelp(
      ctx, "CLUSTER",
      {"ADDSLOTS <slot> [<slot> ...]",
       "    Assign slots to current node.",
       "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
       "    Assign slots which are between <start-slot> and <end-slot> to current node.",
       "BUMPEPOCH",
       "    Advance the cluster config epoch.",
       "COUNT-FAILURE-REPORTS <node-id>",
       "    Return number of failure reports for <node-id>.",
       "COUNTKEYSINSLOT <slot>",
       "    Return the number of keys in <slot>.",
       "DELSLOTS <slot> [<slot> ...]",
       "    Delete slots information from current node.",
       "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
       "    Delete slots information which are between <start-slot> and <end-slot> from current "
       "node.",
       "FAILOVER [FORCE|TAKEOVER]",
       "    Promote current replica node to being a master.",
       "FORGET <node-id>",
       "    Remove a node from the cluster.",
       "GETKEYSINSLOT <slot> <count>",
       "    Return key names stored by current node in a slot.",
       "FLUSHSLOTS",
       "    Delete current node own slots information.",
       "INFO",
       "    Return information about the cluster.",
       "KEYSLOT <key>",
       "    Return the hash slot for <key>.",
       "MEET <ip> <port> [<bus-port>]",
       "    Connect nodes into a working cluster.",
       "MYID",
       "    Return the node id.",
       "NODES",
       "    Return cluster configuration seen by node. Output format:",
       "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
       "REPLICATE <node-id>",
       "    Configure current node as replica to <node-id>.",
       "RESET [HARD|SOFT]",
       "    Reset current node (default: soft).",
       "SET-CONFIG-EPOCH <epoch>",
       "    Set config epoch of current node.",
       "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
       "    Set slot state.",
       "REPLICAS <node-id>",
       "    Return <node-id> replicas.",
       "SAVECONFIG",
       "    Force saving cluster configuration on disk.",
       "SLOTS",
       "    Return information about slots range mappings. Each range is made of:",
       "    start, end, master and replicas IP addresses, ports and ids",
       "SHARDS",
       "    Return information about slot range mappings and the nodes associated with them.",
       "LINKS",
       "    Return information about all network links between this node and its peers.",
       "    Output format is an array where each array element is a map containing attributes "
       "of a link"});
}

void CmdClusterInfo(CommandContext& ctx) {
  ClusterState* state = StateOrReply(ctx);
  if (state == nullptr) {
    return;
  }
  cluster::ClusterInfo info = state->Info();
  auto line = [](std::string_view name, int64_t v) {
    return std::string(name) + ":" + std::to_string(v) + "\r\n";
  };
  std::string text = std::string("cluster_state:") + (info.ok ? "ok" : "fail") + "\r\n";
  text += line("cluster_slots_assigned", info.slots_assigned);
  text += line("cluster_slots_ok", info.slots_ok);
  text += line("cluster_slots_pfail", info.slots_pfail);
  text += line("cluster_slots_fail", info.slots_fail);
  text += line("cluster_known_nodes", info.known_nodes);
  text += line("cluster_size", info.size);
  text += line("cluster_current_epoch", static_cast<int64_t>(info.current_epoch));
  text += line("cluster_my_epoch", static_cast<int64_t>(info.my_epoch));
  // Redis prints only the types that have some, then the totals.
  static constexpr std::string_view kTypeNames[] = {"ping",    "pong",     "meet",        "fail",
                                                    "publish", "auth-req", "auth-ack",    "update",
                                                    "mfstart", "module",   "publishshard"};
  for (bool sent : {true, false}) {
    const auto& counts = sent ? info.sent : info.received;
    uint64_t total = 0;
    for (size_t t = 0; t < counts.size(); ++t) {
      if (counts[t] != 0) {
        text += line(
            "cluster_stats_messages_" + std::string(kTypeNames[t]) + (sent ? "_sent" : "_received"),
            static_cast<int64_t>(counts[t]));
        total += counts[t];
      }
    }
    text += line(sent ? "cluster_stats_messages_sent" : "cluster_stats_messages_received",
                 static_cast<int64_t>(total));
  }
  text += line("total_cluster_links_buffer_limit_exceeded", 0);
  ctx.reply.Verbatim("txt", text);
}

void CmdClusterMyId(CommandContext& ctx) {
  if (ClusterState* state = StateOrReply(ctx)) {
    ctx.reply.Bulk(state->my_name());
  }
}

// A node's CLUSTER NODES line; myself's carries the slots it migrates or imports.
std::string NodeLine(const ClusterView& view, size_t index) {
  std::vector<cluster::SlotTransfer> transfers;
  if (index == 0) {
    for (auto [slot, peer] : view.migrating) {
      transfers.push_back({slot, false, view.nodes[peer].name});
    }
    for (auto [slot, peer] : view.importing) {
      // A slot shows one marker; migrating wins, as in Redis.
      bool shown = false;
      for (const auto& t : transfers) {
        shown = shown || t.slot == slot;
      }
      if (!shown) {
        transfers.push_back({slot, true, view.nodes[peer].name});
      }
    }
  }
  ClusterNode n = view.nodes[index];
  if (n.is_myself()) {
    n.ping_sent_ms = 0;
    n.pong_received_ms = 0;
  }
  return cluster::FormatNodeLine(n, transfers);
}

void CmdClusterNodes(CommandContext& ctx) {
  ClusterState* state = StateOrReply(ctx);
  if (state == nullptr) {
    return;
  }
  ClusterView view = state->View();
  std::string text;
  for (size_t i = 0; i < view.nodes.size(); ++i) {
    text += NodeLine(view, i) + "\n";
  }
  ctx.reply.Verbatim("txt", text);
}

void CmdClusterReplicas(CommandContext& ctx) {
  ClusterState* state = StateOrReply(ctx);
  if (state == nullptr) {
    return;
  }
  ClusterView view = state->View();
  const std::string name(ctx.args[2]);
  const ClusterNode* primary = nullptr;
  for (const ClusterNode& n : view.nodes) {
    if (n.name == name) {
      primary = &n;
    }
  }
  if (primary == nullptr) {
    ctx.reply.Error("ERR Unknown node " + name);
    return;
  }
  if (!primary->is_primary()) {
    ctx.reply.Error("ERR The specified node is not a master");
    return;
  }
  std::vector<std::string> lines;
  for (size_t i = 0; i < view.nodes.size(); ++i) {
    if (view.nodes[i].primary_name == name) {
      lines.push_back(NodeLine(view, i));
    }
  }
  ctx.reply.ArrayHeader(lines.size());
  for (const std::string& l : lines) {
    ctx.reply.Bulk(l);
  }
}

// One node of a CLUSTER SLOTS entry: endpoint, port, name, and the other addresses.
void ReplySlotsNode(CommandContext& ctx, const ClusterView& view, const ClusterNode& n) {
  ctx.reply.ArrayHeader(4);
  if (view.settings.preferred_endpoint_type == 2) {
    ctx.reply.Null();
  } else {
    ctx.reply.Bulk(PreferredEndpoint(view, n));
  }
  ctx.reply.Integer(n.port);
  ctx.reply.Bulk(n.name);
  const bool ip_extra = view.settings.preferred_endpoint_type != 0;
  const bool hostname_extra = view.settings.preferred_endpoint_type != 1 && !n.hostname.empty();
  ctx.reply.MapHeader((ip_extra ? 1 : 0) + (hostname_extra ? 1 : 0));
  if (ip_extra) {
    ctx.reply.Bulk("ip");
    ctx.reply.Bulk(n.ip);
  }
  if (hostname_extra) {
    ctx.reply.Bulk("hostname");
    ctx.reply.Bulk(n.hostname);
  }
}

// The runs of consecutive slots each node serves, in slot order: (first, last, node index).
std::vector<std::tuple<int, int, size_t>> SlotRuns(const ClusterView& view) {
  std::vector<int> owner(common::kClusterSlots, -1);
  for (size_t i = 0; i < view.nodes.size(); ++i) {
    for (int slot = 0; slot < common::kClusterSlots; ++slot) {
      if (view.nodes[i].slots.test(slot)) {
        owner[slot] = static_cast<int>(i);
      }
    }
  }
  std::vector<std::tuple<int, int, size_t>> runs;
  for (int slot = 0; slot < common::kClusterSlots;) {
    if (owner[slot] < 0) {
      ++slot;
      continue;
    }
    int last = slot;
    while (last + 1 < common::kClusterSlots && owner[last + 1] == owner[slot]) {
      ++last;
    }
    runs.emplace_back(slot, last, static_cast<size_t>(owner[slot]));
    slot = last + 1;
  }
  return runs;
}

void CmdClusterSlots(CommandContext& ctx) {
  ClusterState* state = StateOrReply(ctx);
  if (state == nullptr) {
    return;
  }
  ClusterView view = state->View();
  std::vector<std::tuple<int, int, size_t>> runs = SlotRuns(view);
  ctx.reply.ArrayHeader(runs.size());
  for (const auto& [first, last, index] : runs) {
    const ClusterNode& primary = view.nodes[index];
    std::vector<const ClusterNode*> replicas;
    for (const ClusterNode& n : view.nodes) {
      if (n.primary_name == primary.name && !n.failed()) {
        replicas.push_back(&n);
      }
    }
    ctx.reply.ArrayHeader(3 + replicas.size());
    ctx.reply.Integer(first);
    ctx.reply.Integer(last);
    ReplySlotsNode(ctx, view, primary);
    for (const ClusterNode* r : replicas) {
      ReplySlotsNode(ctx, view, *r);
    }
  }
}

void ReplyShardNode(CommandContext& ctx, const ClusterView& view, const ClusterNode& n) {
  const bool has_hostname = !n.hostname.empty();
  ctx.reply.MapHeader(7 + (has_hostname ? 1 : 0) - (n.port == 0 ? 1 : 0));
  ctx.reply.Bulk("id");
  ctx.reply.Bulk(n.name);
  if (n.port != 0) {
    ctx.reply.Bulk("port");
    ctx.reply.Integer(n.port);
  }
  ctx.reply.Bulk("ip");
  ctx.reply.Bulk(n.ip);
  ctx.reply.Bulk("endpoint");
  ctx.reply.Bulk(PreferredEndpoint(view, n));
  if (has_hostname) {
    ctx.reply.Bulk("hostname");
    ctx.reply.Bulk(n.hostname);
  }
  ctx.reply.Bulk("role");
  ctx.reply.Bulk(n.is_replica() ? "replica" : "master");
  ctx.reply.Bulk("replication-offset");
  ctx.reply.Integer(0);
  ctx.reply.Bulk("health");
  ctx.reply.Bulk(n.failed() ? "fail" : "online");
}

void CmdClusterShards(CommandContext& ctx) {
  ClusterState* state = StateOrReply(ctx);
  if (state == nullptr) {
    return;
  }
  ClusterView view = state->View();
  std::vector<std::tuple<int, int, size_t>> runs = SlotRuns(view);
  std::vector<size_t> primaries;
  for (size_t i = 0; i < view.nodes.size(); ++i) {
    if (view.nodes[i].is_primary()) {
      primaries.push_back(i);
    }
  }
  ctx.reply.ArrayHeader(primaries.size());
  for (size_t p : primaries) {
    const ClusterNode& primary = view.nodes[p];
    ctx.reply.MapHeader(2);
    ctx.reply.Bulk("slots");
    std::vector<int> bounds;
    for (const auto& [first, last, index] : runs) {
      if (index == p) {
        bounds.push_back(first);
        bounds.push_back(last);
      }
    }
    ctx.reply.ArrayHeader(bounds.size());
    for (int b : bounds) {
      ctx.reply.Integer(b);
    }
    ctx.reply.Bulk("nodes");
    std::vector<const ClusterNode*> members{&primary};
    for (const ClusterNode& n : view.nodes) {
      if (n.primary_name == primary.name) {
        members.push_back(&n);
      }
    }
    ctx.reply.ArrayHeader(members.size());
    for (const ClusterNode* n : members) {
      ReplyShardNode(ctx, view, *n);
    }
  }
}

// CLUSTER LINKS: the bus's links as of its last tick (a tenth of a second at most).
void CmdClusterLinks(CommandContext& ctx) {
  ClusterState* state = StateOrReply(ctx);
  if (state == nullptr) {
    return;
  }
  const std::vector<cluster::LinkDescription> links = state->Links();
  ctx.reply.ArrayHeader(links.size());
  for (const cluster::LinkDescription& d : links) {
    ctx.reply.MapHeader(6);
    ctx.reply.Bulk("direction");
    ctx.reply.Bulk(d.link.inbound ? "from" : "to");
    ctx.reply.Bulk("node");
    ctx.reply.Bulk(d.node_name);
    ctx.reply.Bulk("create-time");
    ctx.reply.Integer(d.link.created_ms);
    ctx.reply.Bulk("events");
    ctx.reply.Bulk(d.link.writing ? "rw" : "r");
    ctx.reply.Bulk("send-buffer-allocated");
    ctx.reply.Integer(static_cast<int64_t>(d.link.send_buffer_allocated));
    ctx.reply.Bulk("send-buffer-used");
    ctx.reply.Integer(static_cast<int64_t>(d.link.send_buffer_used));
  }
}

void CmdClusterKeySlot(CommandContext& ctx) {
  if (StateOrReply(ctx) != nullptr) {
    ctx.reply.Integer(common::KeyHashSlot(ctx.args[2]));
  }
}

void CmdClusterCountKeysInSlot(CommandContext& ctx) {
  if (StateOrReply(ctx) == nullptr) {
    return;
  }
  std::optional<int64_t> slot = common::ParseInt64(ctx.args[2]);
  if (!slot) {
    ctx.reply.Error(commands::kErrNotInteger);
    return;
  }
  if (*slot < 0 || *slot >= common::kClusterSlots) {
    ctx.reply.Error("ERR Invalid slot");
    return;
  }
  ctx.reply.Integer(
      static_cast<int64_t>(ctx.services.keyspace.CountKeysInSlot(static_cast<int>(*slot))));
}

void CmdClusterGetKeysInSlot(CommandContext& ctx) {
  if (StateOrReply(ctx) == nullptr) {
    return;
  }
  std::optional<int64_t> slot = common::ParseInt64(ctx.args[2]);
  std::optional<int64_t> count = common::ParseInt64(ctx.args[3]);
  if (!slot || !count) {
    ctx.reply.Error(commands::kErrNotInteger);
    return;
  }
  if (*slot < 0 || *slot >= common::kClusterSlots || *count < 0) {
    ctx.reply.Error("ERR Invalid slot or number of keys");
    return;
  }
  std::vector<std::string> keys =
      ctx.services.keyspace.KeysInSlot(static_cast<int>(*slot), static_cast<size_t>(*count));
  ctx.reply.ArrayHeader(keys.size());
  for (const std::string& k : keys) {
    ctx.reply.Bulk(k);
  }
}

// ADDSLOTS/DELSLOTS's slots, or the ranges of ADDSLOTSRANGE/DELSLOTSRANGE.
std::optional<std::vector<int>> SlotsOrReply(CommandContext& ctx, bool ranges) {
  std::vector<int> slots;
  if (!ranges) {
    for (size_t i = 2; i < ctx.args.size(); ++i) {
      std::optional<int> slot = SlotOrReply(ctx, ctx.args[i]);
      if (!slot) {
        return std::nullopt;
      }
      slots.push_back(*slot);
    }
    return slots;
  }
  if (ctx.args.size() % 2 != 0) {
    ctx.reply.Error(commands::WrongArityText("cluster|" + common::ToLower(ctx.args[1])));
    return std::nullopt;
  }
  for (size_t i = 2; i + 1 < ctx.args.size(); i += 2) {
    std::optional<int> first = SlotOrReply(ctx, ctx.args[i]);
    if (!first) {
      return std::nullopt;
    }
    std::optional<int> last = SlotOrReply(ctx, ctx.args[i + 1]);
    if (!last) {
      return std::nullopt;
    }
    if (*first > *last) {
      ctx.reply.Error("ERR start slot number " + std::to_string(*first) +
                      " is greater than end slot number " + std::to_string(*last));
      return std::nullopt;
    }
    for (int s = *first; s <= *last; ++s) {
      slots.push_back(s);
    }
  }
  return slots;
}

template <bool kAdd, bool kRanges>
void CmdClusterSlotsChange(CommandContext& ctx) {
  ClusterState* state = StateOrReply(ctx);
  if (state == nullptr) {
    return;
  }
  std::optional<std::vector<int>> slots = SlotsOrReply(ctx, kRanges);
  if (!slots) {
    return;
  }
  ReplyStatus(ctx, kAdd ? state->AddSlots(*slots) : state->DelSlots(*slots));
}

void CmdClusterFlushSlots(CommandContext& ctx) {
  ClusterState* state = StateOrReply(ctx);
  if (state == nullptr) {
    return;
  }
  if (KeyCount(ctx) != 0) {
    ctx.reply.Error("ERR DB must be empty to perform CLUSTER FLUSHSLOTS.");
    return;
  }
  ReplyStatus(ctx, state->FlushSlots());
}

void CmdClusterSetSlot(CommandContext& ctx) {
  ClusterState* state = StateOrReply(ctx);
  if (state == nullptr) {
    return;
  }
  if (state->View().nodes[0].is_replica()) {
    ctx.reply.Error("ERR Please use SETSLOT only with masters.");
    return;
  }
  std::optional<int> slot = SlotOrReply(ctx, ctx.args[2]);
  if (!slot) {
    return;
  }
  const std::string_view action = ctx.args[3];
  const size_t argc = ctx.args.size();
  using SlotState = ClusterState::SlotState;
  std::optional<SlotState> kind;
  if (common::EqualsIgnoreCase(action, "migrating") && argc == 5) {
    kind = SlotState::kMigrating;
  } else if (common::EqualsIgnoreCase(action, "importing") && argc == 5) {
    kind = SlotState::kImporting;
  } else if (common::EqualsIgnoreCase(action, "stable") && argc == 4) {
    kind = SlotState::kStable;
  } else if (common::EqualsIgnoreCase(action, "node") && argc == 5) {
    kind = SlotState::kNode;
  }
  if (!kind) {
    ctx.reply.Error("ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP");
    return;
  }
  ReplyStatus(ctx, state->SetSlot(*slot, *kind, argc == 5 ? std::string(ctx.args[4]) : ""));
}

void CmdClusterBumpEpoch(CommandContext& ctx) {
  ClusterState* state = StateOrReply(ctx);
  if (state == nullptr) {
    return;
  }
  const bool bumped = state->BumpEpoch();
  ctx.reply.SimpleString((bumped ? "BUMPED " : "STILL ") + std::to_string(state->Info().my_epoch));
}

void CmdClusterSetConfigEpoch(CommandContext& ctx) {
  ClusterState* state = StateOrReply(ctx);
  if (state == nullptr) {
    return;
  }
  std::optional<int64_t> epoch = common::ParseInt64(ctx.args[2]);
  if (!epoch) {
    ctx.reply.Error(commands::kErrNotInteger);
    return;
  }
  ReplyStatus(ctx, state->SetConfigEpoch(*epoch));
}

void CmdClusterCountFailureReports(CommandContext& ctx) {
  ClusterState* state = StateOrReply(ctx);
  if (state == nullptr) {
    return;
  }
  const ClusterView view = state->View();
  for (const ClusterNode& n : view.nodes) {
    if (n.name == ctx.args[2]) {
      // Reports older than twice the node timeout no longer count, as Redis drops them.
      const int64_t oldest = common::UnixMillis() - view.settings.node_timeout_ms * 2;
      ctx.reply.Integer(std::count_if(n.failure_reports.begin(), n.failure_reports.end(),
                                      [&](const auto& r) { return r.second >= oldest; }));
      return;
    }
  }
  ctx.reply.Error("ERR Unknown node " + std::string(ctx.args[2]));
}

// CLUSTER REPLICATE node-id: replication follows at once (ROLE shows the new primary).
void CmdClusterReplicate(CommandContext& ctx) {
  ClusterState* state = StateOrReply(ctx);
  if (state == nullptr) {
    return;
  }
  absl::Status st = state->Replicate(std::string(ctx.args[2]));
  if (st.ok()) {
    state->SyncReplicationRole(nullptr);
  }
  ReplyStatus(ctx, st);
}

// CLUSTER FAILOVER [FORCE|TAKEOVER]: OK once started; a TAKEOVER has taken the slots by then.
void CmdClusterFailover(CommandContext& ctx) {
  ClusterState* state = StateOrReply(ctx);
  if (state == nullptr) {
    return;
  }
  ClusterState::FailoverKind kind = ClusterState::FailoverKind::kDefault;
  if (ctx.args.size() == 3) {
    if (common::EqualsIgnoreCase(ctx.args[2], "force")) {
      kind = ClusterState::FailoverKind::kForce;
    } else if (common::EqualsIgnoreCase(ctx.args[2], "takeover")) {
      kind = ClusterState::FailoverKind::kTakeover;
    } else {
      ctx.reply.Error(commands::kErrSyntax);
      return;
    }
  } else if (ctx.args.size() > 3) {
    ReplySubcommandSyntaxError(ctx, "CLUSTER");
    return;
  }
  absl::Status st = state->Failover(kind);
  if (st.ok()) {
    state->SyncReplicationRole(nullptr);
  }
  ReplyStatus(ctx, st);
}

void CmdClusterMeet(CommandContext& ctx) {
  ClusterState* state = StateOrReply(ctx);
  if (state == nullptr) {
    return;
  }
  if (ctx.args.size() > 5) {
    ReplySubcommandSyntaxError(ctx, "CLUSTER");
    return;
  }
  std::optional<int64_t> port = common::ParseInt64(ctx.args[3]);
  if (!port) {
    ctx.reply.Error("ERR Invalid TCP base port specified: " + std::string(ctx.args[3]));
    return;
  }
  std::optional<int64_t> cport = ctx.args.size() == 5 ? common::ParseInt64(ctx.args[4])
                                                      : std::optional<int64_t>(*port + 10000);
  if (!cport) {
    ctx.reply.Error("ERR Invalid TCP bus port specified: " + std::string(ctx.args[4]));
    return;
  }
  ReplyStatus(ctx, state->Meet(std::string(ctx.args[2]), *port, *cport));
}

void CmdClusterForget(CommandContext& ctx) {
  if (ClusterState* state = StateOrReply(ctx)) {
    ReplyStatus(ctx, state->Forget(std::string(ctx.args[2])));
  }
}

void CmdClusterReset(CommandContext& ctx) {
  ClusterState* state = StateOrReply(ctx);
  if (state == nullptr) {
    return;
  }
  bool hard = false;
  if (ctx.args.size() == 3) {
    if (common::EqualsIgnoreCase(ctx.args[2], "hard")) {
      hard = true;
    } else if (!common::EqualsIgnoreCase(ctx.args[2], "soft")) {
      ctx.reply.Error(commands::kErrSyntax);
      return;
    }
  } else if (ctx.args.size() > 3) {
    ReplySubcommandSyntaxError(ctx, "CLUSTER");
    return;
  }
  const bool replica = state->View().nodes[0].is_replica();
  if (!replica && KeyCount(ctx) != 0) {
    ctx.reply.Error("ERR CLUSTER RESET can't be called with master nodes containing keys");
    return;
  }
  absl::Status st = state->Reset(hard);
  if (st.ok() && replica) {
    // A replica stops following and forgets its primary's data, as Redis's clusterReset.
    state->SyncReplicationRole(nullptr);
    ctx.services.keyspace.FlushAll();
  }
  ReplyStatus(ctx, st);
}

void CmdClusterSaveConfig(CommandContext& ctx) {
  if (ClusterState* state = StateOrReply(ctx)) {
    ReplyStatus(ctx, state->SaveConfig());
  }
}

// ASKING, READONLY, READWRITE: the connection's routing flags (slot_router.h).
void CmdAsking(CommandContext& ctx) {
  if (StateOrReply(ctx) != nullptr) {
    ctx.client.cluster_asking = true;
    ctx.reply.Ok();
  }
}

void CmdReadOnly(CommandContext& ctx) {
  if (StateOrReply(ctx) != nullptr) {
    ctx.client.cluster_readonly = true;
    ctx.reply.Ok();
  }
}

void CmdReadWrite(CommandContext& ctx) {
  if (StateOrReply(ctx) != nullptr) {
    ctx.client.cluster_readonly = false;
    ctx.reply.Ok();
  }
}

}  // namespace

void RegisterClusterCommands(commands::CommandTable& table) {
  using namespace commands;  // flag and category names
  constexpr uint64_t kAdminAcl = kAclAdmin | kAclSlow | kAclDangerous;
  auto sub = [](std::string_view name, int arity, uint32_t flags, uint64_t acl, Handler handler,
                std::string_view summary, std::string_view since) {
    return CommandSpec{.name = name,
                       .arity = arity,
                       .flags = flags,
                       .acl = acl,
                       .handler = handler,
                       .summary = summary,
                       .since = since,
                       .group = "cluster"};
  };
  constexpr uint32_t kRead = kStale;
  constexpr uint32_t kChange = kAdmin | kStale | kNoAsyncLoading;
  table.Add({
      .name = "cluster",
      .arity = -2,
      .acl = kAclSlow,
      .summary = "A container for Redis Cluster commands",
      .since = "3.0.0",
      .group = "cluster",
      .subcommands =
          {
              sub("cluster|addslots", -3, kChange, kAdminAcl, CmdClusterSlotsChange<true, false>,
                  "Assign new hash slots to receiving node", "3.0.0"),
              sub("cluster|addslotsrange", -4, kChange, kAdminAcl,
                  CmdClusterSlotsChange<true, true>, "Assign new hash slots to receiving node",
                  "7.0.0"),
              sub("cluster|bumpepoch", 2, kChange, kAdminAcl, CmdClusterBumpEpoch,
                  "Advance the cluster config epoch", "3.0.0"),
              sub("cluster|count-failure-reports", 3, kAdmin | kStale, kAdminAcl,
                  CmdClusterCountFailureReports,
                  "Return the number of failure reports active for a given node", "3.0.0"),
              sub("cluster|countkeysinslot", 3, kRead, kAclSlow, CmdClusterCountKeysInSlot,
                  "Return the number of local keys in the specified hash slot", "3.0.0"),
              sub("cluster|delslots", -3, kChange, kAdminAcl, CmdClusterSlotsChange<false, false>,
                  "Set hash slots as unbound in receiving node", "3.0.0"),
              sub("cluster|delslotsrange", -4, kChange, kAdminAcl,
                  CmdClusterSlotsChange<false, true>, "Set hash slots as unbound in receiving node",
                  "7.0.0"),
              sub("cluster|failover", -2, kChange, kAdminAcl, CmdClusterFailover,
                  "Forces a replica to perform a manual failover of its master.", "3.0.0"),
              sub("cluster|flushslots", 2, kChange, kAdminAcl, CmdClusterFlushSlots,
                  "Delete a node's own slots information", "3.0.0"),
              sub("cluster|forget", 3, kChange, kAdminAcl, CmdClusterForget,
                  "Remove a node from the nodes table", "3.0.0"),
              sub("cluster|getkeysinslot", 4, kRead, kAclSlow, CmdClusterGetKeysInSlot,
                  "Return local key names in the specified hash slot", "3.0.0"),
              sub("cluster|help", 2, kLoading | kStale, kAclSlow, CmdClusterHelp,
                  "Show helpful text about the different subcommands", "5.0.0"),
              sub("cluster|info", 2, kRead, kAclSlow, CmdClusterInfo,
                  "Provides info about Redis Cluster node state", "3.0.0"),
              sub("cluster|keyslot", 3, kRead, kAclSlow, CmdClusterKeySlot,
                  "Returns the hash slot of the specified key", "3.0.0"),
              sub("cluster|links", 2, kRead, kAclSlow, CmdClusterLinks,
                  "Returns a list of all TCP links to and from peer nodes in cluster", "7.0.0"),
              sub("cluster|meet", -4, kChange, kAdminAcl, CmdClusterMeet,
                  "Force a node cluster to handshake with another node", "3.0.0"),
              sub("cluster|myid", 2, kRead, kAclSlow, CmdClusterMyId, "Return the node id",
                  "3.0.0"),
              sub("cluster|nodes", 2, kRead, kAclSlow, CmdClusterNodes,
                  "Get Cluster config for the node", "3.0.0"),
              sub("cluster|replicas", 3, kAdmin | kStale, kAdminAcl, CmdClusterReplicas,
                  "List replica nodes of the specified master node", "5.0.0"),
              sub("cluster|replicate", 3, kChange, kAdminAcl, CmdClusterReplicate,
                  "Reconfigure a node as a replica of the specified master node", "3.0.0"),
              sub("cluster|reset", -2, kAdmin | kNoScript | kStale, kAdminAcl, CmdClusterReset,
                  "Reset a Redis Cluster node", "3.0.0"),
              sub("cluster|saveconfig", 2, kChange, kAdminAcl, CmdClusterSaveConfig,
                  "Forces the node to save cluster state on disk", "3.0.0"),
              sub("cluster|set-config-epoch", 3, kChange, kAdminAcl, CmdClusterSetConfigEpoch,
                  "Set the configuration epoch in a new node", "3.0.0"),
              sub("cluster|setslot", -4, kChange, kAdminAcl, CmdClusterSetSlot,
                  "Bind a hash slot to a specific node", "3.0.0"),
              sub("cluster|shards", 2, kRead, kAclSlow, CmdClusterShards,
                  "Get array of cluster slots to node mappings", "7.0.0"),
              sub("cluster|slaves", 3, kAdmin | kStale, kAdminAcl, CmdClusterReplicas,
                  "List replica nodes of the specified master node", "3.0.0"),
              sub("cluster|slots", 2, kRead, kAclSlow, CmdClusterSlots,
                  "Get array of Cluster slot to node mappings", "3.0.0"),
          },
  });
  table.Add({.name = "asking",
             .arity = 1,
             .flags = kFast,
             .acl = kAclFast | kAclConnection,
             .handler = CmdAsking,
             .summary = "Sent by cluster clients after an -ASK redirect",
             .since = "3.0.0",
             .group = "cluster"});
  table.Add({.name = "readonly",
             .arity = 1,
             .flags = kLoading | kStale | kFast,
             .acl = kAclFast | kAclConnection,
             .handler = CmdReadOnly,
             .summary = "Enables read queries for a connection to a cluster replica node",
             .since = "3.0.0",
             .group = "cluster"});
  table.Add({.name = "readwrite",
             .arity = 1,
             .flags = kLoading | kStale | kFast,
             .acl = kAclFast | kAclConnection,
             .handler = CmdReadWrite,
             .summary = "Disables read queries for a connection to a cluster replica node",
             .since = "3.0.0",
             .group = "cluster"});
}

}  // namespace redoubt::server
