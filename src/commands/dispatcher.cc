// Command execution in named stages; see dispatcher.h.
#include "commands/dispatcher.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <string>

#include "commands/command_context.h"
#include "commands/errors.h"
#include "common/ascii.h"
#include "common/clock.h"
#include "common/hash_slot.h"
#include "common/repr.h"

namespace redoubt::commands {
namespace {

bool ArityAccepts(const CommandSpec& spec, size_t argc) {
  const int n = static_cast<int>(argc);
  return spec.arity > 0 ? n == spec.arity : n >= -spec.arity;
}

// Why writes are refused after a failed save or AOF write (Redis's MISCONF), or empty.
std::string PersistenceRefusal(const RuntimeSettings& settings) {
  if (settings.refuse_writes_after_failed_save.load(std::memory_order_relaxed)) {
    return std::string(kErrMisconf);
  }
  const int aof_errno = settings.aof_write_errno.load(std::memory_order_relaxed);
  if (aof_errno != 0) {
    return "MISCONF Errors writing to the AOF file: " + std::string(strerror(aof_errno));
  }
  return {};
}

}  // namespace

Dispatcher::Outcome Dispatcher::Execute(Client& client, std::span<const std::string_view> args) {
  const bool asking = client.cluster_asking;
  Outcome outcome;
  KeyTracking* tracking = services_.tracking;
  if (tracking == nullptr || !tracking->active()) {
    outcome = ExecuteStages(client, args);
  } else {
    // Client-side caching: the invalidations for this client's own changes follow its reply.
    const uint64_t previous = tracking->BeginCommand(client.id());
    outcome = ExecuteStages(client, args);
    tracking->EndCommand(client.id(), previous);
  }
  // ASKING lasts for the next command, or in MULTI up to EXEC (Redis's resetClient).
  if (asking && outcome == Outcome::kDone && !client.in_multi() &&
      !common::EqualsIgnoreCase(args[0], "asking")) {
    client.cluster_asking = false;
  }
  return outcome;
}

Dispatcher::Outcome Dispatcher::ExecuteStages(Client& client,
                                              std::span<const std::string_view> args) {
  Request r{client, args};
  if (!Lookup(r) || !CheckArity(r) || !CheckAuthenticated(r) || !CheckAcl(r)) {
    return Outcome::kDone;
  }
  if (r.spec->effective_flags != nullptr) {
    r.flags = r.spec->effective_flags(r.args, services_, r.flags);
  }
  // -BUSY comes before the cluster slot (Redis checks the slot first): while a script runs, its
  // thread serves clients from the script's hook with every shard held, and the router's look
  // into a migrating slot takes a shard lock.
  if (!CheckNotBusy(r) || !CheckClusterSlot(r) || !CheckSubscriberContext(r) ||
      !RunUnlessQueued(r)) {
    return Outcome::kDone;
  }
  if (services_.pause.Holds(r.flags) || HeldByShortLoad(r)) {
    return Outcome::kHeld;
  }
  if (!MakeRoomInMemory(r) || !CheckPersistenceHealthy(r) || !CheckReplication(r)) {
    return Outcome::kDone;
  }
  return Run(r);
}

void Dispatcher::ExecuteQueued(Client& client, std::span<const std::string_view> args) {
  Request r{client, args};
  r.shards_locked = true;
  // Checked again, as Redis's execCommand does: the user's permissions may have changed since
  // the command was queued.
  if (Lookup(r) && CheckArity(r) && CheckAuthenticated(r) && CheckAcl(r)) {
    Run(r);
  }
}

Dispatcher::Outcome Dispatcher::Run(Request& r) {
  uint64_t errors_before = r.client.reply().errors();
  uint64_t nested_before = nested_errors_;
  int64_t duration_us = Call(r);
  uint64_t errors = r.client.reply().errors() - errors_before;
  uint64_t own_errors = errors - (nested_errors_ - nested_before);
  nested_errors_ = nested_before + errors;
  if (r.blocked) {
    // Counted when it runs again and answers, as Redis counts a blocked command once.
    return Outcome::kBlocked;
  }
  Account(r, duration_us, own_errors != 0);
  return Outcome::kDone;
}

void Dispatcher::AccountUnblocked(Client& client, std::span<const std::string_view> args,
                                  bool failed) {
  Request r{client, args};
  r.spec = services_.table.Resolve(args);
  if (r.spec == nullptr) {
    return;
  }
  r.counters = &stats_.commands[r.spec->stats_index];
  Account(r, 0, failed);
}

bool Dispatcher::CheckClusterSlotByTheRules(Request& r) {
  if (r.client.is_primary_link()) {
    return true;  // the primary's stream, which is always obeyed
  }
  std::string error;
  if (services_.cluster->Admit(r.client, *r.spec, r.flags, r.args, &error, &r.known_slot)) {
    return true;
  }
  if (r.spec->name == "exec") {
    // The redirection replaces EXEC's reply and the transaction is discarded, without the
    // EXECABORT that Reject gives a refused EXEC.
    r.client.AbortTransaction();
    r.client.reply().Error(error);
    r.counters->rejected_calls.Add(1);
    return false;
  }
  Reject(r, error);
  return false;
}

bool Dispatcher::CheckSubscriberContext(Request& r) {
  if (r.client.subscriptions() == 0 || r.client.reply().resp3()) {
    return true;
  }
  // RESP2 has no way to tell a message from a reply, so a subscribed client may only manage
  // its subscriptions, as Redis's processCommand allows.
  static constexpr std::string_view kAllowed[] = {"ping",         "subscribe",    "ssubscribe",
                                                  "unsubscribe",  "sunsubscribe", "psubscribe",
                                                  "punsubscribe", "quit",         "reset"};
  if (std::find(std::begin(kAllowed), std::end(kAllowed), r.spec->name) != std::end(kAllowed)) {
    return true;
  }
  Reject(r, "ERR Can't execute '" + std::string(r.spec->name) +
                "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in "
                "this context");
  return false;
}

bool Dispatcher::CheckNotBusy(Request& r) {
  const BusyScript busy = services_.settings.busy_script.load(std::memory_order_relaxed);
  if (busy == BusyScript::kNone) {
    return true;
  }
  const uint32_t flags = r.spec->flags;
  const bool needs_shards =
      (flags & kWholeKeyspace) || r.spec->keys.first > 0 || r.spec->key_finder != nullptr;
  if ((flags & kAllowBusy) && !needs_shards) {
    return true;
  }
  Reject(r, busy == BusyScript::kFunction ? kErrBusyFunction : kErrBusyScript);
  return false;
}

bool Dispatcher::RunUnlessQueued(Request& r) {
  if (!r.client.in_multi()) {
    return true;
  }
  // What controls the transaction runs at once, as in Redis's processCommand.
  static constexpr std::string_view kRunNow[] = {"exec",  "discard", "multi",
                                                 "watch", "quit",    "reset"};
  if (std::find(std::begin(kRunNow), std::end(kRunNow), r.spec->name) != std::end(kRunNow)) {
    return true;
  }
  if (r.spec->flags & kNoMulti) {
    Reject(r, "ERR Command not allowed inside a transaction");
    return false;
  }
  if (!MakeRoomInMemory(r, /*queuing=*/true) || !CheckPersistenceHealthy(r) ||
      !CheckReplication(r)) {
    return false;
  }
  r.client.QueueCommand(r.args, r.flags);
  r.client.reply().SimpleString("QUEUED");
  return false;
}

bool Dispatcher::Lookup(Request& r) {
  const CommandSpec* spec = services_.table.Find(r.args[0]);
  if (spec == nullptr) {
    Reject(r, UnknownCommandText(r.args));
    return false;
  }
  if (!spec->subcommands.empty() && r.args.size() >= 2) {
    const CommandSpec* sub = CommandTable::FindSubcommand(*spec, r.args[1]);
    if (sub == nullptr) {
      Reject(r, UnknownSubcommandText(spec->name, r.args[1]));
      return false;
    }
    spec = sub;
  }
  r.spec = spec;
  r.flags = spec->flags;
  r.counters = &stats_.commands[spec->stats_index];
  // As soon as the command is known (Redis sets c->cmd before its checks): CLIENT LIST shows
  // "cmd=client|list", and a command refused by ACL shows in ACL LOG's client-info.
  r.client.SetCurrentCommand(*spec);
  return true;
}

bool Dispatcher::CheckArity(Request& r) {
  if (!ArityAccepts(*r.spec, r.args.size())) {
    Reject(r, WrongArityText(r.spec->name), /*formatted=*/true);
    return false;
  }
  return true;
}

bool Dispatcher::CheckAuthenticated(Request& r) {
  if (r.spec->flags & kNoAuth) {
    return true;
  }
  // As Redis's processCommand: NOAUTH before any ACL check, and only while the default user
  // needs a password (a connection accepted before requirepass was set stays usable).
  if (!r.client.authenticated() && services_.acl.default_requires_auth()) {
    Reject(r, kErrNoAuth);
    return false;
  }
  return true;
}

bool Dispatcher::CheckAcl(Request& r) {
  if (r.spec->flags & kNoAuth) {
    return true;
  }
  if (!r.client.RefreshUser(services_.acl.version())) {
    return false;  // the user was revoked: the client is closing, nothing is answered
  }
  // The default user (+@all ~*) skips the check: one flag test on the request path.
  const security::AclUser& user = r.client.user();
  if (user.unrestricted() && (r.spec->channels == ChannelArgs::kNone || user.all_channels())) {
    return true;
  }
  size_t denied_key = 0;
  security::AclVerdict verdict =
      services_.acl_key_access.Check(user, services_.acl.catalog().ById(r.spec->stats_index),
                                     *r.spec, r.args, &acl_scratch_, &denied_key);
  r.keys_extracted = true;
  if (verdict == security::AclVerdict::kAllowed) {
    return true;
  }
  ReplyAclDenied(r, verdict, denied_key);
  return false;
}

void Dispatcher::ReplyAclDenied(Request& r, security::AclVerdict verdict, size_t denied_key) {
  // Refused while queuing in MULTI or when EXEC runs the queue: Redis's ACL_LOG_CTX_MULTI.
  std::string context = r.client.in_multi() || r.shards_locked ? "multi" : "toplevel";
  switch (LogAclDenied(r, verdict, denied_key, std::move(context))) {
    case security::AclVerdict::kDeniedKey:
      return Reject(r, kErrNoPermKey);
    case security::AclVerdict::kDeniedChannel:
      return Reject(r, kErrNoPermChannel);
    default:
      return Reject(r, NoPermCommandText(r.spec->name));
  }
}

security::AclVerdict Dispatcher::LogAclDenied(Request& r, security::AclVerdict verdict,
                                              size_t denied_key, std::string context) {
  security::AclStats& stats = services_.acl.stats();
  std::string reason;
  std::string object;
  switch (verdict) {
    case security::AclVerdict::kDeniedKey:
      reason = "key";
      object = std::string(acl_scratch_.uses[denied_key].key);
      stats.denied_key.fetch_add(1, std::memory_order_relaxed);
      break;
    case security::AclVerdict::kDeniedChannel:
      reason = "channel";
      object = std::string(acl_scratch_.channels[denied_key].name);
      stats.denied_channel.fetch_add(1, std::memory_order_relaxed);
      break;
    case security::AclVerdict::kDeniedCommand:
    case security::AclVerdict::kAllowed:
      verdict = security::AclVerdict::kDeniedCommand;
      reason = "command";
      object = std::string(r.spec->name);
      stats.denied_cmd.fetch_add(1, std::memory_order_relaxed);
      break;
  }
  services_.acl.log().Add(std::move(reason), std::move(context), std::move(object),
                          r.client.user().name(), r.client.DescribeForLog(), common::UnixMillis());
  return verdict;
}

bool Dispatcher::ExecuteFromScript(Client& client, std::span<const std::string_view> args,
                                   ScriptRules& rules, std::string* error) {
  Request r{client, args};
  r.shards_locked = true;
  r.propagate = rules.propagate;
  *error = ScriptRefusal(r, rules);
  if (!error->empty()) {
    if (r.counters != nullptr) {
      r.counters->rejected_calls.Add(1);
    }
    return false;
  }
  client.SetCurrentCommand(*r.spec);
  // The script's command answers into the script's own writer, not the caller's: its errors
  // are not part of what the caller's writer counted, so EVAL's own failure (its error reply)
  // must not be offset by them, as EXEC's queued commands' errors are.
  const uint64_t nested_before = nested_errors_;
  Run(r);
  nested_errors_ = nested_before;
  return true;
}

// The order and texts of Redis 7.0's scriptCall checks.
std::string Dispatcher::ScriptRefusal(Request& r, ScriptRules& rules) {
  r.spec = services_.table.Resolve(r.args);
  if (r.spec == nullptr) {
    return "ERR Unknown Redis command called from script";
  }
  r.counters = &stats_.commands[r.spec->stats_index];
  if (!ArityAccepts(*r.spec, r.args.size())) {
    return "ERR Wrong number of args calling Redis command from script";
  }
  const uint32_t flags = r.spec->flags;
  if (flags & kNoScript) {
    return "ERR This Redis command is not allowed from script";
  }
  const uint32_t gate = services_.settings.replica_gate.load(std::memory_order_relaxed);
  if ((gate & kGateStale) && !(flags & kStale) && !r.client.is_primary_link()) {
    return "ERR Can not execute the command on a stale replica";
  }
  const security::AclUser& user = r.client.user();
  if (!user.unrestricted() || (r.spec->channels != ChannelArgs::kNone && !user.all_channels())) {
    size_t denied = 0;
    security::AclVerdict verdict =
        services_.acl_key_access.Check(user, services_.acl.catalog().ById(r.spec->stats_index),
                                       *r.spec, r.args, &acl_scratch_, &denied);
    if (verdict != security::AclVerdict::kAllowed) {
      switch (LogAclDenied(r, verdict, denied, "lua")) {
        case security::AclVerdict::kDeniedKey:
          return "ERR The user executing the script can't access at least one of the keys "
                 "mentioned in the command arguments";
        case security::AclVerdict::kDeniedChannel:
          return "ERR The user executing the script can't publish to the channel mentioned in "
                 "the command";
        default:
          return "ERR The user executing the script can't run this command or subcommand";
      }
    }
  }
  if (rules.read_only && (flags & (kWrite | kMayReplicate))) {
    return "ERR Write commands are not allowed from read-only scripts.";
  }
  if ((flags & kWrite) && !rules.wrote && !r.client.is_primary_link()) {
    // Once the script changed something it cannot stop half-way on the server's state.
    if (gate & kGateReadOnly) {
      return std::string(kErrReadOnlyReplica);
    }
    if (std::string refusal = PersistenceRefusal(services_.settings); !refusal.empty()) {
      return refusal;
    }
    if (gate & kGateNoReplicas) {
      return std::string(kErrNoReplicas);
    }
  }
  if (!rules.allow_oom && !rules.wrote && rules.out_of_memory && (flags & kDenyOom) &&
      !r.client.is_primary_link() &&
      services_.settings.maxmemory.load(std::memory_order_relaxed) != 0) {
    return std::string(kErrOom);
  }
  if (flags & kWrite) {
    rules.wrote = true;
  }
  return ScriptClusterRefusal(r, rules);
}

std::string Dispatcher::ScriptClusterRefusal(Request& r, ScriptRules& rules) {
  if (services_.cluster == nullptr || r.client.is_primary_link()) {
    return {};  // outside cluster mode, or the primary's stream, which is always obeyed
  }
  std::string refusal;
  if (!services_.cluster->AdmitsOneKeyHere(*r.spec, r.args, &r.known_slot) &&
      !services_.cluster->Admit(r.client, *r.spec, r.spec->flags, r.args, &refusal,
                                &r.known_slot)) {
    if (refusal.starts_with("CLUSTERDOWN The cluster is down and only accepts read")) {
      return "ERR Script attempted to execute a write command while the cluster is down and "
             "readonly";
    }
    if (refusal.starts_with("CLUSTERDOWN")) {
      return "ERR Script attempted to execute a command while the cluster is down";
    }
    return "ERR Script attempted to access a non local key in a cluster node";
  }
  if (rules.allow_cross_slot) {
    return {};
  }
  std::vector<std::string_view> keys;
  ExtractKeys(*r.spec, r.args, &keys);
  if (keys.empty()) {
    return {};
  }
  const int slot = common::KeyHashSlot(keys.front());
  if (rules.slot < 0) {
    rules.slot = slot;
  } else if (rules.slot != slot) {
    return "ERR Script attempted to access keys that do not hash to the same slot";
  }
  return {};
}

bool Dispatcher::MakeRoomInMemory(Request& r, bool queuing) {
  const RuntimeSettings& settings = services_.settings;
  uint64_t maxmemory = settings.maxmemory.load(std::memory_order_relaxed);
  // Evicts before any command, as Redis's processCommand does; only a command that may add
  // data (or any, while queuing) is refused when that is not enough.
  if (maxmemory == 0 || r.client.is_primary_link() || HasRoomInMemory(services_) ||
      !(queuing || (r.flags & kDenyOom))) {
    return true;
  }
  Reject(r, kErrOom);
  return false;
}

bool Dispatcher::CheckReplication(Request& r) {
  const uint32_t gate = services_.settings.replica_gate.load(std::memory_order_relaxed);
  if (gate == 0 || r.client.is_primary_link()) {
    return true;
  }
  // In the order of Redis's processCommand.
  const uint32_t flags = r.flags;
  if ((gate & kGateNoReplicas) && (flags & kWrite)) {
    Reject(r, kErrNoReplicas);
    return false;
  }
  if ((gate & kGateReadOnly) && (flags & kWrite)) {
    Reject(r, kErrReadOnlyReplica);
    return false;
  }
  if ((gate & kGateStale) && !(flags & kStale)) {
    Reject(r, "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
    return false;
  }
  if ((gate & kGateLoading) && !(flags & kLoading)) {
    Reject(r, "LOADING Redis is loading the dataset in memory");
    return false;
  }
  return true;
}

bool Dispatcher::HeldByShortLoad(const Request& r) const {
  constexpr int64_t kShortLoadMs = 250;
  const uint32_t gate = services_.settings.replica_gate.load(std::memory_order_relaxed);
  if (!(gate & kGateLoading) || (r.flags & kLoading) || r.client.is_primary_link()) {
    return false;
  }
  return common::MonotonicMillis() -
             services_.settings.loading_started_ms.load(std::memory_order_relaxed) <
         kShortLoadMs;
}

bool Dispatcher::CheckPersistenceHealthy(Request& r) {
  // Two relaxed loads on the hot path. Redis refuses PING too, so that a health check sees it.
  const bool save_failed =
      services_.settings.refuse_writes_after_failed_save.load(std::memory_order_relaxed);
  const int aof_errno = services_.settings.aof_write_errno.load(std::memory_order_relaxed);
  if ((!save_failed && aof_errno == 0) || !((r.flags & kWrite) || r.spec->name == "ping") ||
      r.client.is_primary_link()) {
    return true;
  }
  Reject(r, PersistenceRefusal(services_.settings));
  return false;
}

bool HasRoomInMemory(const ExecutionServices& services) {
  const RuntimeSettings& settings = services.settings;
  const uint64_t maxmemory = settings.maxmemory.load(std::memory_order_relaxed);
  if (maxmemory == 0) {
    return true;
  }
  // Scripting's memory counts too (Lua states, cached scripts, function libraries): the
  // dataset may take what they leave. When they alone are over the limit, every key the
  // policy allows goes and the write is still refused, as Redis refuses when eviction cannot
  // free enough.
  const uint64_t scripting = services.scripting != nullptr ? services.scripting->MemoryBytes() : 0;
  const uint64_t for_data = maxmemory > scripting ? maxmemory - scripting : 0;
  const bool fits = services.keyspace.EvictUntil(
      for_data, settings.maxmemory_policy.load(std::memory_order_relaxed),
      settings.maxmemory_samples.load(std::memory_order_relaxed));
  return fits && scripting < maxmemory;
}

int64_t Dispatcher::Call(Request& r) {
  const CommandSpec& spec = *r.spec;
  int64_t start_us = common::MonotonicMicros();
  storage::ShardLocks locks(services_.keyspace);
  if (r.shards_locked) {
    // EXEC holds them.
  } else if (spec.flags & kWholeKeyspace) {
    locks.LockAll();
  } else if (spec.keys.first > 0 || spec.key_finder != nullptr) {
    std::vector<std::string_view>& keys = acl_scratch_.keys;
    if (!r.keys_extracted) {
      keys.clear();
      ExtractKeys(spec, r.args, &keys);
    }
    if (keys.size() == 1) {
      locks.LockKey(keys[0]);
    } else if (!keys.empty()) {
      locks.LockKeys(keys);
    }
  }
  CommandContext ctx(r.args, r.client, services_, spec);
  ctx.dispatcher = this;
  ++call_depth_;
  ctx.propagating = r.propagate && services_.log != nullptr && services_.log->active();
  r.client.BeginCommand(r.args);
  KeyTracking* const tracking =
      services_.tracking != nullptr && services_.tracking->active() ? services_.tracking : nullptr;
  if (tracking != nullptr) {
    tracking->EnterCall();
  }
  spec.handler(ctx);
  if (tracking != nullptr) {
    tracking->LeaveCall();
  }
  if (ctx.block) {
    r.client.Block(*ctx.block);
    r.blocked = true;
  }
  r.client.EndCommand();
  if ((spec.flags & kReadOnly) && !(spec.flags & kNoScript) && tracking != nullptr) {
    // Still under the keys' shard locks, so that no change slips between the read and this.
    // EVAL_RO and FCALL_RO (no-script) are not remembered themselves, as in Redis; a read
    // inside a script remembers, for the script's caller, the keys the script declared (its
    // command's), as Redis's trackingRememberKeys(script_caller) does.
    Client& owner = r.client.tracking_owner();
    if (owner.remembers_read_keys()) {
      tracked_keys_.clear();
      if (&owner == &r.client) {
        ExtractKeys(spec, r.args, &tracked_keys_);
      } else if (const CommandSpec* caller = services_.table.Resolve(owner.running_args())) {
        ExtractKeys(*caller, owner.running_args(), &tracked_keys_);
      }
      tracking->RememberKeys(owner.id(), tracked_keys_);
    }
  }
  if (ctx.propagating) {
    Propagate(r, ctx);
    if (!r.shards_locked && call_depth_ == 1) {
      FlushPropagation();  // EXEC flushes its queue's batch itself, under its locks
    }
  }
  --call_depth_;
  locks.Release();
  stats_.dirty.Add(ctx.dirty);
  return common::MonotonicMicros() - start_us;
}

void Dispatcher::Propagate(const Request& r, const CommandContext& ctx) {
  if (ctx.dirty == 0 || r.blocked) {
    return;  // nothing changed (a blocked command changed nothing yet)
  }
  if (ctx.propagate_commands_only || !ctx.propagate_commands.empty()) {
    for (const std::vector<std::string>& command : ctx.propagate_commands) {
      std::vector<std::string_view> args(command.begin(), command.end());
      propagation_.Add(r.client.db, args);
    }
    return;
  }
  if (ctx.propagate_as.empty()) {
    propagation_.Add(r.client.db, r.args);
    return;
  }
  std::vector<std::string_view> rewritten(ctx.propagate_as.begin(), ctx.propagate_as.end());
  propagation_.Add(r.client.db, rewritten);
}

void Dispatcher::FlushPropagation() {
  if (services_.log != nullptr) {
    propagation_.Flush(*services_.log);
  }
}

void Dispatcher::Account(Request& r, int64_t duration_us, bool failed) {
  CommandCounters& counters = *r.counters;
  counters.calls.Add(1);
  counters.usec.Add(static_cast<uint64_t>(duration_us));
  if (services_.settings.latency_tracking.load(std::memory_order_relaxed)) {
    counters.latency.RecordMicros(duration_us);
  }
  if (failed) {
    counters.failed_calls.Add(1);
  }
  stats_.commands_processed.Add(1);
  if (!(r.spec->flags & kSkipSlowlog) && services_.slowlog.IsSlow(duration_us)) {
    Client& client = r.client;
    services_.slowlog.Add(
        r.args, [&client](size_t i) { return client.Redacted(i); }, duration_us,
        client.peer_address(), client.NameForLog());
  }
  if (services_.monitors.active() && !(r.spec->flags & (kAdmin | kSkipMonitor))) {
    FeedMonitors(r);
  }
  r.client.ClearRedactions();
}

void Dispatcher::FeedMonitorsBeforeRun(const Client& client,
                                       std::span<const std::string_view> args) {
  if (!services_.monitors.active()) {
    return;
  }
  int64_t us = common::UnixMicros();
  char head[96];
  snprintf(head, sizeof(head), "+%lld.%06lld [%d %s]", static_cast<long long>(us / 1000000),
           static_cast<long long>(us % 1000000), client.db, client.peer_address().c_str());
  std::string line(head);
  for (size_t i = 0; i < args.size(); ++i) {
    line.push_back(' ');
    common::AppendRepr(&line, client.Redacted(i) ? kRedactedArgument : args[i]);
  }
  line.append("\r\n");
  services_.monitors.Feed(line);
}

void Dispatcher::Reject(Request& r, std::string_view error, bool formatted) {
  if (r.spec != nullptr && r.spec->name == "exec") {
    // EXEC itself refused (NOPERM, -BUSY, arity): the transaction ends, discarded, as Redis's
    // rejectCommand answers through execCommandAbort. The reason keeps its code, except
    // for a text Redis formats on the spot (rejectCommandFormat), which has none yet.
    if (formatted && error.starts_with("ERR ")) {
      error.remove_prefix(4);
    }
    r.client.AbortTransaction();
    r.client.reply().Error("EXECABORT Transaction discarded because of: " + std::string(error));
  } else {
    r.client.reply().Error(error);
  }
  if (r.client.in_multi()) {
    r.client.FlagTransactionError();  // EXEC will answer EXECABORT
  }
  if (r.counters != nullptr) {
    r.counters->rejected_calls.Add(1);
  }
}

}  // namespace redoubt::commands
