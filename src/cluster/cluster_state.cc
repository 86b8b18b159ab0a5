// This node's view of its cluster; see cluster_state.h.
#include "cluster/cluster_state.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>

#include "cluster/nodes_file.h"
#include "common/clock.h"
#include "common/errno_text.h"
#include "common/file_io.h"
#include "common/log.h"
#include "common/random_id.h"

namespace redoubt::cluster {
namespace {

constexpr size_t kMaxNodesFileBytes = 64 << 20;

absl::Status BusyError(int slot, std::string_view why) {
  return absl::FailedPreconditionError("ERR Slot " + std::to_string(slot) + " " + std::string(why));
}

}  // namespace

ClusterState::ClusterState(ClusterSettings settings, storage::Keyspace& keyspace)
    : keyspace_(keyspace), settings_(std::move(settings)) {}

ClusterState::~ClusterState() {
  if (lock_fd_ >= 0) {
    close(lock_fd_);
  }
}

absl::StatusOr<std::unique_ptr<ClusterState>> ClusterState::Open(ClusterSettings settings,
                                                                 storage::Keyspace& keyspace) {
  std::unique_ptr<ClusterState> state(new ClusterState(settings, keyspace));
  // The lock lives on a file of its own: nodes.conf is replaced by a rename at every save, and a
  // lock on the replaced file would protect nothing.
  const std::string lock_path = settings.config_file + ".lock";
  state->lock_fd_ = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (state->lock_fd_ < 0) {
    return absl::FailedPreconditionError(
        "Can't open " + lock_path + " in order to acquire a lock: " + common::ErrnoText(errno));
  }
  if (flock(state->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return absl::FailedPreconditionError(
        "Sorry, the cluster configuration file " + settings.config_file +
        " is already used by a different Redis Cluster node. Please make sure that different "
        "nodes use different cluster configuration files.");
  }
  std::string text;
  absl::Status read = common::ReadSmallFile(settings.config_file, kMaxNodesFileBytes, &text);
  absl::MutexLock lock(&state->mu_);
  if (read.ok()) {
    absl::StatusOr<NodesFile> file = ParseNodesFile(text);
    if (!file.ok()) {
      return file.status();
    }
    // Myself first, then the others in file order.
    std::stable_partition(file->nodes.begin(), file->nodes.end(),
                          [](const ClusterNode& n) { return n.is_myself(); });
    for (ClusterNode& n : file->nodes) {
      n.link_connected = false;  // a link is made, not remembered
      state->nodes_.push_back(std::make_unique<ClusterNode>(std::move(n)));
    }
    for (auto& n : state->nodes_) {
      for (int slot = 0; slot < common::kClusterSlots; ++slot) {
        if (n->slots.test(slot)) {
          state->slots_[slot] = n.get();
        }
      }
    }
    for (const SlotTransfer& t : file->transfers) {
      ClusterNode* peer = state->FindLocked(t.peer);
      if (peer == nullptr) {
        return absl::InvalidArgumentError(
            "Unrecoverable error: corrupted cluster config file: "
            "a slot transfer names an unknown node");
      }
      (t.importing ? state->importing_from_ : state->migrating_to_)[t.slot] = peer;
    }
    state->current_epoch_ = file->current_epoch;
    state->last_vote_epoch_ = file->last_vote_epoch;
    common::Log(common::LogLevel::kNotice,
                "Node configuration loaded, I'm " + state->nodes_[0]->name.substr(0, 8));
  } else if (absl::IsNotFound(read)) {
    auto myself = std::make_unique<ClusterNode>();
    myself->name = common::RandomHexId();
    myself->flags = kMyself | kPrimary;
    state->nodes_.push_back(std::move(myself));
    state->started_fresh_ = true;
    common::Log(common::LogLevel::kNotice,
                "No cluster configuration found, I'm " + state->nodes_[0]->name);
  } else {
    return read;
  }
  const int64_t now = common::UnixMillis();
  for (auto& n : state->nodes_) {
    n->serial = state->next_serial_++;
    n->created_ms = now;
  }
  state->RefreshMyselfLocked();
  if (absl::Status st = state->CommitLocked(); !st.ok()) {
    return st;
  }
  return state;
}

void ClusterState::RefreshMyselfLocked() {
  ClusterNode& me = *nodes_[0];
  // Without cluster-announce-ip the address stays the one this node learned (from the file,
  // or later from the node that met it).
  if (!settings_.ip.empty()) {
    me.ip = settings_.ip;
  }
  me.port = settings_.port;
  me.pport = settings_.tls_port;
  me.cport = settings_.bus_port;
  me.hostname = settings_.hostname;
  me.link_connected = true;
  me.flags = static_cast<uint16_t>((me.flags & ~kNoFailover) |
                                   (settings_.replica_no_failover ? kNoFailover : 0));
}

void ClusterState::UpdateSettings(const ClusterSettings& settings) {
  absl::MutexLock lock(&mu_);
  const std::string file = settings_.config_file;
  settings_ = settings;
  settings_.config_file = file;  // immutable
  RefreshMyselfLocked();
  PublishLocked();
}

ClusterNode* ClusterState::FindLocked(const std::string& name) {
  for (auto& n : nodes_) {
    if (n->name == name) {
      return n.get();
    }
  }
  return nullptr;
}

int ClusterState::IndexOfLocked(const ClusterNode* node) {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].get() == node) {
      return static_cast<int>(i);
    }
  }
  return RoutingTable::kNone;
}

bool ClusterState::KnowsSerial(uint64_t serial) {
  absl::MutexLock lock(&mu_);
  return FindBySerialLocked(serial) != nullptr;
}

bool ClusterState::KnowsNode(const std::string& node_name) {
  absl::MutexLock lock(&mu_);
  return FindLocked(node_name) != nullptr;
}

std::string ClusterState::my_name() {
  absl::MutexLock lock(&mu_);
  return nodes_[0]->name;
}

void ClusterState::AssignLocked(int slot, ClusterNode* node) {
  if (slots_[slot] != nullptr) {
    slots_[slot]->slots.reset(slot);
  }
  slots_[slot] = node;
  node->slots.set(slot);
}

void ClusterState::UnassignLocked(int slot) {
  if (slots_[slot] != nullptr) {
    slots_[slot]->slots.reset(slot);
    slots_[slot] = nullptr;
  }
}

bool ClusterState::UpdateStateLocked() {
  const int64_t now = common::MonotonicMillis();
  if (first_evaluation_ms_ == 0) {
    first_evaluation_ms_ = now;
  }
  if (nodes_[0]->is_primary() && !state_ok_ && !started_fresh_ &&
      now - first_evaluation_ms_ < settings_.writable_delay_ms) {
    return false;
  }
  bool ok = true;
  if (settings_.require_full_coverage) {
    for (ClusterNode* owner : slots_) {
      if (owner == nullptr || owner->failed()) {
        ok = false;
        break;
      }
    }
  }
  // The primaries that serve slots, and how many of them this node can reach: a node on the
  // minority side of a partition stops serving.
  int size = 0;
  int reachable = 0;
  for (const auto& n : nodes_) {
    if (n->is_primary() && n->slots.any()) {
      ++size;
      if (!(n->flags & (kFail | kPfail))) {
        ++reachable;
      }
    }
  }
  size_ = size;
  if (reachable < size / 2 + 1) {
    ok = false;
  }
  const bool changed = ok != state_ok_;
  if (changed) {
    common::Log(common::LogLevel::kNotice,
                std::string("Cluster state changed: ") + (ok ? "ok" : "fail"));
  }
  state_ok_ = ok;
  return changed;
}

void ClusterState::Cron() {
  absl::MutexLock lock(&mu_);
  if (UpdateStateLocked()) {
    PublishLocked();
  }
}

std::string ClusterState::RedirectTargetLocked(const ClusterNode& n) {
  // Redis's getPreferredEndpoint.
  std::string endpoint;
  switch (settings_.preferred_endpoint_type) {
    case 0:
      endpoint = n.ip;
      break;
    case 1:
      endpoint = n.hostname.empty() ? "?" : n.hostname;
      break;
    default:
      break;
  }
  return endpoint + ":" + std::to_string(n.port);
}

void ClusterState::PublishLocked() {
  auto table = std::make_shared<RoutingTable>();
  table->redirect_targets.reserve(nodes_.size());
  for (const auto& n : nodes_) {
    table->redirect_targets.push_back(RedirectTargetLocked(*n));
  }
  for (int slot = 0; slot < common::kClusterSlots; ++slot) {
    if (slots_[slot] != nullptr) {
      table->owner[slot] = static_cast<int16_t>(IndexOfLocked(slots_[slot]));
    }
    if (migrating_to_[slot] != nullptr) {
      table->migrating_to[slot] = static_cast<int16_t>(IndexOfLocked(migrating_to_[slot]));
    }
    if (importing_from_[slot] != nullptr) {
      table->importing_from[slot] = static_cast<int16_t>(IndexOfLocked(importing_from_[slot]));
    }
    table->stable_here[slot] = slots_[slot] == nodes_[0].get() && migrating_to_[slot] == nullptr &&
                               importing_from_[slot] == nullptr;
  }
  table->myself = 0;  // nodes_[0]
  if (!nodes_[0]->primary_name.empty()) {
    table->my_primary = static_cast<int16_t>(IndexOfLocked(FindLocked(nodes_[0]->primary_name)));
  }
  table->ok = state_ok_;
  table->allow_reads_when_down = settings_.allow_reads_when_down;
  table->allow_pubsubshard_when_down = settings_.allow_pubsubshard_when_down;
  routing_tables_.Publish(std::move(table));
}

ClusterView ClusterState::ViewLocked() {
  ClusterView view;
  for (const auto& n : nodes_) {
    view.nodes.push_back(*n);
  }
  for (int slot = 0; slot < common::kClusterSlots; ++slot) {
    if (migrating_to_[slot] != nullptr) {
      view.migrating.emplace_back(slot, IndexOfLocked(migrating_to_[slot]));
    }
    if (importing_from_[slot] != nullptr) {
      view.importing.emplace_back(slot, IndexOfLocked(importing_from_[slot]));
    }
  }
  view.settings = settings_;
  view.current_epoch = current_epoch_;
  view.last_vote_epoch = last_vote_epoch_;
  return view;
}

ClusterView ClusterState::View() {
  absl::MutexLock lock(&mu_);
  return ViewLocked();
}

absl::Status ClusterState::CommitLocked() {
  ClusterView view = ViewLocked();
  NodesFile file;
  file.nodes = std::move(view.nodes);
  for (auto [slot, peer] : view.migrating) {
    file.transfers.push_back({slot, false, file.nodes[peer].name});
  }
  for (auto [slot, peer] : view.importing) {
    file.transfers.push_back({slot, true, file.nodes[peer].name});
  }
  file.current_epoch = current_epoch_;
  file.last_vote_epoch = last_vote_epoch_;
  UpdateStateLocked();
  PublishLocked();
  // Epochs and votes must survive a crash of the machine (a node that forgot its vote could
  // vote twice in one epoch): a change of them is synced to disk. The rest (slots, nodes,
  // flags) the cluster tells a node again, and resharding changes it thousands of times, so
  // those saves are only atomic, as Redis saves nodes.conf without fsync then.
  const std::array<uint64_t, 3> epochs = {current_epoch_, last_vote_epoch_,
                                          nodes_[0]->config_epoch};
  const bool durable = epochs != synced_epochs_;
  const std::string text = FormatNodesFile(file);
  const int err = durable ? common::ReplaceFileDurably(settings_.config_file, text, 0644)
                          : common::ReplaceFile(settings_.config_file, text, 0644);
  if (err == 0 && durable) {
    synced_epochs_ = epochs;
  }
  if (err != 0) {
    common::Log(common::LogLevel::kWarning, "Could not save the cluster configuration file " +
                                                settings_.config_file + ": " +
                                                common::ErrnoText(err));
    return absl::InternalError("ERR error saving the cluster node config: " +
                               common::ErrnoText(err));
  }
  return absl::OkStatus();
}

absl::Status ClusterState::SaveConfig() {
  absl::MutexLock lock(&mu_);
  return CommitLocked();
}

ClusterInfo ClusterState::Info() {
  absl::MutexLock lock(&mu_);
  ClusterInfo info;
  info.ok = state_ok_;
  for (ClusterNode* owner : slots_) {
    if (owner == nullptr) {
      continue;
    }
    ++info.slots_assigned;
    if (owner->flags & kFail) {
      ++info.slots_fail;
    } else if (owner->flags & kPfail) {
      ++info.slots_pfail;
    } else {
      ++info.slots_ok;
    }
  }
  info.known_nodes = static_cast<int>(nodes_.size());
  for (int t = 0; t < kMessageTypes; ++t) {
    info.sent[t] = messages_sent_[t].load(std::memory_order_relaxed);
    info.received[t] = messages_received_[t].load(std::memory_order_relaxed);
  }
  info.size = size_;
  info.current_epoch = current_epoch_;
  const ClusterNode& me = *nodes_[0];
  if (me.is_replica()) {
    const ClusterNode* primary = FindLocked(me.primary_name);
    info.my_epoch = primary != nullptr ? primary->config_epoch : 0;
  } else {
    info.my_epoch = me.config_epoch;
  }
  return info;
}

absl::Status ClusterState::AddSlots(const std::vector<int>& slots) {
  absl::MutexLock lock(&mu_);
  std::vector<bool> seen(common::kClusterSlots);
  for (int slot : slots) {
    if (slots_[slot] != nullptr) {
      return BusyError(slot, "is already busy");
    }
    if (seen[slot]) {
      return BusyError(slot, "specified multiple times");
    }
    seen[slot] = true;
  }
  for (int slot : slots) {
    // A slot this node was importing is now its own (Redis clears the importing state).
    importing_from_[slot] = nullptr;
    AssignLocked(slot, nodes_[0].get());
  }
  return CommitLocked();
}

absl::Status ClusterState::DelSlots(const std::vector<int>& slots) {
  absl::MutexLock lock(&mu_);
  std::vector<bool> seen(common::kClusterSlots);
  for (int slot : slots) {
    if (slots_[slot] == nullptr) {
      return BusyError(slot, "is already unassigned");
    }
    if (seen[slot]) {
      return BusyError(slot, "specified multiple times");
    }
    seen[slot] = true;
  }
  for (int slot : slots) {
    UnassignLocked(slot);
    importing_from_[slot] = nullptr;
    migrating_to_[slot] = nullptr;
  }
  return CommitLocked();
}

absl::Status ClusterState::FlushSlots() {
  absl::MutexLock lock(&mu_);
  for (int slot = 0; slot < common::kClusterSlots; ++slot) {
    if (slots_[slot] == nodes_[0].get()) {
      UnassignLocked(slot);
    }
    importing_from_[slot] = nullptr;
    migrating_to_[slot] = nullptr;
  }
  return CommitLocked();
}

absl::Status ClusterState::SetSlot(int slot, SlotState state, const std::string& node_name) {
  absl::MutexLock lock(&mu_);
  ClusterNode* me = nodes_[0].get();
  if (me->is_replica()) {
    return absl::FailedPreconditionError("ERR Please use SETSLOT only with masters.");
  }
  ClusterNode* node = nullptr;
  if (state != SlotState::kStable) {
    node = FindLocked(node_name);
  }
  switch (state) {
    case SlotState::kMigrating:
      if (slots_[slot] != me) {
        return absl::FailedPreconditionError("ERR I'm not the owner of hash slot " +
                                             std::to_string(slot));
      }
      if (node == nullptr) {
        return absl::FailedPreconditionError("ERR I don't know about node " + node_name);
      }
      if (node->is_replica()) {
        return absl::FailedPreconditionError("ERR Target node is not a master");
      }
      migrating_to_[slot] = node;
      break;
    case SlotState::kImporting:
      if (slots_[slot] == me) {
        return absl::FailedPreconditionError("ERR I'm already the owner of hash slot " +
                                             std::to_string(slot));
      }
      if (node == nullptr) {
        return absl::FailedPreconditionError("ERR I don't know about node " + node_name);
      }
      if (node->is_replica()) {
        return absl::FailedPreconditionError("ERR Target node is not a master");
      }
      importing_from_[slot] = node;
      break;
    case SlotState::kStable:
      importing_from_[slot] = nullptr;
      migrating_to_[slot] = nullptr;
      break;
    case SlotState::kNode: {
      if (node == nullptr) {
        return absl::FailedPreconditionError("ERR Unknown node " + node_name);
      }
      if (node->is_replica()) {
        return absl::FailedPreconditionError("ERR Target node is not a master");
      }
      // Giving away a slot this node still holds keys of would orphan them.
      if (slots_[slot] == me && node != me && keyspace_.CountKeysInSlot(slot) != 0) {
        return absl::FailedPreconditionError(
            "ERR Can't assign hashslot " + std::to_string(slot) +
            " to a different node while I still hold keys for this hash slot.");
      }
      // The last key migrated away: the migration is over.
      if (keyspace_.CountKeysInSlot(slot) == 0 && migrating_to_[slot] != nullptr) {
        migrating_to_[slot] = nullptr;
      }
      const bool was_importing = node == me && importing_from_[slot] != nullptr;
      UnassignLocked(slot);
      AssignLocked(slot, node);
      if (was_importing) {
        // The import is done: this node takes the slot with a new, greater epoch so that the
        // rest of the cluster accepts its claim (Redis bumps without consensus here).
        importing_from_[slot] = nullptr;
        if (me->config_epoch == 0 || me->config_epoch < current_epoch_) {
          me->config_epoch = ++current_epoch_;
        }
      }
      break;
    }
  }
  return CommitLocked();
}

bool ClusterState::BumpEpoch() {
  absl::MutexLock lock(&mu_);
  ClusterNode* me = nodes_[0].get();
  uint64_t max_epoch = current_epoch_;
  bool unique = true;
  for (const auto& n : nodes_) {
    if (n.get() != me && n->config_epoch == me->config_epoch) {
      unique = false;
    }
    max_epoch = std::max(max_epoch, n->config_epoch);
  }
  if (me->config_epoch != 0 && me->config_epoch == max_epoch && unique) {
    return false;
  }
  me->config_epoch = ++current_epoch_;
  (void)CommitLocked();
  return true;
}

absl::Status ClusterState::SetConfigEpoch(int64_t epoch) {
  absl::MutexLock lock(&mu_);
  if (epoch < 0) {
    return absl::InvalidArgumentError("ERR Invalid config epoch specified: " +
                                      std::to_string(epoch));
  }
  if (nodes_.size() > 1) {
    return absl::FailedPreconditionError(
        "ERR The user can assign a config epoch only when the node does not know any other "
        "node.");
  }
  if (nodes_[0]->config_epoch != 0) {
    return absl::FailedPreconditionError("ERR Node config epoch is already non-zero");
  }
  nodes_[0]->config_epoch = static_cast<uint64_t>(epoch);
  current_epoch_ = std::max(current_epoch_, static_cast<uint64_t>(epoch));
  return CommitLocked();
}

absl::Status ClusterState::Forget(const std::string& node_name) {
  absl::MutexLock lock(&mu_);
  ClusterNode* node = FindLocked(node_name);
  if (node == nullptr) {
    return absl::NotFoundError("ERR Unknown node " + node_name);
  }
  if (node == nodes_[0].get()) {
    return absl::FailedPreconditionError("ERR I tried hard but I can't forget myself...");
  }
  if (nodes_[0]->is_replica() && nodes_[0]->primary_name == node->name) {
    return absl::FailedPreconditionError("ERR Can't forget my master!");
  }
  // Gossip would bring it back before every node forgot it: its name stays off for a minute.
  forgotten_.emplace_back(node->name, common::UnixMillis() + 60000);
  DeleteNodeLocked(node, nullptr);  // the bus closes the links of nodes that are gone
  return CommitLocked();
}

absl::Status ClusterState::Reset(bool hard) {
  absl::MutexLock lock(&mu_);
  ClusterNode* me = nodes_[0].get();
  for (int slot = 0; slot < common::kClusterSlots; ++slot) {
    UnassignLocked(slot);
    importing_from_[slot] = nullptr;
    migrating_to_[slot] = nullptr;
  }
  if (me->is_replica()) {
    role_dirty_.store(true, std::memory_order_release);  // replication stops following
  }
  me->flags = kMyself | kPrimary;
  me->primary_name.clear();
  promotion_from_.clear();
  ResetManualFailoverLocked();
  nodes_.resize(1);  // forget every other node
  if (hard) {
    current_epoch_ = 0;
    last_vote_epoch_ = 0;
    me->config_epoch = 0;
    me->name = common::RandomHexId();
    common::Log(common::LogLevel::kNotice, "Node hard reset, now I'm " + me->name);
  }
  return CommitLocked();
}

}  // namespace redoubt::cluster
