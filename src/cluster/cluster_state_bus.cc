// ClusterState's side of the cluster bus: what a PING, PONG, MEET, FAIL or UPDATE from another
// node changes, the gossip a PING carries, and the timers of failure detection, in Redis 7.0's
// rules (cluster.c's clusterProcessPacket, clusterSendPing, clusterCron). The bus itself (links
// and sockets) is cluster_bus.cc; it calls these with the state's lock free and carries out
// the BusActions they return.
//
// Elections and manual failovers (FAILOVER_AUTH_*, MFSTART) are cluster_failover.cc's; this
// file hands their messages over.
#include <arpa/inet.h>

#include <algorithm>
#include <random>

#include "cluster/cluster_state.h"
#include "cluster/nodes_file.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/random_id.h"

namespace redoubt::cluster {
namespace {

bool IsPing(MessageType t) {
  return t == MessageType::kPing || t == MessageType::kPong || t == MessageType::kMeet;
}

std::mt19937_64& Rng() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

// Redis's node address check: a numeric IPv4 or IPv6 literal.
bool IsIpLiteral(const std::string& ip) {
  unsigned char buf[16];
  return inet_pton(AF_INET, ip.c_str(), buf) == 1 || inet_pton(AF_INET6, ip.c_str(), buf) == 1;
}

}  // namespace

ClusterNode* ClusterState::FindBySerialLocked(uint64_t serial) {
  for (auto& n : nodes_) {
    if (n->serial == serial) {
      return n.get();
    }
  }
  return nullptr;
}

ClusterNode* ClusterState::AddNodeLocked(ClusterNode node) {
  node.serial = next_serial_++;
  node.created_ms = common::UnixMillis();
  nodes_.push_back(std::make_unique<ClusterNode>(std::move(node)));
  return nodes_.back().get();
}

void ClusterState::DeleteNodeLocked(ClusterNode* node, BusActions* out) {
  for (int slot = 0; slot < common::kClusterSlots; ++slot) {
    if (slots_[slot] == node) {
      slots_[slot] = nullptr;
    }
    if (migrating_to_[slot] == node) {
      migrating_to_[slot] = nullptr;
    }
    if (importing_from_[slot] == node) {
      importing_from_[slot] = nullptr;
    }
  }
  for (auto& n : nodes_) {
    std::erase_if(n->failure_reports, [&](const auto& r) { return r.first == node->name; });
  }
  if (out != nullptr) {
    out->close_links.push_back(node->serial);
  }
  nodes_.erase(nodes_.begin() + IndexOfLocked(node));
}

void ClusterState::SaveLocked() {
  if (absl::Status st = CommitLocked(); !st.ok()) {
    common::Log(common::LogLevel::kWarning, "Fatal: can't update cluster config file.");
  }
}

void ClusterState::ReportLinks(std::vector<LinkReport> links) {
  absl::MutexLock lock(&mu_);
  links_ = std::move(links);
}

std::vector<LinkDescription> ClusterState::Links() {
  absl::MutexLock lock(&mu_);
  std::vector<LinkDescription> out;
  for (const auto& n : nodes_) {
    if (n->is_myself() || (n->flags & kHandshake)) {
      continue;
    }
    for (bool inbound : {false, true}) {
      for (const LinkReport& l : links_) {
        if (l.node_serial == n->serial && l.inbound == inbound) {
          out.push_back({l, n->name});
          break;
        }
      }
    }
  }
  return out;
}

void ClusterState::CountMessage(MessageType type, bool sent) {
  const auto t = static_cast<size_t>(type);
  if (t < kMessageTypes) {
    (sent ? messages_sent_ : messages_received_)[t].fetch_add(1, std::memory_order_relaxed);
  }
}

absl::Status ClusterState::Meet(const std::string& ip, int64_t port, int64_t cport) {
  if (!IsIpLiteral(ip) || port <= 0 || port > 65535 || cport <= 0 || cport > 65535) {
    return absl::InvalidArgumentError("ERR Invalid node address specified: " + ip + ":" +
                                      std::to_string(port));
  }
  absl::MutexLock lock(&mu_);
  for (const auto& n : nodes_) {
    if ((n->flags & kHandshake) && n->ip == ip && n->port == port && n->cport == cport) {
      return absl::OkStatus();  // a handshake with that address is under way
    }
  }
  ClusterNode node;
  node.name = common::RandomHexId();
  node.ip = ip;
  node.port = static_cast<int>(port);
  node.cport = static_cast<int>(cport);
  node.flags = kHandshake | kMeet;
  AddNodeLocked(std::move(node));
  return absl::OkStatus();
}

BusMessage ClusterState::HeaderLocked(MessageType type) {
  const ClusterNode& me = *nodes_[0];
  BusMessage m;
  m.type = type;
  m.port = static_cast<uint16_t>(settings_.port);
  m.cport = static_cast<uint16_t>(settings_.bus_port);
  m.current_epoch = current_epoch_;
  // A replica speaks for its primary's epoch and slots.
  const ClusterNode* primary = me.is_replica() ? FindLocked(me.primary_name) : &me;
  if (primary != nullptr) {
    m.config_epoch = primary->config_epoch;
    m.slots = primary->slots;
  }
  m.offset = ReplicationOffsetLocked();
  if (me.is_primary() && mf_end_ms_ != 0) {
    m.mflags |= kMessagePaused;  // the offset is where this primary paused for its replica
  }
  m.sender = me.name;
  m.primary = me.primary_name;
  m.myip = settings_.ip;
  m.flags = me.flags;
  m.state = state_ok_ ? 0 : 1;
  return m;
}

std::string ClusterState::PingLocked(MessageType type, ClusterNode* target) {
  const int64_t now = common::UnixMillis();
  if (type == MessageType::kPing && target != nullptr && target->ping_sent_ms == 0) {
    target->ping_sent_ms = now;
  }
  BusMessage m = HeaderLocked(type);
  // Gossip about a tenth of the cluster, at least three nodes (Redis's wanted/freshnodes),
  // then every node this one thinks is failing, so that failure reports spread.
  const int n = static_cast<int>(nodes_.size());
  int fresh = n - 2;
  const int wanted = std::min(std::max(3, n / 10), std::max(fresh, 0));
  std::vector<ClusterNode*> chosen;
  for (int tries = 0; tries < wanted * 3 && static_cast<int>(chosen.size()) < wanted && fresh > 0;
       ++tries) {
    ClusterNode* c = nodes_[Rng()() % nodes_.size()].get();
    if (c->is_myself() || (c->flags & kPfail)) {
      continue;
    }
    if ((c->flags & (kHandshake | kNoAddr)) || (!c->link_connected && c->slots.none())) {
      --fresh;
      continue;
    }
    if (std::find(chosen.begin(), chosen.end(), c) != chosen.end()) {
      continue;
    }
    chosen.push_back(c);
    --fresh;
  }
  for (auto& c : nodes_) {
    if ((c->flags & kPfail) && !(c->flags & (kHandshake | kNoAddr)) &&
        std::find(chosen.begin(), chosen.end(), c.get()) == chosen.end()) {
      chosen.push_back(c.get());
    }
  }
  for (ClusterNode* c : chosen) {
    GossipEntry g;
    g.name = c->name;
    g.ping_sent_s = static_cast<uint32_t>(c->ping_sent_ms / 1000);
    g.pong_received_s = static_cast<uint32_t>(c->pong_received_ms / 1000);
    g.ip = c->ip;
    g.port = static_cast<uint16_t>(c->port);
    g.cport = static_cast<uint16_t>(c->cport);
    g.pport = static_cast<uint16_t>(c->pport);
    g.flags = c->flags;
    m.gossip.push_back(std::move(g));
  }
  if (!settings_.hostname.empty()) {
    m.hostname = settings_.hostname;
  }
  return EncodeBusMessage(m);
}

std::string ClusterState::GreetingFor(uint64_t serial) {
  absl::MutexLock lock(&mu_);
  ClusterNode* node = FindBySerialLocked(serial);
  if (node == nullptr) {
    return {};
  }
  node->link_connected = true;
  const bool meet = node->flags & kMeet;
  node->flags &= ~kMeet;
  // A ping pending before the reconnect stays pending: the node did not answer it.
  const int64_t pending = node->ping_sent_ms;
  std::string msg = PingLocked(meet ? MessageType::kMeet : MessageType::kPing, node);
  if (pending != 0) {
    node->ping_sent_ms = pending;
  }
  return msg;
}

void ClusterState::LinkFailed(uint64_t serial) {
  absl::MutexLock lock(&mu_);
  if (ClusterNode* node = FindBySerialLocked(serial)) {
    node->link_connected = false;
    if (node->ping_sent_ms == 0) {
      node->ping_sent_ms = common::UnixMillis();
    }
  }
}

std::string ClusterState::PublishMessage(std::string_view channel, std::string_view message,
                                         bool shard, std::vector<uint64_t>* targets) {
  absl::MutexLock lock(&mu_);
  const ClusterNode& me = *nodes_[0];
  const std::string& primary = me.is_replica() ? me.primary_name : me.name;
  for (const auto& n : nodes_) {
    if (n->is_myself() || !n->link_connected || (n->flags & kHandshake)) {
      continue;
    }
    if (!shard || n->name == primary || n->primary_name == primary) {
      targets->push_back(n->serial);
    }
  }
  BusMessage m = HeaderLocked(shard ? MessageType::kPublishShard : MessageType::kPublish);
  m.channel = std::string(channel);
  m.message = std::string(message);
  return EncodeBusMessage(m);
}

void ClusterState::BroadcastLocked(const std::string& msg, BusActions* out) {
  for (const auto& n : nodes_) {
    if (!n->is_myself() && n->link_connected && !(n->flags & kHandshake)) {
      out->to_node.emplace_back(n->serial, msg);
    }
  }
}

void ClusterState::BroadcastPongLocked(bool local_replicas_only, BusActions* out) {
  const ClusterNode& me = *nodes_[0];
  for (const auto& n : nodes_) {
    if (n->is_myself() || !n->link_connected || (n->flags & kHandshake)) {
      continue;
    }
    if (local_replicas_only && !(n->is_replica() && n->primary_name == me.primary_name)) {
      continue;
    }
    out->to_node.emplace_back(n->serial, PingLocked(MessageType::kPong, n.get()));
  }
}

void ClusterState::UpdateRoleOfLocked(ClusterNode* sender, const BusMessage& m) {
  if (m.primary.empty()) {
    if (sender->is_replica()) {
      SetNodeAsPrimaryLocked(sender);
      SaveLocked();
    }
    return;
  }
  if (sender->is_primary()) {
    // A primary turned replica: its slots are its new primary's to claim.
    for (int j = 0; j < common::kClusterSlots; ++j) {
      if (slots_[j] == sender) {
        UnassignLocked(j);
      }
    }
    sender->flags = static_cast<uint16_t>((sender->flags & ~(kPrimary | kMigrateTo)) | kReplica);
    SaveLocked();
  }
  if (sender->primary_name != m.primary) {
    sender->primary_name = m.primary;
    if (ClusterNode* primary = FindLocked(m.primary)) {
      primary->flags |= kMigrateTo;
    }
    SaveLocked();
  }
}

void ClusterState::MarkFailingIfAgreedLocked(ClusterNode* node, BusActions* out) {
  const int64_t now = common::UnixMillis();
  const int64_t validity = settings_.node_timeout_ms * 2;
  std::erase_if(node->failure_reports, [&](const auto& r) { return now - r.second > validity; });
  if (!(node->flags & kPfail) || (node->flags & kFail)) {
    return;
  }
  const int needed = size_ / 2 + 1;
  const int failures =
      static_cast<int>(node->failure_reports.size()) + (nodes_[0]->is_primary() ? 1 : 0);
  if (failures < needed) {
    return;
  }
  common::Log(common::LogLevel::kNotice,
              "Marking node " + node->name + " as failing (quorum reached).");
  node->flags = static_cast<uint16_t>((node->flags & ~kPfail) | kFail);
  node->fail_time_ms = now;
  BusMessage fail = HeaderLocked(MessageType::kFail);
  fail.node = node->name;
  BroadcastLocked(EncodeBusMessage(fail), out);
  UpdateStateLocked();
  SaveLocked();
}

void ClusterState::UpdateSlotsLocked(ClusterNode* sender, uint64_t epoch, const SlotBitmap& slots) {
  ClusterNode* me = nodes_[0].get();
  if (sender == me) {
    return;
  }
  // This node's shard: itself, or the primary it follows. Losing the shard's last slot to the
  // sender makes this node the sender's replica (a failover happened without it).
  ClusterNode* shard_primary = me->is_primary() ? me : FindLocked(me->primary_name);
  bool changed = false;
  bool shard_lost_slots = false;
  int sender_slots = 0;
  int migrated_shard_slots = 0;
  std::vector<int> dirty;
  for (int j = 0; j < common::kClusterSlots; ++j) {
    if (!slots.test(j)) {
      continue;
    }
    ++sender_slots;
    if (slots_[j] == sender || importing_from_[j] != nullptr) {
      continue;
    }
    ClusterNode* owner = slots_[j];
    if (owner == nullptr || owner->config_epoch < epoch) {
      if (owner == me && keyspace_.CountKeysInSlot(j) != 0) {
        dirty.push_back(j);
      }
      if (owner != nullptr && owner == shard_primary) {
        shard_lost_slots = true;
        ++migrated_shard_slots;
      }
      if (owner == me && migrating_to_[j] != nullptr) {
        migrating_to_[j] = nullptr;
      }
      UnassignLocked(j);
      AssignLocked(j, sender);
      changed = true;
    }
  }
  if (!changed) {
    return;
  }
  if (shard_lost_slots && shard_primary->slots.none() &&
      (settings_.allow_replica_migration || sender_slots == migrated_shard_slots)) {
    common::Log(
        common::LogLevel::kWarning,
        "Configuration change detected. Reconfiguring myself as a replica of " + sender->name);
    SetPrimaryLocked(sender);
  } else if (ClusterNode* p = me->is_replica() ? FindLocked(me->primary_name) : nullptr;
             p != nullptr && p->is_replica() && p->primary_name != me->name) {
    if (ClusterNode* grand = FindLocked(p->primary_name)) {
      common::Log(
          common::LogLevel::kWarning,
          "I'm a sub-replica! Reconfiguring myself as a replica of grandmaster " + grand->name);
      SetPrimaryLocked(grand);
    }
  } else {
    // Slots lost with keys still here (the new owner's claim won by its epoch): their keys
    // go, as in Redis, and the deletions reach this node's replicas as DELs.
    for (int j : dirty) {
      const size_t deleted = keyspace_.DeleteKeysInSlot(j);
      common::Log(common::LogLevel::kWarning,
                  "Slot " + std::to_string(j) + " moved to " + sender->name + ": deleted " +
                      std::to_string(deleted) + " keys of it that were still here");
    }
  }
  UpdateStateLocked();
  SaveLocked();
}

void ClusterState::ProcessGossipLocked(const BusMessage& m, ClusterNode* sender) {
  const int64_t now = common::UnixMillis();
  for (const GossipEntry& g : m.gossip) {
    ClusterNode* node = IsNodeName(g.name) ? FindLocked(g.name) : nullptr;
    if (node != nullptr) {
      if (node->is_myself()) {
        continue;
      }
      if (sender != nullptr && sender->is_primary()) {
        auto& reports = node->failure_reports;
        auto it = std::find_if(reports.begin(), reports.end(),
                               [&](const auto& r) { return r.first == sender->name; });
        if (g.flags & (kPfail | kFail)) {
          if (it == reports.end()) {
            reports.emplace_back(sender->name, now);
          } else {
            it->second = now;
          }
        } else if (it != reports.end()) {
          reports.erase(it);
        }
      }
      // A healthy report of a node with no ping pending here refreshes when it last answered.
      if (!(g.flags & (kPfail | kFail)) && node->ping_sent_ms == 0 &&
          node->failure_reports.empty()) {
        const int64_t pong = int64_t{g.pong_received_s} * 1000;
        if (pong <= now + 500 && pong > node->pong_received_ms) {
          node->pong_received_ms = pong;
        }
      }
      // A node that failed here but is well elsewhere, at another address: it moved.
      if ((node->flags & (kFail | kPfail)) && !(g.flags & (kNoAddr | kPfail | kFail)) &&
          (node->ip != g.ip || node->port != g.port || node->cport != g.cport)) {
        node->ip = g.ip;
        node->port = g.port;
        node->pport = g.pport;
        node->cport = g.cport;
        node->flags &= ~kNoAddr;
        node->link_connected = false;
      }
      continue;
    }
    // An unknown node, heard of from a known one: added under its own name.
    if (sender == nullptr || (g.flags & kNoAddr) || !IsNodeName(g.name)) {
      continue;
    }
    const bool forgotten = std::any_of(forgotten_.begin(), forgotten_.end(), [&](const auto& f) {
      return f.first == g.name && f.second > now;
    });
    if (forgotten) {
      continue;
    }
    ClusterNode added;
    added.name = g.name;
    added.ip = g.ip;
    added.port = g.port;
    added.pport = g.pport;
    added.cport = g.cport;
    added.flags = static_cast<uint16_t>(g.flags & ~kMyself);
    AddNodeLocked(std::move(added));
  }
}

void ClusterState::HandleBusMessage(const BusMessage& m, const LinkContext& link, BusActions* out) {
  absl::MutexLock lock(&mu_);
  const int64_t now = common::UnixMillis();
  ClusterNode* me = nodes_[0].get();
  ClusterNode* link_node = link.node_serial != 0 ? FindBySerialLocked(link.node_serial) : nullptr;
  ClusterNode* sender = nullptr;
  if (link_node != nullptr && !(link_node->flags & kHandshake)) {
    sender = link_node;
  } else if (IsNodeName(m.sender)) {
    sender = FindLocked(m.sender);
  }
  if (sender != nullptr && !link.outbound && link.node_serial == 0) {
    out->tie_link_to = sender->serial;
  }
  if (sender != nullptr) {
    sender->data_received_ms = now;
  }
  if (sender != nullptr && !(sender->flags & kHandshake)) {
    current_epoch_ = std::max(current_epoch_, m.current_epoch);
    if (m.config_epoch > sender->config_epoch) {
      sender->config_epoch = m.config_epoch;
      SaveLocked();
    }
    sender->repl_offset = m.offset;
    // A replica in a manual failover learns where its paused primary stopped.
    if (mf_end_ms_ != 0 && me->is_replica() && me->primary_name == sender->name &&
        (m.mflags & kMessagePaused) && mf_primary_offset_ < 0) {
      mf_primary_offset_ = static_cast<int64_t>(m.offset);
      common::Log(common::LogLevel::kWarning,
                  "Received replication offset for paused master manual failover: " +
                      std::to_string(mf_primary_offset_));
      HandleManualFailoverLocked();
      HandleReplicaFailoverLocked(out);
    }
  }
  const std::string sender_ip = m.myip.empty() ? link.peer_ip : m.myip;

  if (m.type == MessageType::kPing || m.type == MessageType::kMeet) {
    // A node learns its own address from the first node that talks to it (or any MEET),
    // unless cluster-announce-ip names it.
    if ((me->ip.empty() || m.type == MessageType::kMeet) && settings_.ip.empty() &&
        !link.local_ip.empty() && me->ip != link.local_ip) {
      me->ip = link.local_ip;
      common::Log(common::LogLevel::kNotice, "IP address for this node updated to " + me->ip);
      SaveLocked();
    }
    if (sender == nullptr && m.type == MessageType::kMeet) {
      ClusterNode node;
      node.name = common::RandomHexId();
      node.ip = sender_ip;
      node.port = m.port;
      node.pport = m.pport;
      node.cport = m.cport;
      node.flags = kHandshake;
      AddNodeLocked(std::move(node));
      ProcessGossipLocked(m, nullptr);
    }
    out->reply.push_back(PingLocked(MessageType::kPong, nullptr));
  }

  if (IsPing(m.type)) {
    if (link.outbound && link_node != nullptr && (link_node->flags & kHandshake)) {
      if (sender != nullptr) {
        // Already known (through gossip): refresh its address, drop the handshake node.
        sender->ip = sender_ip;
        sender->port = m.port;
        sender->pport = m.pport;
        sender->cport = m.cport;
        DeleteNodeLocked(link_node, out);
        SaveLocked();
        return;
      }
      // The handshake is done: the node takes its real name and role. Its slots and gossip
      // come with its next message, which a PING asks for now: left to the periodic pings, a
      // new node learned its peers' slots up to half a node timeout later (Redis does that).
      common::Log(common::LogLevel::kNotice, "Handshake with node " + m.sender + " completed.");
      link_node->name = m.sender;
      link_node->flags =
          static_cast<uint16_t>((link_node->flags & ~(kHandshake | kPrimary | kReplica)) |
                                (m.flags & (kPrimary | kReplica)));
      link_node->pong_received_ms = now;
      link_node->ping_sent_ms = 0;
      out->reply.push_back(PingLocked(MessageType::kPing, link_node));
      SaveLocked();
      return;
    }
    if (link.outbound && link_node != nullptr && link_node->name != m.sender) {
      // Someone else answers at this address now.
      common::Log(common::LogLevel::kNotice, "PONG contains mismatching sender ID. About node " +
                                                 link_node->name + " in state; it is now noaddr");
      link_node->flags |= kNoAddr;
      link_node->ip.clear();
      link_node->port = link_node->pport = link_node->cport = 0;
      out->close_this_link = true;
      SaveLocked();
      return;
    }
    if (sender != nullptr) {
      sender->flags =
          static_cast<uint16_t>((sender->flags & ~kNoFailover) | (m.flags & kNoFailover));
    }
    if (sender != nullptr && m.type == MessageType::kPing && !(sender->flags & kHandshake)) {
      if (sender->ip != sender_ip || sender->port != m.port || sender->pport != m.pport ||
          sender->cport != m.cport) {
        sender->ip = sender_ip;
        sender->port = m.port;
        sender->pport = m.pport;
        sender->cport = m.cport;
        sender->flags &= ~kNoAddr;
        out->close_links.push_back(sender->serial);
        SaveLocked();
      }
    }
    if (link.outbound && m.type == MessageType::kPong && link_node != nullptr) {
      link_node->pong_received_ms = now;
      link_node->ping_sent_ms = 0;
      if (link_node->flags & kPfail) {
        link_node->flags &= ~kPfail;
        UpdateStateLocked();
        SaveLocked();
      } else if (link_node->flags & kFail) {
        // A replica or a slotless primary is back at once; a primary with slots only if
        // nobody took them over for a while.
        if (!link_node->is_primary() || link_node->slots.none() ||
            now - link_node->fail_time_ms > 2 * settings_.node_timeout_ms) {
          common::Log(common::LogLevel::kNotice,
                      "Clear FAIL state for node " + link_node->name + ": is reachable again.");
          link_node->flags &= ~kFail;
          UpdateStateLocked();
          SaveLocked();
        }
      }
    }
    if (sender == nullptr) {
      return;
    }
    UpdateRoleOfLocked(sender, m);
    // Its slots, and an UPDATE when it claims slots that a newer epoch owns.
    if (sender->is_primary() && sender->slots != m.slots) {
      UpdateSlotsLocked(sender, m.config_epoch, m.slots);
    }
    ClusterNode* sender_primary = sender->is_primary() ? sender : FindLocked(sender->primary_name);
    if (sender_primary != nullptr && sender_primary->slots != m.slots) {
      for (int j = 0; j < common::kClusterSlots; ++j) {
        if (!m.slots.test(j) || slots_[j] == sender || slots_[j] == nullptr) {
          continue;
        }
        if (slots_[j]->config_epoch > m.config_epoch) {
          BusMessage update = HeaderLocked(MessageType::kUpdate);
          update.node = slots_[j]->name;
          update.node_config_epoch = slots_[j]->config_epoch;
          update.node_slots = slots_[j]->slots;
          out->to_node.emplace_back(sender->serial, EncodeBusMessage(update));
          break;
        }
      }
    }
    // Two primaries on one epoch: the one with the smaller name moves on (Redis's
    // clusterHandleConfigEpochCollision), so that a fresh cluster's epochs become distinct.
    if (me->is_primary() && sender->is_primary() && m.config_epoch == me->config_epoch &&
        sender->config_epoch == me->config_epoch && sender->name > me->name) {
      me->config_epoch = ++current_epoch_;
      common::Log(common::LogLevel::kNotice, "configEpoch collision with node " + sender->name +
                                                 ". configEpoch set to " +
                                                 std::to_string(me->config_epoch));
      SaveLocked();
    }
    ProcessGossipLocked(m, sender);
    for (const GossipEntry& g : m.gossip) {
      if (ClusterNode* node = FindLocked(g.name); node != nullptr && (node->flags & kPfail)) {
        MarkFailingIfAgreedLocked(node, out);
      }
    }
    sender->hostname = m.hostname.value_or("");
    PublishLocked();
    return;
  }

  if (sender == nullptr) {
    return;  // the other types come from known nodes only
  }
  switch (m.type) {
    case MessageType::kFail: {
      ClusterNode* failed = IsNodeName(m.node) ? FindLocked(m.node) : nullptr;
      if (failed != nullptr && !(failed->flags & kFail) && !failed->is_myself()) {
        common::Log(common::LogLevel::kNotice,
                    "FAIL message received from " + sender->name + " about " + failed->name);
        failed->flags = static_cast<uint16_t>((failed->flags & ~kPfail) | kFail);
        failed->fail_time_ms = now;
        UpdateStateLocked();
        SaveLocked();
        PublishLocked();
      }
      break;
    }
    case MessageType::kUpdate: {
      ClusterNode* owner = IsNodeName(m.node) ? FindLocked(m.node) : nullptr;
      if (owner == nullptr || owner->config_epoch >= m.node_config_epoch) {
        break;
      }
      SetNodeAsPrimaryLocked(owner);
      owner->config_epoch = m.node_config_epoch;
      UpdateSlotsLocked(owner, m.node_config_epoch, m.node_slots);
      SaveLocked();
      PublishLocked();
      break;
    }
    case MessageType::kPublish:
    case MessageType::kPublishShard:
      out->deliveries.push_back({m.channel, m.message, m.type == MessageType::kPublishShard});
      break;
    case MessageType::kAuthRequest:
      GrantVoteIfAllowedLocked(sender, m, out);
      break;
    case MessageType::kAuthAck:
      // A vote counts from a primary with slots, for this election's epoch or a later one.
      if (sender->is_primary() && sender->slots.any() && m.current_epoch >= failover_auth_epoch_) {
        ++failover_auth_count_;
        HandleReplicaFailoverLocked(out);
      }
      break;
    case MessageType::kMfStart:
      if (me->is_primary() && sender->primary_name == me->name) {
        PauseForManualFailoverLocked(sender, out);
      }
      break;
    default:
      break;
  }
}

void ClusterState::BusCron(const std::function<bool(uint64_t)>& has_link, BusActions* out) {
  absl::MutexLock lock(&mu_);
  const int64_t now = common::UnixMillis();
  const int64_t timeout = settings_.node_timeout_ms;
  const int64_t handshake_timeout = std::max<int64_t>(timeout, 1000);
  ++cron_ticks_;
  std::erase_if(forgotten_, [&](const auto& f) { return f.second <= now; });
  // Handshakes that never finished go; nodes without a link get one.
  std::vector<ClusterNode*> expired;
  for (auto& n : nodes_) {
    if (n->is_myself() || (n->flags & kNoAddr)) {
      continue;
    }
    if ((n->flags & kHandshake) && now - n->created_ms > handshake_timeout) {
      expired.push_back(n.get());
      continue;
    }
    n->link_connected = has_link(n->serial);
    if (!n->link_connected && !n->ip.empty() && n->cport != 0) {
      out->connect.push_back({n->serial, n->ip, n->cport});
    }
  }
  for (ClusterNode* n : expired) {
    DeleteNodeLocked(n, out);
  }
  // About once a second, the node among five random ones that answered longest ago.
  if (cron_ticks_ % 10 == 0 && nodes_.size() > 1) {
    ClusterNode* oldest = nullptr;
    for (int i = 0; i < 5; ++i) {
      ClusterNode* c = nodes_[Rng()() % nodes_.size()].get();
      if (c->is_myself() || (c->flags & kHandshake) || !c->link_connected || c->ping_sent_ms != 0) {
        continue;
      }
      if (oldest == nullptr || c->pong_received_ms < oldest->pong_received_ms) {
        oldest = c;
      }
    }
    if (oldest != nullptr) {
      out->to_node.emplace_back(oldest->serial, PingLocked(MessageType::kPing, oldest));
    }
  }
  bool state_changed = false;
  for (auto& n : nodes_) {
    if (n->is_myself() || (n->flags & (kNoAddr | kHandshake))) {
      continue;
    }
    ClusterNode* node = n.get();
    // A link that has been silent for half the timeout with a ping pending is dropped; the
    // next tick makes a new one.
    if (node->link_connected && node->ping_sent_ms != 0 && now - node->ping_sent_ms > timeout / 2 &&
        now - node->data_received_ms > timeout / 2 && now - node->created_ms > timeout) {
      out->close_links.push_back(node->serial);
      node->link_connected = false;
    }
    // Everyone is pinged at least every half timeout.
    if (node->link_connected && node->ping_sent_ms == 0 &&
        now - node->pong_received_ms > timeout / 2) {
      out->to_node.emplace_back(node->serial, PingLocked(MessageType::kPing, node));
      continue;
    }
    if (node->ping_sent_ms != 0) {
      const int64_t delay =
          std::min(now - node->ping_sent_ms, now - std::max(node->data_received_ms, int64_t{0}));
      if (delay > timeout && !(node->flags & (kPfail | kFail))) {
        common::Log(common::LogLevel::kNotice, "*** NODE " + node->name + " possibly failing");
        node->flags |= kPfail;
        state_changed = true;
      }
    }
  }
  FailoverCronLocked(out);
  if (UpdateStateLocked() || state_changed) {
    PublishLocked();
  }
}

}  // namespace redoubt::cluster
