// The Dispatcher executes one command for a Client: Redis's processCommand and call(), as a
// list of named stages run in this order (Dispatcher::Execute shows it in one place):
//
//   lookup → arity → authentication → ACL → busy script → cluster slot → subscriber context →
//   MULTI queue → client pause → memory → persistence health → replication → locks from the key
//   spec → call → propagation → accounting
//
// A stage either lets the command go on or answers it (an error reply, counted as a rejected
// call) and stops. The cluster slot stage runs only in cluster mode (cluster_routing.h).
// Accounting is INFO commandstats and latencystats, SLOWLOG and MONITOR.
//
// A network connection, a MULTI queue, a replication link, a script and the unit tests' harness
// each run commands through a Dispatcher, so a command behaves the same wherever it comes from
// and each error text has one owner.
//
// Thread: one Dispatcher per executing thread (each I/O thread has its own): it writes that
// thread's CommandStats and reuses scratch buffers, so it is not thread-safe. Everything it
// shares lives in ExecutionServices, which is.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "commands/client.h"
#include "commands/cluster_routing.h"
#include "commands/command_spec.h"
#include "commands/command_stats.h"
#include "commands/execution_services.h"

namespace redoubt::commands {

class CommandContext;

// Whether the data fits in maxmemory, after evicting by the policy as far as it allows (always
// true without maxmemory). False: a command that may add data gets -OOM.
bool HasRoomInMemory(const ExecutionServices& services);

class Dispatcher {
 public:
  Dispatcher(const ExecutionServices& services, CommandStats& stats)
      : services_(services), stats_(stats) {}
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  enum class Outcome {
    kDone,     // answered: run, refused with an error, or dropped because the client is closing
    kHeld,     // CLIENT PAUSE holds it: nothing was written; the client tries again later
    kBlocked,  // a blocking command waits for keys (Client::Block): nothing was written
  };
  // Executes args (args[0] is the command name) for client; replies go to client.reply().
  Outcome Execute(Client& client, std::span<const std::string_view> args);
  // A command of a transaction EXEC runs: the shards of every queued command's keys are already
  // locked (all of them when one needs the whole keyspace), and CLIENT PAUSE held EXEC itself.
  void ExecuteQueued(Client& client, std::span<const std::string_view> args);

  // What a running script allows the commands it calls (Redis's script run flags), and what
  // its calls did so far.
  struct ScriptRules {
    bool read_only = false;      // EVAL_RO / EVALSHA_RO, or the no-writes flag
    bool allow_oom = false;      // the allow-oom flag
    bool out_of_memory = false;  // used memory was over maxmemory when the script started
    bool wrote = false;          // a write ran: later writes are no longer refused by state
    bool propagate = true;       // redis.set_repl: the next command's effects are logged
    // Cluster mode: the allow-cross-slot-keys flag, and the slot the script's commands have
    // touched so far (-1: none yet).
    bool allow_cross_slot = false;
    int slot = -1;
  };
  // A command a script calls (redis.call), Redis's scriptCall: the script's command holds the
  // shards. Returns false with *error set ("CODE message") when the script may not run it;
  // the command is then counted as rejected and nothing is written to client.reply().
  bool ExecuteFromScript(Client& client, std::span<const std::string_view> args, ScriptRules& rules,
                         std::string* error);

  // A blocked command that ends without running again (timeout, CLIENT UNBLOCK): counted once
  // now in commandstats (failed: it ended with an error), as Redis's updateStatsOnUnblock.
  void AccountUnblocked(Client& client, std::span<const std::string_view> args, bool failed);

  const ExecutionServices& services() const { return services_; }

  // Feeds MONITOR with a command marked skip-monitor before it runs (EVAL, EVALSHA, FCALL),
  // as Redis's evalCommand does: the commands the script calls are fed as they run, so the
  // script's own line must come first.
  void FeedMonitorsBeforeRun(const Client& client, std::span<const std::string_view> args);

  // Appends the commands propagated since the last flush to the log, as one batch. The
  // dispatcher flushes after each top-level command; EXEC, which locks its shards itself,
  // flushes its queue's commands before it releases them.
  void FlushPropagation();
  // Drops the commands propagated since the last flush (a script stopped for SHUTDOWN NOSAVE:
  // the server exits without its effects).
  void DiscardPropagation() { propagation_.Clear(); }

 private:
  // One command on its way through the stages.
  struct Request {
    Client& client;
    std::span<const std::string_view> args;
    const CommandSpec* spec = nullptr;
    // The flags the checks use: the row's, or what a script declared (CommandSpec::
    // effective_flags), set once the arity is known good.
    uint32_t flags = 0;
    CommandCounters* counters = nullptr;
    bool keys_extracted = false;  // the ACL stage filled acl_scratch_.keys
    bool blocked = false;         // the handler asked to wait (CommandContext::block)
    bool shards_locked = false;   // ExecuteQueued: EXEC holds the locks
    bool propagate = true;        // false: a script's redis.set_repl(REPL_NONE)
    // Cluster mode: the slot of the command's key, once the router computed it, for the
    // keyspace's look-ups during this command (hash_slot.h).
    common::KnownKeySlot known_slot;
  };

  // Execute's stages, between the client-side caching bounds of a top-level command.
  Outcome ExecuteStages(Client& client, std::span<const std::string_view> args);
  // The keys a tracking client's read-only command read (Call).
  std::vector<std::string_view> tracked_keys_;

  // Stages. Each returns true when the command goes on; false when it was answered.
  bool Lookup(Request& r);
  bool CheckArity(Request& r);
  bool CheckAuthenticated(Request& r);
  bool CheckAcl(Request& r);
  // Evicts down to maxmemory for a command that may add data (deny-oom), or for any command
  // when `queuing` (in MULTI, where Redis refuses every command on OOM: queuing itself takes
  // memory); answers -OOM when that fails.
  bool MakeRoomInMemory(Request& r, bool queuing = false);
  // Writes (and PING) refused with MISCONF after a failed background save, as Redis 7's
  // stop-writes-on-bgsave-error.
  bool CheckPersistenceHealthy(Request& r);
  // What replication refuses: writes on a read-only replica (-READONLY) or without enough good
  // replicas (-NOREPLICAS), commands while a replica loads its primary's snapshot (-LOADING)
  // or while its link is down and it may not serve stale data (-MASTERDOWN).
  bool CheckReplication(Request& r);
  // Redis loads a replica's snapshot on its main thread: a client's command waits out a short
  // load, and is refused with -LOADING only once a load lasts long enough for Redis to serve
  // events meanwhile. The first kShortLoadMs of a load hold commands here the same way.
  bool HeldByShortLoad(const Request& r) const;
  // Redis's scriptVerifyClusterState: a script's command may touch only this node's keys, and
  // (without allow-cross-slot-keys) the script only one slot.
  std::string ScriptClusterRefusal(Request& r, ScriptRules& rules);
  // A RESP2 client with subscriptions may run only the pub/sub commands, PING, QUIT and RESET.
  bool CheckSubscriberContext(Request& r);
  // Cluster mode: -MOVED, -ASK, -CROSSSLOT, -TRYAGAIN or -CLUSTERDOWN when this node may not
  // serve the command's keys (cluster_routing.h). Checked as Redis does: before MULTI queues
  // the command (a refusal then fails the transaction), and for EXEC over the whole queue.
  // Outside cluster mode, and for the common case (ClusterRouting::AdmitsOneKeyHere), decided
  // inline; the rest out of line.
  bool CheckClusterSlot(Request& r) {
    ClusterRouting* cluster = services_.cluster;
    return cluster == nullptr || cluster->AdmitsOneKeyHere(*r.spec, r.args, &r.known_slot) ||
           CheckClusterSlotByTheRules(r);
  }
  bool CheckClusterSlotByTheRules(Request& r);
  // While a script runs past busy-reply-threshold: -BUSY for every command but those marked
  // allow-busy that need no shard (SCRIPT KILL, MULTI, …): the script holds every shard, and
  // on its own thread, which serves other clients from the script's hook, taking one would
  // never return.
  bool CheckNotBusy(Request& r);
  // In MULTI, queues the command instead of running it (and answers +QUEUED). False when it
  // queued it or refused it.
  bool RunUnlessQueued(Request& r);
  Outcome Run(Request& r);
  // Errors written by commands run inside the current one (EXEC's queue), so that the outer
  // command counts as failed only for its own (Redis counts an inner error once, on the inner
  // command).
  uint64_t nested_errors_ = 0;
  // Calls in progress on this dispatcher: more than one while a script's or EXEC's commands
  // run, or while a busy script's hook serves other clients. Only the outermost flushes the
  // propagation batch.
  int call_depth_ = 0;
  // Locks the shards of the command's keys (every shard for kWholeKeyspace), runs the handler.
  // Returns its duration in microseconds.
  int64_t Call(Request& r);
  void Account(Request& r, int64_t duration_us, bool failed);

  // Answers with an error and counts the call as rejected (when the command is known); a
  // refused EXEC ends its transaction with EXECABORT. formatted: Redis builds this text with
  // rejectCommandFormat (it then carries no code inside EXECABORT).
  void Reject(Request& r, std::string_view error, bool formatted = false);
  void ReplyAclDenied(Request& r, security::AclVerdict verdict, size_t denied_key);
  // Counts and logs an ACL denial (ACL LOG, in `context`); returns what was denied: a key, a
  // channel or the command.
  security::AclVerdict LogAclDenied(Request& r, security::AclVerdict verdict, size_t denied_key,
                                    std::string context);
  // The script's view of the checks: why it may not call r's command, or empty.
  std::string ScriptRefusal(Request& r, ScriptRules& rules);
  void FeedMonitors(const Request& r) { FeedMonitorsBeforeRun(r.client, r.args); }

  // Adds the command's effects (its arguments, or what the handler rewrote them to) to the
  // batch when it changed something.
  void Propagate(const Request& r, const CommandContext& ctx);

  const ExecutionServices& services_;
  CommandStats& stats_;
  AclKeyAccess::Scratch acl_scratch_;
  PropagationBatch propagation_;
};

}  // namespace redoubt::commands
