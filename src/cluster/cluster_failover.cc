// ClusterState's replicas and failovers, in Redis 7.0's rules (cluster.c's clusterSetMaster,
// clusterHandleSlaveFailover, clusterSendFailoverAuthIfNeeded, clusterHandleManualFailover,
// clusterHandleSlaveMigration):
//   - CLUSTER REPLICATE makes this node a replica; replication follows through the hooks.
//   - A replica whose primary is flagged FAIL waits 500–1000 ms plus a second per better-placed
//     replica, then asks every node for its vote in a new epoch (FAILOVER_AUTH_REQUEST). Each
//     primary with slots grants one vote per epoch (FAILOVER_AUTH_ACK); a majority of them
//     makes it the primary of its former primary's slots at that epoch.
//   - CLUSTER FAILOVER: the primary pauses writes (MFSTART) and announces the offset it paused
//     at; once the replica has applied that much, it runs the election, which voters grant
//     though the primary is up. FORCE skips the primary; TAKEOVER skips the vote.
//   - A replica of a primary with more than cluster-migration-barrier working replicas moves to
//     a primary left without any.
// The promotion itself is split: the election is decided under the lock, and the slots are
// claimed by SyncReplicationRole after replication stopped following the old primary, so that
// clients are sent here only once this node takes writes.
#include <algorithm>
#include <random>

#include "cluster/cluster_state.h"
#include "common/clock.h"
#include "common/log.h"

namespace redoubt::cluster {
namespace {

constexpr int64_t kManualFailoverTimeoutMs = 5000;  // Redis's CLUSTER_MF_TIMEOUT
constexpr int64_t kManualFailoverPauseFactor = 2;   // CLUSTER_MF_PAUSE_MULT
constexpr int64_t kReplicaMigrationDelayMs = 5000;  // CLUSTER_SLAVE_MIGRATION_DELAY

int64_t ElectionJitterMs() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  return std::uniform_int_distribution<int64_t>(0, 499)(rng);
}

}  // namespace

void ClusterState::set_replication_hooks(ReplicationHooks hooks) {
  absl::MutexLock lock(&mu_);
  hooks_ = std::move(hooks);
  hooks_set_ = true;
  role_dirty_.store(true, std::memory_order_release);
}

uint64_t ClusterState::ReplicationOffsetLocked() {
  return hooks_.offset ? hooks_.offset() : 0;
}

std::vector<ClusterNode*> ClusterState::ReplicasOfLocked(const ClusterNode& primary) {
  std::vector<ClusterNode*> replicas;
  for (auto& n : nodes_) {
    if (n->is_replica() && n->primary_name == primary.name) {
      replicas.push_back(n.get());
    }
  }
  return replicas;
}

int ClusterState::CountOkReplicasLocked(const ClusterNode& primary) {
  int ok = 0;
  for (ClusterNode* r : ReplicasOfLocked(primary)) {
    ok += r->failed() ? 0 : 1;
  }
  return ok;
}

void ClusterState::SetPrimaryLocked(ClusterNode* primary) {
  ClusterNode* me = nodes_[0].get();
  if (me->is_primary()) {
    me->flags = static_cast<uint16_t>((me->flags & ~(kPrimary | kMigrateTo)) | kReplica);
    // A replica neither imports nor migrates (Redis's clusterCloseAllSlots).
    migrating_to_.fill(nullptr);
    importing_from_.fill(nullptr);
  }
  me->primary_name = primary->name;
  primary->flags |= kMigrateTo;  // a primary that had a replica may get one back by migration
  promotion_from_.clear();
  ResetManualFailoverLocked();
  ResetElectionLocked();
  role_dirty_.store(true, std::memory_order_release);
}

void ClusterState::SetNodeAsPrimaryLocked(ClusterNode* node) {
  if (node->is_primary()) {
    return;
  }
  if (!node->primary_name.empty() && !node->is_myself()) {
    node->flags |= kMigrateTo;  // it failed over a primary that had replicas
  }
  node->flags = static_cast<uint16_t>((node->flags & ~kReplica) | kPrimary);
  node->primary_name.clear();
  if (node->is_myself()) {
    role_dirty_.store(true, std::memory_order_release);
  }
}

void ClusterState::ResetElectionLocked() {
  // Ours, not Redis's: Redis keeps an election's votes until its retry time passes, so that a
  // node that won one, became a replica again (an UPDATE, CLUSTER REPLICATE) and is asked for
  // a manual failover within that time counts the old votes, "wins" at once with the old
  // epoch, and loses the slots again to the newer claim. A new role or a new request starts
  // from no election.
  failover_auth_time_ms_ = 0;
  failover_auth_count_ = 0;
  failover_auth_sent_ = false;
}

void ClusterState::ResetManualFailoverLocked() {
  if (mf_replica_ != 0) {
    // This primary paused for a replica: writes go on, whatever came of it, but only after
    // SyncReplicationRole has put the outcome in effect (resume_writes_pending_).
    resume_writes_pending_.store(true, std::memory_order_release);
  }
  mf_end_ms_ = 0;
  mf_can_start_ = false;
  mf_replica_ = 0;
  mf_primary_offset_ = -1;
}

bool ClusterState::manual_failover_in_progress() {
  absl::MutexLock lock(&mu_);
  return mf_end_ms_ != 0;
}

int ClusterState::ReplicaRankLocked() {
  const ClusterNode& me = *nodes_[0];
  const ClusterNode* primary = FindLocked(me.primary_name);
  if (primary == nullptr) {
    return 0;
  }
  const uint64_t mine = ReplicationOffsetLocked();
  int rank = 0;
  for (const ClusterNode* r : ReplicasOfLocked(*primary)) {
    if (r != &me && !(r->flags & kNoFailover) && r->repl_offset > mine) {
      ++rank;
    }
  }
  return rank;
}

absl::Status ClusterState::Replicate(const std::string& node_name) {
  absl::MutexLock lock(&mu_);
  ClusterNode* me = nodes_[0].get();
  ClusterNode* node = FindLocked(node_name);
  if (node == nullptr) {
    return absl::NotFoundError("ERR Unknown node " + node_name);
  }
  if (node == me) {
    return absl::FailedPreconditionError("ERR Can't replicate myself");
  }
  if (node->is_replica()) {
    return absl::FailedPreconditionError("ERR I can only replicate a master, not a replica.");
  }
  if (me->is_primary() && (me->slots.any() || keyspace_.DbSize(0) != 0)) {
    return absl::FailedPreconditionError(
        "ERR To set a master the node must be empty and without assigned slots.");
  }
  SetPrimaryLocked(node);
  // Every node learns the new replica from this node's PONG at the next tick, rather than from
  // gossip over the next seconds (clients asking any node for the slots see it at once).
  pong_pending_ = true;
  return CommitLocked();
}

absl::Status ClusterState::Failover(FailoverKind kind) {
  absl::MutexLock lock(&mu_);
  ClusterNode* me = nodes_[0].get();
  if (me->is_primary()) {
    return absl::FailedPreconditionError("ERR You should send CLUSTER FAILOVER to a replica");
  }
  ClusterNode* primary = FindLocked(me->primary_name);
  if (primary == nullptr) {
    return absl::FailedPreconditionError("ERR I'm a replica but my master is unknown to me");
  }
  if (kind == FailoverKind::kDefault && (primary->failed() || !primary->link_connected)) {
    return absl::FailedPreconditionError(
        "ERR Master is down or failed, please use CLUSTER FAILOVER FORCE");
  }
  ResetManualFailoverLocked();
  ResetElectionLocked();
  mf_end_ms_ = common::UnixMillis() + kManualFailoverTimeoutMs;
  switch (kind) {
    case FailoverKind::kTakeover: {
      // No vote: an epoch greater than any this node knows, taken without consensus (Redis's
      // clusterBumpConfigEpochWithoutConsensus), and the slots with it.
      common::Log(common::LogLevel::kWarning, "Taking over the master (user request).");
      uint64_t max_epoch = current_epoch_;
      for (const auto& n : nodes_) {
        max_epoch = std::max(max_epoch, n->config_epoch);
      }
      if (me->config_epoch == 0 || me->config_epoch != max_epoch) {
        current_epoch_ = max_epoch + 1;
        me->config_epoch = current_epoch_;
        common::Log(common::LogLevel::kWarning,
                    "New configEpoch set to " + std::to_string(me->config_epoch));
      }
      StartPromotionLocked();
      break;
    }
    case FailoverKind::kForce:
      common::Log(common::LogLevel::kWarning, "Forced failover user request accepted.");
      mf_can_start_ = true;
      break;
    case FailoverKind::kDefault: {
      common::Log(common::LogLevel::kWarning, "Manual failover user request accepted.");
      // The bus sends it on the primary's outbound link at its next tick.
      mf_send_start_ = true;
      break;
    }
  }
  return absl::OkStatus();
}

void ClusterState::GrantVoteIfAllowedLocked(ClusterNode* node, const BusMessage& request,
                                            BusActions* out) {
  const ClusterNode* me = nodes_[0].get();
  if (me->is_replica() || me->slots.none()) {
    return;  // only primaries with slots vote: they make the cluster's size and its quorum
  }
  const auto deny = [&](const std::string& why) {
    common::Log(common::LogLevel::kWarning, "Failover auth denied to " + node->name + ": " + why);
  };
  if (request.current_epoch < current_epoch_) {
    deny("reqEpoch (" + std::to_string(request.current_epoch) + ") < curEpoch(" +
         std::to_string(current_epoch_) + ")");
    return;
  }
  if (last_vote_epoch_ == current_epoch_) {
    deny("already voted for epoch " + std::to_string(current_epoch_));
    return;
  }
  ClusterNode* primary = node->is_replica() ? FindLocked(node->primary_name) : nullptr;
  const bool force = request.mflags & kMessageForceAck;
  if (node->is_primary()) {
    deny("it is a master node");
    return;
  }
  if (primary == nullptr) {
    deny("I don't know its master");
    return;
  }
  if (!primary->failed() && !force) {
    deny("its master is up");
    return;
  }
  const int64_t now = common::UnixMillis();
  if (now - primary->voted_time_ms < settings_.node_timeout_ms * 2) {
    deny("can't vote about this master before " +
         std::to_string(settings_.node_timeout_ms * 2 - (now - primary->voted_time_ms)) +
         " milliseconds");
    return;
  }
  // Every slot it claims must not be served here under a greater epoch than its primary's.
  for (int j = 0; j < common::kClusterSlots; ++j) {
    if (request.slots.test(j) && slots_[j] != nullptr &&
        slots_[j]->config_epoch > request.config_epoch) {
      deny("slot " + std::to_string(j) + " epoch (" + std::to_string(slots_[j]->config_epoch) +
           ") > reqEpoch (" + std::to_string(request.config_epoch) + ")");
      return;
    }
  }
  last_vote_epoch_ = current_epoch_;
  primary->voted_time_ms = now;
  SaveLocked();
  out->to_node.emplace_back(node->serial, EncodeBusMessage(HeaderLocked(MessageType::kAuthAck)));
  common::Log(common::LogLevel::kWarning, "Failover auth granted to " + node->name + " for epoch " +
                                              std::to_string(current_epoch_));
}

void ClusterState::PauseForManualFailoverLocked(ClusterNode* replica, BusActions* out) {
  const int64_t now = common::UnixMillis();
  ResetManualFailoverLocked();
  mf_end_ms_ = now + kManualFailoverTimeoutMs;
  mf_replica_ = replica->serial;
  if (hooks_.pause_writes) {
    hooks_.pause_writes(now + kManualFailoverTimeoutMs * kManualFailoverPauseFactor);
  }
  common::Log(common::LogLevel::kWarning,
              "Manual failover requested by replica " + replica->name + ".");
  out->to_node.emplace_back(replica->serial, PingLocked(MessageType::kPing, replica));
}

void ClusterState::HandleManualFailoverLocked() {
  if (mf_end_ms_ == 0 || mf_can_start_ || mf_primary_offset_ < 0) {
    return;
  }
  if (static_cast<uint64_t>(mf_primary_offset_) == ReplicationOffsetLocked()) {
    mf_can_start_ = true;
    common::Log(common::LogLevel::kWarning,
                "All master replication stream processed, manual failover can start.");
  }
}

void ClusterState::HandleReplicaFailoverLocked(BusActions* out) {
  ClusterNode* me = nodes_[0].get();
  const int64_t now = common::UnixMillis();
  int64_t auth_age = now - failover_auth_time_ms_;
  const int needed_quorum = size_ / 2 + 1;
  const bool manual = mf_end_ms_ != 0 && mf_can_start_;
  const int64_t auth_timeout = std::max<int64_t>(settings_.node_timeout_ms * 2, 2000);
  const int64_t auth_retry_time = auth_timeout * 2;
  ClusterNode* primary = me->is_replica() ? FindLocked(me->primary_name) : nullptr;
  if (primary == nullptr || (!primary->failed() && !manual) ||
      (settings_.replica_no_failover && !manual) || primary->slots.none() ||
      !promotion_from_.empty()) {
    return;
  }
  // The data must be recent enough, counting from the time the primary was flagged down.
  int64_t data_age = hooks_.primary_silence_ms ? hooks_.primary_silence_ms() : 0;
  if (data_age > settings_.node_timeout_ms) {
    data_age -= settings_.node_timeout_ms;
  }
  if (settings_.replica_validity_factor != 0 && !manual &&
      data_age > settings_.repl_ping_period_ms +
                     settings_.node_timeout_ms * settings_.replica_validity_factor) {
    return;  // Redis logs "Disconnected from master for longer than allowed" and waits
  }
  if (auth_age > auth_retry_time) {
    failover_auth_time_ms_ = now + 500 + ElectionJitterMs();
    failover_auth_count_ = 0;
    failover_auth_sent_ = false;
    failover_auth_rank_ = ReplicaRankLocked();
    failover_auth_time_ms_ += failover_auth_rank_ * 1000;
    if (mf_end_ms_ != 0) {
      failover_auth_time_ms_ = now;  // a manual failover starts at once
      failover_auth_rank_ = 0;
    }
    common::Log(common::LogLevel::kWarning,
                "Start of election delayed for " + std::to_string(failover_auth_time_ms_ - now) +
                    " milliseconds (rank #" + std::to_string(failover_auth_rank_) + ", offset " +
                    std::to_string(ReplicationOffsetLocked()) + ").");
    // The other replicas learn this one's offset, and so their own rank.
    BroadcastPongLocked(/*local_replicas_only=*/true, out);
    if (mf_end_ms_ == 0) {
      return;
    }
    auth_age = 0;  // a manual failover asks for votes now, as Redis's before-sleep step does
  }
  if (!failover_auth_sent_ && mf_end_ms_ == 0) {
    const int rank = ReplicaRankLocked();
    if (rank > failover_auth_rank_) {
      failover_auth_time_ms_ += (rank - failover_auth_rank_) * 1000;
      failover_auth_rank_ = rank;
    }
  }
  if (now < failover_auth_time_ms_ || auth_age > auth_timeout) {
    return;  // not yet, or this election expired: the next starts after the retry time
  }
  if (!failover_auth_sent_) {
    failover_auth_epoch_ = ++current_epoch_;
    common::Log(common::LogLevel::kWarning,
                "Starting a failover election for epoch " + std::to_string(current_epoch_) + ".");
    BusMessage request = HeaderLocked(MessageType::kAuthRequest);
    if (mf_end_ms_ != 0) {
      request.mflags |= kMessageForceAck;
    }
    BroadcastLocked(EncodeBusMessage(request), out);
    failover_auth_sent_ = true;
    SaveLocked();
    return;
  }
  if (failover_auth_count_ >= needed_quorum) {
    common::Log(common::LogLevel::kWarning, "Failover election won: I'm the new master.");
    if (me->config_epoch < failover_auth_epoch_) {
      me->config_epoch = failover_auth_epoch_;
      common::Log(
          common::LogLevel::kWarning,
          "configEpoch set to " + std::to_string(me->config_epoch) + " after successful failover");
    }
    StartPromotionLocked();
  }
}

void ClusterState::StartPromotionLocked() {
  promotion_from_ = nodes_[0]->primary_name;
  role_dirty_.store(true, std::memory_order_release);
}

void ClusterState::FinishPromotionLocked(BusActions* out) {
  ClusterNode* me = nodes_[0].get();
  ClusterNode* old_primary = FindLocked(promotion_from_);
  promotion_from_.clear();
  if (!me->is_replica() || old_primary == nullptr || me->primary_name != old_primary->name) {
    return;  // the role changed meanwhile (CLUSTER REPLICATE, an UPDATE): nothing to claim
  }
  SetNodeAsPrimaryLocked(me);
  for (int j = 0; j < common::kClusterSlots; ++j) {
    if (old_primary->slots.test(j)) {
      UnassignLocked(j);
      AssignLocked(j, me);
    }
  }
  UpdateStateLocked();
  SaveLocked();
  // Everyone learns the new owner at once from this node's PONG.
  if (out != nullptr) {
    BroadcastPongLocked(/*local_replicas_only=*/false, out);
  } else {
    pong_pending_ = true;
  }
  ResetManualFailoverLocked();
  PublishLocked();
}

void ClusterState::SyncReplicationRole(BusActions* out) {
  absl::MutexLock role_lock(&role_mu_);
  const bool dirty = role_dirty_.exchange(false, std::memory_order_acq_rel);
  const bool resume = resume_writes_pending_.exchange(false, std::memory_order_acq_rel);
  if (!dirty && !resume) {
    return;
  }
  ReplicationHooks hooks;
  // Last, whatever the step: the routing table is already published, and the role is set.
  struct ResumeAtExit {
    bool resume;
    const ReplicationHooks& hooks;
    ~ResumeAtExit() {
      if (resume && hooks.resume_writes) {
        hooks.resume_writes();
      }
    }
  } resume_at_exit{resume, hooks};
  enum class Step { kNothing, kFollow, kPrimary, kPromote } step = Step::kNothing;
  std::string ip;
  int port = 0;
  {
    absl::MutexLock lock(&mu_);
    if (!hooks_set_) {
      role_dirty_.store(dirty, std::memory_order_release);  // acted on once replication runs
      resume_writes_pending_.store(resume, std::memory_order_release);
      resume_at_exit.resume = false;
      return;
    }
    hooks = hooks_;
    if (!dirty) {
      return;  // only the resume, at exit
    }
    const ClusterNode* me = nodes_[0].get();
    const ClusterNode* primary = me->is_replica() ? FindLocked(me->primary_name) : nullptr;
    if (!promotion_from_.empty()) {
      step = Step::kPromote;
    } else if (me->is_primary()) {
      step = Step::kPrimary;
    } else if (primary != nullptr && !primary->ip.empty() && !(primary->flags & kNoAddr)) {
      step = Step::kFollow;
      ip = primary->ip;
      port = primary->port;
    }
  }
  switch (step) {
    case Step::kNothing:
      return;
    case Step::kFollow:
      hooks.follow(ip, port);
      return;
    case Step::kPrimary:
      hooks.become_primary();
      return;
    case Step::kPromote: {
      hooks.become_primary();
      absl::MutexLock lock(&mu_);
      FinishPromotionLocked(out);
      return;
    }
  }
}

void ClusterState::HandleReplicaMigrationLocked(int max_replicas) {
  ClusterNode* me = nodes_[0].get();
  ClusterNode* my_primary = FindLocked(me->primary_name);
  if (!state_ok_ || my_primary == nullptr) {
    return;
  }
  // My primary keeps more than the barrier's working replicas without me.
  int ok_replicas = 0;
  for (const ClusterNode* r : ReplicasOfLocked(*my_primary)) {
    ok_replicas += (r->flags & (kFail | kPfail)) ? 0 : 1;
  }
  if (ok_replicas <= settings_.migration_barrier) {
    return;
  }
  // The candidate is the replica with the smallest name among the primaries that have the most
  // working replicas; the target, a primary with slots that has had none for a while.
  ClusterNode* candidate = me;
  ClusterNode* target = nullptr;
  const int64_t now = common::UnixMillis();
  for (auto& n : nodes_) {
    ClusterNode* node = n.get();
    int ok = 0;
    bool orphaned = node->is_primary() && !node->failed() && (node->flags & kMigrateTo);
    if (node->is_primary()) {
      ok = CountOkReplicasLocked(*node);
    }
    if (ok > 0) {
      orphaned = false;
    }
    if (orphaned) {
      if (target == nullptr && node->slots.any()) {
        target = node;
      }
      if (node->orphaned_time_ms == 0) {
        node->orphaned_time_ms = now;
      }
    } else {
      node->orphaned_time_ms = 0;
    }
    if (ok == max_replicas) {
      for (ClusterNode* r : ReplicasOfLocked(*node)) {
        if (r->name < candidate->name) {
          candidate = r;
        }
      }
    }
  }
  if (target != nullptr && candidate == me &&
      now - target->orphaned_time_ms > kReplicaMigrationDelayMs) {
    common::Log(common::LogLevel::kWarning, "Migrating to orphaned master " + target->name);
    SetPrimaryLocked(target);
    SaveLocked();
    PublishLocked();
  }
}

void ClusterState::FailoverCronLocked(BusActions* out) {
  ClusterNode* me = nodes_[0].get();
  const int64_t now = common::UnixMillis();
  if (pong_pending_) {
    pong_pending_ = false;
    BroadcastPongLocked(/*local_replicas_only=*/false, out);
  }
  if (mf_send_start_) {
    mf_send_start_ = false;
    if (ClusterNode* primary = me->is_replica() ? FindLocked(me->primary_name) : nullptr;
        primary != nullptr && primary->link_connected) {
      out->to_node.emplace_back(primary->serial,
                                EncodeBusMessage(HeaderLocked(MessageType::kMfStart)));
    }
  }
  // A primary in a manual failover pings its replica every tick, each PING carrying the offset
  // at which its writes stopped.
  if (me->is_primary() && mf_end_ms_ != 0) {
    if (ClusterNode* replica = FindBySerialLocked(mf_replica_);
        replica != nullptr && replica->link_connected) {
      out->to_node.emplace_back(replica->serial, PingLocked(MessageType::kPing, replica));
    }
  }
  if (mf_end_ms_ != 0 && mf_end_ms_ < now) {
    common::Log(common::LogLevel::kWarning, "Manual failover timed out.");
    ResetManualFailoverLocked();
  }
  if (!me->is_replica()) {
    return;
  }
  // Orphaned primaries, and the most working replicas any primary has.
  int orphaned = 0;
  int max_replicas = 0;
  int mine = 0;
  for (const auto& n : nodes_) {
    if (n->is_myself() || (n->flags & (kNoAddr | kHandshake)) || !n->is_primary() || n->failed()) {
      continue;
    }
    const int ok = CountOkReplicasLocked(*n);
    if (ok == 0 && n->slots.any() && (n->flags & kMigrateTo)) {
      ++orphaned;
    }
    max_replicas = std::max(max_replicas, ok);
    if (n->name == me->primary_name) {
      mine = ok;
    }
  }
  HandleManualFailoverLocked();
  HandleReplicaFailoverLocked(out);
  if (orphaned > 0 && max_replicas >= 2 && mine == max_replicas &&
      settings_.allow_replica_migration) {
    HandleReplicaMigrationLocked(max_replicas);
  }
}

}  // namespace redoubt::cluster
