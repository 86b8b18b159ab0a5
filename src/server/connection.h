// A client connection: reads requests through its Transport, parses them, executes commands
// against the shared keyspace and writes the replies back. The life of a request:
// EventLoop::Run → Connection::OnEvent → Transport::Read → RespParser::Parse →
// Connection::Execute → commands::Dispatcher::Execute (its stages, then the handler) →
// ReplyWriter → Connection::Flush → Transport::Write. The connection owns bytes and transport
// (buffers, limits, reply modes, closing); the dispatcher owns execution.
//
// Thread: confined to its I/O thread, except the fields under "Read by other threads", which
// CLIENT LIST/INFO read from any thread while the ClientRegistry lock keeps the connection
// alive: atomics, and the client's identity (name, library, user) under its own mutex.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/container/flat_hash_set.h>
#include <absl/synchronization/mutex.h>
#include <sys/epoll.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "commands/client.h"
#include "commands/command_spec.h"
#include "net/event_loop.h"
#include "net/io_buffer.h"
#include "net/transport.h"
#include "protocol/reply_writer.h"
#include "protocol/resp_parser.h"
#include "replication/replica_sender.h"
#include "security/acl_registry.h"
#include "security/audit_event.h"
#include "server/blocking_registry.h"
#include "server/client_registry.h"
#include "server/pubsub_registry.h"
#include "server/tracking_registry.h"
#include "server/watch_registry.h"
#include "tls/peer_certificate.h"

namespace redoubt::server {

class Server;
struct IoThread;

enum class ReplyMode : uint8_t { kOn, kOff, kSkipNext, kSkipThis };

class Connection final : public commands::Client,
                         public net::IoHandler,
                         public protocol::ErrorObserver,
                         public protocol::SharedBodySink {
 public:
  // peer and local: "ip:port" of both ends, known to the acceptor without extra system calls
  // (for a Unix socket, its path and ":0", as Redis shows them).
  // peer_certificate: a TLS client's verified certificate (present=false otherwise).
  Connection(Server& server, IoThread& thread, std::unique_ptr<net::Transport> transport,
             uint64_t id, std::string peer, std::string local,
             tls::PeerCertificate peer_certificate = {}, bool unix_socket = false);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Registers with the loop and the client registry. Requires: on the thread's loop.
  void Start();
  // Sends the replies held for the AOF (the AOF is on), once the thread's
  // before-sleep step synced it. Requires: on the thread's loop, before the batch's deletions.
  void SendHeldReplies();
  void OnEvent(uint32_t events) override;
  void OnErrorReply(std::string_view code) override;
  // SharedBodySink: queues the output so far and a large value's block, to be written from it.
  bool TakeSharedBody(std::string* out, common::SharedBytesRef body) override;

  // commands::Client.
  uint64_t id() const override { return id_; }
  const std::string& peer_address() const override { return peer_address_; }
  std::string NameForLog() const override { return name(); }
  std::string DescribeForLog() const override { return Describe(); }
  protocol::ReplyWriter& reply() override { return writer_; }
  bool authenticated() const override { return authenticated_; }
  const security::AclUser& user() const override { return *user_; }
  bool RefreshUser(uint64_t acl_version) override;
  void SetCurrentCommand(const commands::CommandSpec& spec) override {
    last_command_.store(&spec, std::memory_order_relaxed);
  }
  // The block the running command's large last argument was read into.
  common::SharedBytesRef LargeArgument(std::string_view arg) const override;
  // Blocking commands (server/blocking_registry.h): the command stays unconsumed in the input
  // while it waits, and runs again from there when woken.
  bool can_block() const override { return !large_arg_ && !in_exec_; }
  void Block(const commands::BlockRequest& request) override;
  bool retrying_blocked() const override { return retrying_blocked_; }
  // MULTI/EXEC (server/transaction_commands.cc).
  void QueueCommand(std::span<const std::string_view> args, uint32_t flags) override;
  void ForEachQueued(
      const std::function<void(std::span<const std::string_view>)>& fn) const override;
  void FlagTransactionError() override { multi_error_ = true; }
  void AbortTransaction() override { DiscardTransaction(); }
  // While a script this connection runs is past busy-reply-threshold, from the script's hook:
  // the other clients of its thread are served meanwhile (answered -BUSY, or their SCRIPT
  // KILL run), as Redis's processEventsWhileBlocked; this one is not read until it ends.
  void ServeOthersWhileBusy();
  void BeginTransaction() {
    in_multi_ = true;
    shown_multi_.store(0, std::memory_order_relaxed);
  }
  // Forgets the queued commands and the watched keys (DISCARD, RESET, a closing client).
  void DiscardTransaction();
  // EXEC: runs the queued commands as one, with the shards of all their keys locked (all
  // shards when one needs the whole keyspace); or answers EXECABORT, or a null array when a
  // watched key was touched.
  void ExecTransaction(commands::CommandContext& ctx);
  // WATCH: requires the key's shard lock (the dispatcher's).
  void Watch(int db, std::string_view key);
  void Unwatch();

  // Replication (server/replication_commands.cc). What a replica announced with REPLCONF.
  replication::ReplicaHandshake& replica_handshake() { return replica_handshake_; }
  // PSYNC/SYNC: once the command's reply is written (none: the sender answers), the
  // connection leaves its I/O thread: its socket and unread input go to a replica sender.
  void HandOffToReplication(replication::SyncRequest request) { handoff_ = std::move(request); }
  // WAIT: no reply and no further command until `replicas` replicas acknowledged `offset` or
  // the deadline (Unix ms; 0: none) passes; then the count of those that did.
  void WaitForReplicas(int64_t replicas, int64_t offset, int64_t deadline_ms);

  // Closes now (unregisters, deletes after the current event batch). reason is what the audit
  // log's disconnect record says; the first reason given wins.
  void Close(std::string_view reason = "client closed");
  // Stops reading; closes once the pending replies are written.
  void CloseAfterReply(std::string_view reason = "quit") {
    SetCloseReason(reason);
    close_after_reply_ = true;
  }
  // As CloseAfterReply, from outside a command (the switch to tls-mode required): closes now
  // when nothing is pending, else stops reading and closes after the last write.
  void CloseAfterPendingReplies(std::string_view reason);
  // Called from the thread's periodic timer.
  void OnTimer(int64_t now_us);
  // Appends a line for a MONITOR client and writes it.
  void DeliverMonitorLine(std::string_view line);

  // Pub/sub (connection_pubsub.cc; the commands in pubsub_commands.cc). On this connection's
  // thread. Subscribe*/Unsubscribe* return false when there was nothing to change (already
  // subscribed, or not subscribed).
  bool Subscribe(SubscriptionKind kind, std::string_view name);
  bool Unsubscribe(SubscriptionKind kind, std::string_view name);
  // The channels or shard channels, in no particular order (as Redis's dict); the patterns in
  // the order subscribed (as Redis 7.0's list).
  std::vector<std::string> Subscribed(SubscriptionKind kind) const;
  // What a (un)subscription reply counts: channels and patterns, or shard channels.
  size_t SubscriptionCount(SubscriptionKind kind) const {
    return kind == SubscriptionKind::kShardChannel ? shard_channels_.size()
                                                   : channels_.size() + patterns_.size();
  }
  // Leaves every subscription without a word to the client (RESET, closing).
  void UnsubscribeAll();
  // The writer for a push (a message, or a subscription change): it writes to the client's
  // output even under CLIENT REPLY OFF/SKIP, as Redis's CLIENT_PUSHING. Ends with EndPush.
  protocol::ReplyWriter& BeginPush();
  void EndPush();
  // From PubSubRegistry on this thread: appends the message (pattern: the subscription it
  // matched, or null for the channel's) when the connection still holds that subscription.
  // Returns whether it did; FlushDeliveries then writes what was appended.
  bool DeliverMessage(const PubSubMessage& message, SubscriptionKind kind,
                      const std::string* pattern);
  void FlushDeliveries();
  // Whether a subscription is one the channel rules of this connection's user (as defined
  // now) no longer allow: such a client is closed, as Redis 7's ACLKillPubsubClientsIfNeeded.
  bool SubscriptionsRevoked() const;

  // Client-side caching (connection_tracking.cc; CLIENT TRACKING and CACHING in
  // client_command.cc; the shared tables in server/tracking_registry.h). On this thread.
  struct TrackingState {
    bool on = false;
    bool bcast = false;
    bool optin = false;
    bool optout = false;
    bool noloop = false;
    bool caching = false;          // CLIENT CACHING YES/NO, for the next command or EXEC
    bool broken_redirect = false;  // the REDIRECT client was gone when a message was due
    uint64_t redirect = 0;
    std::set<std::string> prefixes;  // BCAST's, in order (CLIENT TRACKINGINFO)
  };
  const TrackingState& tracking() const { return tracking_; }
  // CLIENT TRACKING ON with checked options (optin/optout are the connection's, not the
  // registry's concern); again while on: replaces them, adding prefixes.
  void EnableTracking(const TrackingOptions& options, bool optin, bool optout);
  // CLIENT TRACKING OFF, RESET, closing.
  void DisableTracking();
  // CLIENT CACHING YES (OPTIN) or NO (OPTOUT): for the next command, or the next transaction.
  void SetTrackingCaching();
  // From TrackingRegistry: an invalidation, as a RESP3 push, or to a subscribed RESP2 client
  // as a message on __redis__:invalidate when it is the REDIRECT target; nothing otherwise.
  void DeliverInvalidation(const Invalidation& message, bool redirected);
  // From TrackingRegistry: the REDIRECT client is gone (a RESP3 client hears of it).
  void NoteRedirectBroken(uint64_t redirect);
  // CLIENT LIST's tracking flags ("t", "R", "B"). Any thread.
  std::string TrackingFlagLetters() const;

  // CLIENT LIST line. Any thread (while the connection is alive: the ClientRegistry lock, or on
  // its own thread).
  std::string Describe() const ABSL_LOCKS_EXCLUDED(identity_mu_);

  // Memory held for this client, as CLIENT LIST's qbuf, qbuf-free, argv-mem, omem and tot-mem
  // (what maxmemory-clients and client eviction will use). Live on the connection's thread;
  // from another thread, the figures published after its last read or write. Any thread.
  struct MemoryFigures {
    size_t query_buffer = 0;
    size_t query_buffer_free = 0;
    size_t argv = 0;
    size_t output_buffer = 0;
    size_t total = 0;
  };
  MemoryFigures Memory() const;

  int fd() const { return fd_; }
  IoThread& thread() { return thread_; }
  Server& server() { return server_; }
  protocol::ReplyWriter& writer() { return writer_; }
  const std::string& local_address() const { return local_address_; }
  int64_t created_ms() const { return created_ms_; }
  int64_t idle_seconds() const;
  bool closing() const { return closed_ || close_after_reply_; }
  bool is_tls() const { return tls_; }
  bool is_unix_socket() const { return unix_socket_; }
  // Redis's islocalClient: a Unix socket, or a TCP peer at exactly 127.0.0.1 or ::1.
  bool is_local() const override;
  const std::string& tls_version() const { return tls_version_; }
  const std::string& tls_cipher() const { return tls_cipher_; }
  const tls::PeerCertificate& peer_certificate() const { return peer_certificate_; }
  uint64_t bytes_in() const { return bytes_in_; }
  uint64_t bytes_out() const { return bytes_out_; }
  // Buffer sizes as last published for INFO (any thread; relaxed, statistics).
  size_t query_buffer_bytes() const { return shown_qbuf_.load(std::memory_order_relaxed); }
  size_t output_buffer_bytes() const { return shown_obuf_.load(std::memory_order_relaxed); }

  // Session state changed by commands (on this connection's thread).
  void set_resp3(bool on) {
    writer_.set_resp3(on);
    resp_.store(on ? 3 : 2, std::memory_order_relaxed);
    if (tracking_.on) {
      NoteTrackingProtocol();
    }
  }
  void set_reply_mode(ReplyMode mode) { reply_mode_ = mode; }
  ReplyMode reply_mode() const { return reply_mode_; }
  // MONITOR on (registers a MonitorSink) or off. Requires: on this connection's thread.
  void SetMonitor(bool on);
  bool monitor() const { return monitor_.load(std::memory_order_relaxed); }
  void set_no_evict(bool on) { no_evict_.store(on, std::memory_order_relaxed); }
  bool no_evict() const { return no_evict_.load(std::memory_order_relaxed); }
  // The identity CLIENT LIST shows. The setters on this connection's thread; the getters from any
  // thread, as Describe().
  void set_name(std::string name) ABSL_LOCKS_EXCLUDED(identity_mu_) {
    absl::MutexLock lock(&identity_mu_);
    name_ = std::move(name);
  }
  std::string name() const ABSL_LOCKS_EXCLUDED(identity_mu_) {
    absl::MutexLock lock(&identity_mu_);
    return name_;
  }
  void set_lib_name(std::string v) ABSL_LOCKS_EXCLUDED(identity_mu_) {
    absl::MutexLock lock(&identity_mu_);
    lib_name_ = std::move(v);
  }
  void set_lib_version(std::string v) ABSL_LOCKS_EXCLUDED(identity_mu_) {
    absl::MutexLock lock(&identity_mu_);
    lib_version_ = std::move(v);
  }
  // RESET: back to the state of a new connection, except CLIENT NO-EVICT, which Redis 7.0
  // keeps (7.2 clears it too).
  void ResetSession();

  // Authentication and ACL (on this connection's thread). A connection starts as the default
  // user, authenticated when that user needs no password (as Redis decides at accept time).
  // After a successful AUTH, HELLO AUTH or client certificate: acts as result.user from now
  // on, holding result.credential (counted in INFO auth while the connection lives).
  void SetAuthenticated(security::AuthResult result, security::AuthMethod method);
  // Records a refused authentication: ACL LOG, INFO stats, the audit log.
  // command: the command as the client typed it ("auth", "HELLO"), which ACL LOG shows as the
  // object, as Redis does; empty for a certificate.
  void RecordAuthFailure(std::string_view user, std::string_view refusal,
                         security::AuthMethod method, std::string_view command = {});
  // True when the user this connection authenticated as was deleted (or deleted and created
  // again) or switched off: the connection must close, as Redis 7 closes them.
  bool UserRevoked() const;
  // This connection switched off (or reset) the user it is authenticated as, giving it
  // `definition`: it is not closed for that and goes on as that user (until the user changes
  // again). Requires: on this connection's thread.
  void KeepAfterOwnChange(std::shared_ptr<const security::AclUser> definition);
  // The name of the user it acts as, for CLIENT LIST and CLIENT KILL USER. Any thread, as
  // Describe().
  std::string user_name() const ABSL_LOCKS_EXCLUDED(identity_mu_) {
    absl::MutexLock lock(&identity_mu_);
    return user_name_;
  }

 private:
  void HandleReadable();
  void ReadAndProcess();
  void ProcessInput();
  // Runs one command through the thread's dispatcher, with CLIENT REPLY OFF/SKIP applied.
  // Returns false when the command must wait (CLIENT PAUSE); the input stays buffered.
  bool Execute(std::span<const std::string_view> args);
  // Whether `now` (the current definition of this connection's user, nullptr if deleted)
  // revokes this connection.
  bool Revokes(const security::AclUser* now) const;
  // The default user, authenticated when it needs no password (new connection, RESET).
  void ResetUser();
  // tls-auth-clients-user CN: authenticates as the user the certificate's CN names.
  void AuthenticateByCertificate();
  // protected-mode: while the default user needs no password, only local clients are served.
  // Sends Redis's DENIED text and closes when this one is not; returns true then.
  bool RefusedByProtectedMode();
  void SetCloseReason(std::string_view reason) {
    if (close_reason_.empty()) {
      close_reason_ = reason;
    }
  }
  void Flush();
  void UpdateWriteInterest();
  bool replies_held_ = false;          // in thread_.held_replies (the AOF is on)
  bool sending_held_replies_ = false;  // SendHeldReplies is flushing them
  // epoll_ctl refused this connection's socket: closes it (logged at a limited rate).
  void EpollFailed();
  // A command whose last argument is a bulk of storage::kLargeValueBytes or more: its body is
  // read into a block of its own (large_arg_) instead of input_, so that SET can keep that
  // block as the value without a copy, as Redis keeps its query buffer as the object.
  // StartLargeArgument: after a kNeedMore, when that is the case (true: it started).
  bool StartLargeArgument();
  // Runs the command once its block is full. False while it is not, or the command is paused.
  bool FinishLargeCommand();
  // Bytes of requests held: input_ and the large argument received so far.
  size_t QueryBufferBytes() const;
  // Bytes allocated for them: input_, the large argument's block and the spare one.
  size_t QueryBufferAllocated() const;
  // Replies not yet written: queued segments and the rest of output_.
  size_t PendingOutput() const;
  bool HasPendingOutput() const { return !queued_.empty() || output_sent_ < output_.size(); }
  // Stores the buffer figures other threads' CLIENT LIST and INFO read.
  void PublishMemory();
  // Stores the subscription counts CLIENT LIST shows.
  void PublishSubscriptionCounts();
  // Every 250 ms: shrinks buffers to their recent peak, frees an idle client's input buffer.
  void ResizeBuffers(int64_t idle_ms);
  // Closes the connection when its pending replies passed client-output-buffer-limit (hard,
  // or soft for longer than its seconds) or the cap for a never-authenticated client.
  // Returns true when it closed.
  bool OutputLimitReached();
  // A key the blocked command waits for was stored: runs it again (on this thread).
  void WakeBlocked();
  // Ends the wait (the command was served, timed out, or the client is closing); its keys'
  // next waiters are woken.
  void EndWait();
  // The deadline passed: answers a null array and goes on with what follows in the input.
  void TimeOutBlocked();

 public:
  // CLIENT UNBLOCK, on this connection's thread: ends a wait as a timeout would, or with the
  // -UNBLOCKED error.
  void UnblockByRequest(bool as_error);
  // Whether a blocking command waits. Any thread (relaxed, as CLIENT LIST's figures).
  bool blocked_for_keys() const { return shown_blocked_.load(std::memory_order_relaxed); }
  // Channels and patterns subscribed, as CLIENT LIST's sub= and psub=. Any thread.
  uint32_t shown_channels() const { return shown_sub_.load(std::memory_order_relaxed); }
  uint32_t shown_patterns() const { return shown_psub_.load(std::memory_order_relaxed); }
  uint32_t shown_shard_channels() const { return shown_ssub_.load(std::memory_order_relaxed); }

 private:
  // After a command that ran with replies off or skipped (or turned them on or off).
  void FinishReplyMode(std::string* saved_output);
  // Gives the socket to the replication service (after PSYNC/SYNC) and closes this object.
  void HandOff();
  // WAIT: answers once enough replicas acknowledged or the deadline passed (timer).
  void CheckReplicaWait(int64_t now_ms);
  // After a wait ended (a blocked command, CLIENT PAUSE, WAIT) and the input that waited ran:
  // writes the replies and reads what TLS already buffered, which epoll will not report.
  void FinishResumed();
  replication::ReplicaHandshake replica_handshake_;
  std::optional<replication::SyncRequest> handoff_;
  bool waiting_replicas_ = false;
  int64_t wait_replicas_ = 0;
  int64_t wait_offset_ = 0;
  int64_t wait_deadline_ms_ = 0;

  // Set at construction, never changed.
  Server& server_;
  IoThread& thread_;
  // Moved out only when the connection becomes a replica's link (HandOff).
  std::unique_ptr<net::Transport> transport_;
  const bool tls_;
  const bool unix_socket_;
  // Fixed once the handshake is done (renegotiation is off); copied so that CLIENT LIST on
  // another thread never reads the SSL object.
  const std::string tls_version_;
  const std::string tls_cipher_;
  const uint64_t id_;
  const int fd_;
  const int64_t created_ms_;
  const std::string peer_address_;
  const std::string local_address_;
  const tls::PeerCertificate peer_certificate_;

  // Only on the connection's thread.
  net::IoBuffer input_;
  protocol::RespParser parser_;
  std::vector<std::string_view> args_;
  common::SharedBytesRef large_arg_;        // see StartLargeArgument
  size_t large_arg_size_ = 0;               // the body and its CRLF
  size_t large_arg_filled_ = 0;             // bytes of them received
  common::SharedBytesRef spare_large_arg_;  // kept ready for the next large argument
  size_t large_arg_prefix_ = 0;             // the command's bytes before the body, left in input_
  // Replies go to output_; a large value's bulk body goes by reference: what output_ held is
  // moved into queued_ ahead of a segment holding the block (TakeSharedBody), and Flush
  // writes queued_ in order, then output_.
  struct OutputSegment {
    std::string bytes;              // when shared is empty
    common::SharedBytesRef shared;  // a large value's block
    size_t sent = 0;
    std::string_view view() const { return shared ? shared->view() : std::string_view(bytes); }
  };
  std::deque<OutputSegment> queued_;
  size_t queued_bytes_ = 0;   // unsent bytes in queued_
  std::string spare_output_;  // a flushed segment's string, reused for output_
  std::string output_;
  size_t output_sent_ = 0;
  size_t input_peak_ = 0;   // largest input_.size() since the last ResizeBuffers
  size_t output_peak_ = 0;  // largest pending output since then
  int64_t last_resize_ms_ = 0;
  std::string discarded_output_;  // replies dropped by CLIENT REPLY OFF/SKIP
  protocol::ReplyWriter writer_;
  uint32_t epoll_events_ = EPOLLIN;  // what the loop is asked to report
  bool close_after_reply_ = false;
  bool closed_ = false;
  bool paused_ = false;
  // While a blocking command waits (Block): its registration, its deadline (Unix ms, 0: none)
  // and its length in input_, consumed when it times out.
  bool blocked_ = false;
  bool retrying_blocked_ = false;
  std::shared_ptr<BlockingRegistry::Waiter> waiter_;
  int64_t block_deadline_ms_ = 0;
  size_t blocked_command_bytes_ = 0;
  // The blocked command's arguments to replace when it runs again (BlockRequest::rerun_args).
  std::vector<std::pair<size_t, std::string>> rerun_args_;
  // MULTI: the queued commands (each argument copied) and whether one was refused; EXEC runs.
  bool multi_error_ = false;
  uint32_t multi_flags_ = 0;  // the queued commands' CommandFlag bits, or-ed
  bool in_exec_ = false;
  std::vector<std::vector<std::string>> queued_commands_;
  std::shared_ptr<WatchRegistry::Watcher> watcher_;  // while keys are watched
  ReplyMode reply_mode_ = ReplyMode::kOn;
  int64_t output_soft_limit_since_us_ = 0;
  std::shared_ptr<const security::AclUser> user_;
  uint64_t acl_version_ = 0;  // AclRegistry::version() when user_ was last looked up
  bool authenticated_ = false;
  bool ever_authenticated_ = false;  // output limit for never-authenticated clients
  std::shared_ptr<const security::AclUser> own_change_;  // KeepAfterOwnChange
  std::shared_ptr<MonitorSink> monitor_sink_;            // while MONITOR is on
  // Pub/sub: the record the registry holds (from the first subscription on), and the
  // subscriptions; Client::subscriptions_ counts both.
  std::shared_ptr<Subscriber> subscriber_;
  absl::flat_hash_set<std::string> channels_;
  std::vector<std::string> patterns_;
  absl::flat_hash_set<std::string> shard_channels_;
  std::string* push_saved_output_ = nullptr;  // BeginPush
  TrackingState tracking_;
  // After each command: CLIENT CACHING lasts for the next command, or the next transaction.
  void EndTrackingCaching();
  // HELLO changed the protocol while tracking: the registry's null for "all keys" follows it.
  void NoteTrackingProtocol();
  // Client::remembers_read_keys_ and CLIENT LIST's figures, from tracking_.
  void UpdateTrackingFlags();
  security::CredentialLease credential_;
  uint64_t bytes_in_ = 0;
  uint64_t bytes_out_ = 0;
  std::string close_reason_;

  // Read by other threads (CLIENT LIST, INFO clients): relaxed, as statistics.
  std::atomic<int64_t> last_interaction_ms_;
  std::atomic<const commands::CommandSpec*> last_command_{nullptr};
  std::atomic<int> shown_db_{0};
  std::atomic<int> resp_{2};
  std::atomic<bool> monitor_{false};
  std::atomic<bool> no_evict_{false};
  std::atomic<bool> shown_blocked_{false};
  std::atomic<uint32_t> shown_sub_{0};
  std::atomic<uint32_t> shown_psub_{0};
  std::atomic<uint32_t> shown_ssub_{0};
  std::atomic<int> shown_multi_{-1};  // CLIENT LIST's multi=: queued commands, -1 outside MULTI
  std::atomic<uint8_t> shown_tracking_{0};   // CLIENT LIST's t, R and B flags (kShown* bits)
  std::atomic<int64_t> shown_redirect_{-1};  // CLIENT LIST's redir=
  std::atomic<size_t> shown_qbuf_{0};
  std::atomic<size_t> shown_obuf_{0};
  std::atomic<size_t> shown_qbuf_free_{0};
  std::atomic<size_t> shown_argv_mem_{0};
  std::atomic<size_t> shown_tot_mem_{sizeof(Connection)};
  // The identity, written on this thread and read by CLIENT LIST from others. Its own mutex
  // rather than the ClientRegistry's, so that the compiler can check every access
  // (-Wthread-safety); taken after the registry's lock (ForEach, WithClient), never before it.
  mutable absl::Mutex identity_mu_;
  std::string name_ ABSL_GUARDED_BY(identity_mu_);
  std::string lib_name_ ABSL_GUARDED_BY(identity_mu_);
  std::string lib_version_ ABSL_GUARDED_BY(identity_mu_);
  std::string user_name_ ABSL_GUARDED_BY(identity_mu_);
};

}  // namespace redoubt::server
