// commands::Client: whoever sends a command to the Dispatcher. A network connection is one; a
// MULTI queue, a replication link, a script's redis.call and the unit tests' harness are the
// others, and none of them is a socket, so this is all the dispatcher and the handlers may
// assume of a client: who it is, which user it acts as, where its replies go, and the little
// session state commands change (selected database, redacted arguments).
//
// Thread: a client is used on one thread at a time, the one executing its command.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/shared_bytes.h"
#include "protocol/reply_writer.h"
#include "security/acl_user.h"

namespace redoubt::commands {

struct CommandSpec;

// What a blocking command (BLPOP, BZPOPMIN, …) that found nothing waits for: any of its keys
// stored anew, until the deadline (absolute Unix ms; 0: forever). The keys view the command's
// arguments.
struct BlockRequest {
  std::vector<std::string_view> keys;
  int64_t deadline_ms = 0;
  // Arguments the command runs again with, by index: what it resolved when it began to wait
  // (XREAD's "$" is the stream's last id at that moment, not at the wake-up).
  std::vector<std::pair<size_t, std::string>> rerun_args;
  // A reader takes nothing away (XREAD): every reader of a key is woken when entries are
  // appended to it; the others (BLPOP, XREADGROUP) one at a time, in arrival order.
  bool reader = false;
  // Woken by any change of its keys, not only new data (XREADGROUP: a key deleted or given
  // another type, or its group destroyed, ends the wait with an error).
  bool wake_on_change = false;
};

// What SLOWLOG and MONITOR show for a redacted argument (Redis's shared.redacted).
inline constexpr std::string_view kRedactedArgument = "(redacted)";

class Client {
 public:
  virtual ~Client() = default;

  // CLIENT ID.
  virtual uint64_t id() const = 0;
  // Where MONITOR and SLOWLOG say the command came from ("ip:port", a socket path).
  virtual const std::string& peer_address() const = 0;
  // CLIENT SETNAME's name, for a SLOWLOG entry.
  virtual std::string NameForLog() const = 0;
  // The CLIENT LIST line ACL LOG's client-info shows.
  virtual std::string DescribeForLog() const = 0;

  // Where replies go; the writer knows the protocol version (HELLO 2 or 3).
  virtual protocol::ReplyWriter& reply() = 0;

  // Whether the client comes from the loopback interface or the unix socket (Redis's
  // islocalClient), for enable-protected-configs/enable-debug-command local. A client that is
  // no socket says no unless it acts for one that is.
  virtual bool is_local() const { return false; }

  // Whether this is a replica's link to its primary applying the primary's stream: Redis's
  // CLIENT_MASTER, which replication's refusals (-READONLY, -LOADING, -MASTERDOWN), maxmemory
  // and a failed save never stop.
  virtual bool is_primary_link() const { return false; }
  // A script's client (redis.call): Redis's CLIENT_SCRIPT, which makes SORT order a set's
  // "unsorted" result so that the script sees the same on every server.
  virtual bool is_script() const { return false; }

  // Authentication and the user the client acts as (the default user until it authenticates).
  virtual bool authenticated() const = 0;
  virtual const security::AclUser& user() const = 0;
  // Called before a command's checks: brings user() up to date when the ACL rules changed
  // (acl_version is AclRegistry::version(); a client compares it with the one it last saw).
  // False: the client's user was deleted or switched off, the client is closing, and the
  // command is dropped without a reply.
  virtual bool RefreshUser(uint64_t acl_version) = 0;

  // The command about to run, as soon as it is known (CLIENT LIST's cmd=, and ACL LOG's
  // client-info for a command refused by ACL).
  virtual void SetCurrentCommand(const CommandSpec& spec) { (void)spec; }

  // The block a large argument of the running command was read into, for a handler that keeps
  // the value as it arrived (SET): another reference to it, or none when `arg` is not one.
  virtual common::SharedBytesRef LargeArgument(std::string_view arg) const {
    (void)arg;
    return {};
  }

  // Whether the client may wait for keys: a connection (not inside MULTI). Others get the
  // command's answer for "nothing there" at once, as Redis answers a client that cannot block.
  virtual bool can_block() const { return false; }
  // Called under the keys' shard locks (so no write slips between the command's look and the
  // wait) when the running command waits: the client parks it, without a reply, until a key
  // it waits for is stored anew or the deadline passes, and then runs it again.
  virtual void Block(const BlockRequest& request) { (void)request; }
  // Whether the running command is a blocked one run again: then a key of another type is no
  // error but one to wait on still (Redis 7.0 serves a blocked client only from a key of the
  // type it waits for).
  virtual bool retrying_blocked() const { return false; }

  // MULTI: while a client queues its transaction, the dispatcher checks each command as it
  // would run it and, instead of running it, queues it (QueueCommand) and answers +QUEUED; a
  // command refused then (unknown, wrong arity, NOPERM, OOM) marks the transaction failed, so
  // that EXEC answers EXECABORT. Clients that hold no transactions never queue. A plain field
  // rather than a virtual call: the dispatcher reads it for every command.
  bool in_multi() const { return in_multi_; }
  // flags: the command's CommandFlag bits (EXEC refuses a queue holding a deny-oom command when
  // memory is short, as Redis does).
  virtual void QueueCommand(std::span<const std::string_view> args, uint32_t flags) {
    (void)args;
    (void)flags;
  }
  virtual void FlagTransactionError() {}
  // EXEC refused before it ran (-BUSY while a script runs): the transaction ends, discarded,
  // as Redis's execCommandAbort.
  virtual void AbortTransaction() {}

  // Channels and patterns the client is subscribed to (Redis's CLIENT_PUBSUB while non-zero):
  // a RESP2 client may then only run the pub/sub commands, PING, QUIT and RESET. Read by the
  // dispatcher for every command, hence a plain field; clients that cannot subscribe keep 0.
  size_t subscriptions() const { return subscriptions_; }

  // Client-side caching (CLIENT TRACKING): whether the keys this client's read-only commands
  // read are remembered, so that it hears when they change: tracking on, not BCAST, and for
  // OPTIN only after CLIENT CACHING YES, for OPTOUT unless after CLIENT CACHING NO. A plain
  // field: the dispatcher reads it after every read-only command.
  bool remembers_read_keys() const { return remembers_read_keys_; }
  // The client a command's reads count for: itself; a script's client answers its caller, as
  // Redis remembers a script's reads for the client that ran the script.
  virtual Client& tracking_owner() { return *this; }

  // SELECT's database.
  int db = 0;

  // Cluster mode, Redis's CLIENT_READONLY and CLIENT_ASKING: READONLY lets a replica serve
  // this client's reads of its primary's slots; ASKING lets the next command (or the next
  // transaction) use a slot this node is importing. Plain fields: the router reads them.
  bool cluster_readonly = false;
  bool cluster_asking = false;
  // The commands queued in MULTI, in order: EXEC is routed with all of them together.
  virtual void ForEachQueued(
      const std::function<void(std::span<const std::string_view>)>& fn) const {
    (void)fn;
  }

  // Shows args[index] of the running command as "(redacted)" in SLOWLOG and MONITOR (AUTH and
  // HELLO passwords), as Redis's redactClientCommandArgument. Indexes past 62 share one bit:
  // everything from 63 on is redacted then.
  void RedactArgument(size_t index) {
    redacted_args_ |= uint64_t{1} << std::min<size_t>(index, 63);
  }
  bool Redacted(size_t index) const {
    return ((redacted_args_ >> std::min<size_t>(index, 63)) & 1) != 0;
  }

  // The arguments of the command running now (empty between commands): CLIENT LIST's
  // argv-mem. Set and cleared by the dispatcher, which also clears the redactions after
  // accounting.
  std::span<const std::string_view> running_args() const { return running_args_; }
  void BeginCommand(std::span<const std::string_view> args) { running_args_ = args; }
  void EndCommand() { running_args_ = {}; }
  void ClearRedactions() { redacted_args_ = 0; }

 protected:
  bool in_multi_ = false;
  size_t subscriptions_ = 0;
  bool remembers_read_keys_ = false;

 private:
  uint64_t redacted_args_ = 0;
  std::span<const std::string_view> running_args_;
};

}  // namespace redoubt::commands
