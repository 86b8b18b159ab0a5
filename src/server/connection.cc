// Client connection; see connection.h.
#include "server/connection.h"

#include <sys/epoll.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "commands/errors.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/repr.h"
#include "net/socket_util.h"
#include "server/audit_records.h"
#include "server/server.h"
#include "storage/entry.h"
#include "storage/keyspace.h"

namespace redoubt::server {
namespace {

// What a connection keeps once its socket went to a replica's sender (HandOff): the socket is
// no longer its to read, write or close.
class HandedOffTransport final : public net::Transport {
 public:
  explicit HandedOffTransport(int fd) : fd_(fd) {}
  net::IoResult Read(char*, size_t) override { return {net::IoResult::kClosed}; }
  net::IoResult Write(const char*, size_t) override { return {net::IoResult::kClosed}; }
  std::string_view kind() const override { return "tcp"; }
  int fd() const override { return fd_; }

 private:
  const int fd_;
};

using commands::CommandSpec;

// Reads at least this much at a time; a large bulk argument reserves what it needs at once.
constexpr size_t kReadChunk = 16 * 1024;
// Pending replies a never-authenticated client may leave unread before it is closed: Redis's
// REPLY_BUFFER_SIZE_UNAUTHENTICATED_CLIENT (1 KB) counts only what overflows a client's
// 16 KB static reply buffer, so the same point here is 17 KB of unsent replies.
constexpr size_t kUnauthenticatedOutputLimit = 16 * 1024 + 1024;
// Buffer sizing, as Redis's clientsCronResizeQueryBuffer / OutputBuffer: four times a second a
// buffer above kResizeThreshold that is more than twice its recent peak shrinks to that peak
// (a client that sent one large value does not keep its buffer, one that keeps sending them
// does), and a client idle for kBufferIdleMs gives its empty input buffer back.
constexpr size_t kResizeThreshold = 32 * 1024;
constexpr size_t kMinBufferBytes = 16 * 1024;
constexpr int64_t kBufferIdleMs = 2000;
constexpr int64_t kResizeCheckMs = 250;
// input_peak_ counts large arguments too; below this none came since the last check.
constexpr size_t kLargeArgumentPeak = 32 * 1024;
// Buffers one Flush hands to writev at most (queued segments, then the output string).
constexpr int kMaxFlushSegments = 16;

// epoll_ctl fails for want of kernel memory or watches, for every connection at once then.
common::LogThrottle epoll_failure_log(10000, 1);
// What a client can make happen as fast as it can send: refused authentications (one pipelined
// burst of AUTHs), closes for buffer limits. A few lines a second at most.
common::LogThrottle auth_failure_log(1000, 10);
common::LogThrottle output_limit_log(1000, 10);

}  // namespace

Connection::Connection(Server& server, IoThread& thread, std::unique_ptr<net::Transport> transport,
                       uint64_t id, std::string peer, std::string local,
                       tls::PeerCertificate peer_certificate, bool unix_socket)
    : server_(server),
      thread_(thread),
      transport_(std::move(transport)),
      tls_(transport_->kind() == "tls"),
      unix_socket_(unix_socket),
      tls_version_(transport_->tls_version()),
      tls_cipher_(transport_->tls_cipher()),
      id_(id),
      fd_(transport_->fd()),
      created_ms_(common::UnixMillis()),
      peer_address_(std::move(peer)),
      local_address_(std::move(local)),
      peer_certificate_(std::move(peer_certificate)),
      writer_(&output_),
      last_interaction_ms_(created_ms_) {
  writer_.set_error_observer(this);
  writer_.set_shared_body_sink(this);
  // As Redis's createClient: authenticated from the start when the default user needs no
  // password; otherwise the connection is the default user but must AUTH first.
  ResetUser();
  parser_.set_limits({.max_bulk_len = server.settings().proto_max_bulk_len.load()});
}

Connection::~Connection() = default;

void Connection::Start() {
  thread_.connections.push_back(this);
  server_.clients().Add(this);
  server_.stats().connected_clients.fetch_add(1, std::memory_order_relaxed);
  (tls_ ? server_.stats().tls_clients : server_.stats().tcp_clients)
      .fetch_add(1, std::memory_order_relaxed);
  if (server_.audit().enabled()) {
    server_.audit().Record(ConnectRecord(*this));
  }
  if (!thread_.loop.Add(fd_, EPOLLIN, this)) {
    EpollFailed();
    return;
  }
  if (RefusedByProtectedMode()) {
    return;
  }
  if (peer_certificate_.present && server_.tls_auth_clients_user_cn()) {
    AuthenticateByCertificate();
  }
  // A TLS client may send its first command together with the end of the handshake; OpenSSL
  // has read it already, so epoll will not report it.
  if (transport_->HasBufferedInput()) {
    HandleReadable();
  }
}

void Connection::ResizeBuffers(int64_t idle_ms) {
  if (spare_large_arg_ && (idle_ms > kBufferIdleMs || input_peak_ < kLargeArgumentPeak)) {
    spare_large_arg_.Reset();  // no large argument came since the last check
  }
  if (idle_ms > kBufferIdleMs) {
    input_.Release();
  } else if (input_.capacity() > kResizeThreshold && input_.capacity() / (input_peak_ + 1) > 2) {
    input_.ShrinkTo(std::max(input_peak_, kMinBufferBytes));
  }
  if (!HasPendingOutput() && output_.capacity() > kResizeThreshold &&
      output_.capacity() / (output_peak_ + 1) > 2) {
    output_.clear();
    output_sent_ = 0;
    output_.shrink_to_fit();
    output_.reserve(output_peak_);
  }
  input_peak_ = input_.size();
  output_peak_ = PendingOutput();
  PublishMemory();
}

bool Connection::is_local() const {
  return unix_socket_ || IsLocalPeer(peer_address_);
}

bool Connection::RefusedByProtectedMode() {
  // Checked when the connection is admitted, as Redis's acceptCommonHandler (after the TLS
  // handshake for a TLS client, so the text reaches it).
  if (!server_.protected_mode.load(std::memory_order_relaxed) ||
      server_.acl().default_requires_auth() || is_local()) {
    return false;
  }
  static constexpr std::string_view kDenied =
      "-DENIED Redis is running in protected mode because protected mode is enabled and no "
      "password is set for the default user. In this mode connections are only accepted from "
      "the loopback interface. If you want to connect from external computers to Redis you may "
      "adopt one of the following solutions: 1) Just disable protected mode sending the command "
      "'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from "
      "the same host the server is running, however MAKE SURE Redis is not publicly accessible "
      "from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) "
      "Alternatively you can just disable the protected mode by editing the Redis configuration "
      "file, and setting the protected mode option to 'no', and then restarting the server. 3) "
      "If you started the server manually just for testing, restart it with the "
      "'--protected-mode no' option. 4) Setup a an authentication password for the default "
      "user. NOTE: You only need to do one of the above things in order for the server to start "
      "accepting connections from the outside.\r\n";
  server_.stats().rejected_connections.fetch_add(1, std::memory_order_relaxed);
  output_.append(kDenied);
  CloseAfterPendingReplies("protected mode");
  return true;
}

void Connection::CloseAfterPendingReplies(std::string_view reason) {
  if (closed_) {
    return;
  }
  SetCloseReason(reason);
  close_after_reply_ = true;
  Flush();  // closes now when nothing is owed; otherwise stops reading until it is written
}

void Connection::Close(std::string_view reason) {
  if (closed_) {
    return;
  }
  closed_ = true;
  SetCloseReason(reason);
  if (server_.audit().enabled()) {
    server_.audit().Record(DisconnectRecord(*this, close_reason_, user_name()));
  }
  thread_.loop.Remove(fd_);
  if (waiter_) {
    EndWait();
  }
  DiscardTransaction();
  SetMonitor(false);
  UnsubscribeAll();
  if (subscriber_) {
    subscriber_->open = false;  // messages already posted to this thread find it closed
  }
  DisableTracking();
  server_.clients().Remove(this);
  server_.stats().connected_clients.fetch_sub(1, std::memory_order_relaxed);
  server_.stats().ReleaseConnectionSlot();  // reserved by the acceptor
  (tls_ ? server_.stats().tls_clients : server_.stats().tcp_clients)
      .fetch_sub(1, std::memory_order_relaxed);
  auto& conns = thread_.connections;
  conns.erase(std::remove(conns.begin(), conns.end(), this), conns.end());
  thread_.loop.DeleteLater(this);
}

void Connection::ServeOthersWhileBusy() {
  thread_.loop.HandleOthersNow(this);
}

void Connection::OnEvent(uint32_t events) {
  if (closed_) {
    return;
  }
  if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
    HandleReadable();
  }
  if (!closed_ && (events & EPOLLOUT)) {
    Flush();
  }
}

void Connection::OnErrorReply(std::string_view code) {
  server_.stats().CountError(code);
}

void Connection::HandleReadable() {
  // TLS: records OpenSSL has already read from the socket are invisible to epoll; read them
  // before waiting again.
  do {
    ReadAndProcess();
  } while (!closed_ && !close_after_reply_ && !paused_ && !blocked_ &&
           transport_->HasBufferedInput());
}

void Connection::ReadAndProcess() {
  if (close_after_reply_) {
    return;
  }
  // One read per event: epoll is level-triggered, so unread bytes raise the next event, and
  // a read that would only return EAGAIN costs a system call per request. A large last
  // argument is read straight into its own block, and only up to its end.
  char* into;
  size_t room;
  if (large_arg_) {
    into = large_arg_->data() + large_arg_filled_;
    room = large_arg_size_ - large_arg_filled_;
  } else {
    input_.Reserve(kReadChunk);
    into = input_.write_ptr();
    room = input_.writable_bytes();
  }
  net::IoResult r = transport_->Read(into, room);
  if (r.kind == net::IoResult::kWouldBlock) {
    return;
  }
  if (r.kind != net::IoResult::kOk) {
    Close();
    return;
  }
  if (large_arg_) {
    large_arg_filled_ += r.bytes;
  } else {
    input_.Commit(r.bytes);
  }
  input_peak_ = std::max(input_peak_, QueryBufferBytes());
  bytes_in_ += r.bytes;
  thread_.stats.net_input_bytes.Add(r.bytes);
  last_interaction_ms_.store(common::UnixMillis(), std::memory_order_relaxed);
  ProcessInput();
  if (closed_) {
    return;
  }
  if (QueryBufferBytes() >
      static_cast<size_t>(server_.query_buffer_limit.load(std::memory_order_relaxed))) {
    // Redis closes such a client without a reply ("closing client that reached max query
    // buffer length").
    server_.stats().client_query_buffer_limit_disconnections.fetch_add(1,
                                                                       std::memory_order_relaxed);
    Close("query buffer limit");
    return;
  }
  PublishMemory();
  Flush();
}

void Connection::ProcessInput() {
  if (blocked_ || waiting_replicas_) {
    return;  // input waits behind the blocked command
  }
  if (large_arg_ && !FinishLargeCommand()) {
    return;  // still arriving, or paused
  }
  while (!close_after_reply_ && !closed_ && input_.size() > 0) {
    // Redis's authRequired(): until this connection authenticates (while the default user
    // needs a password), commands are limited in size.
    parser_.set_auth_required(!authenticated_ && server_.acl().default_requires_auth());
    protocol::ParseResult r = parser_.Parse(input_.readable(), &args_);
    if (r.status == protocol::ParseStatus::kNeedMore) {
      if (!StartLargeArgument() && r.bytes_needed > input_.size()) {
        input_.ReserveExact(r.bytes_needed - input_.size());
      }
      break;
    }
    if (r.status == protocol::ParseStatus::kError) {
      writer_.Error(protocol::ProtocolErrorText(r));
      close_after_reply_ = true;
      break;
    }
    if (!args_.empty()) {
      if (retrying_blocked_) {
        for (const auto& [index, arg] : rerun_args_) {
          if (index < args_.size()) {
            args_[index] = arg;
          }
        }
      }
      if (!Execute(args_)) {
        if (blocked_) {
          blocked_command_bytes_ = r.consumed;
        } else {
          paused_ = true;
        }
        break;
      }
    }
    input_.Consume(r.consumed);
    if (handoff_) {
      HandOff();
      return;
    }
    if (waiting_replicas_) {
      break;  // WAIT: the rest of the input waits for its answer
    }
    // Limits are checked after every reply, as Redis checks them when a reply is added: a
    // pipelined batch of large replies must not grow the buffer far past the limit before the
    // batch ends.
    if (OutputLimitReached()) {
      return;
    }
  }
}

bool Connection::StartLargeArgument() {
  std::optional<protocol::RespParser::PendingBulk> bulk = parser_.pending_bulk();
  if (!bulk || !bulk->last || bulk->length < storage::kLargeValueBytes) {
    return false;
  }
  // Only this command's bytes are in input_ (it is incomplete): the body received so far moves
  // into a block sized for the body and its CRLF, and the rest is read into it directly.
  size_t have = input_.size() - bulk->offset;
  size_t size = bulk->length + 2;
  if (spare_large_arg_ && spare_large_arg_->capacity() >= size &&
      spare_large_arg_->capacity() <= 2 * size) {
    large_arg_ = std::move(spare_large_arg_);
  } else {
    large_arg_ = common::SharedBytesRef(common::SharedBytes::Allocate(size));
    spare_large_arg_.Reset();
  }
  large_arg_size_ = size;
  std::memcpy(large_arg_->data(), input_.readable().data() + bulk->offset, have);
  large_arg_filled_ = have;
  large_arg_prefix_ = bulk->offset;
  input_.TruncateTo(bulk->offset);
  return true;
}

bool Connection::FinishLargeCommand() {
  if (large_arg_filled_ < large_arg_size_) {
    return false;
  }
  args_.clear();
  parser_.PartialArguments(input_.readable(), &args_);
  // Like Redis, the two bytes after a bulk are not checked.
  args_.emplace_back(large_arg_->data(), large_arg_size_ - 2);
  if (!Execute(args_)) {
    paused_ = true;  // CLIENT PAUSE: run again by the timer, with everything kept
    return false;
  }
  parser_.Reset();
  input_.Consume(large_arg_prefix_);
  // As Redis ("if we saw a fat argument we'll see another one likely"): a block is kept ready
  // for the next one, the same one when no handler kept it (SET keeps it as the value), else a
  // new one. ResizeBuffers lets it go when large arguments stop coming.
  if (large_arg_->unique()) {
    spare_large_arg_ = std::move(large_arg_);
  } else {
    spare_large_arg_ = common::SharedBytesRef(common::SharedBytes::Allocate(large_arg_size_));
    large_arg_.Reset();
  }
  large_arg_filled_ = 0;
  large_arg_size_ = 0;
  large_arg_prefix_ = 0;
  return !closed_ && !OutputLimitReached();
}

common::SharedBytesRef Connection::LargeArgument(std::string_view arg) const {
  if (large_arg_ && arg.data() == large_arg_->data()) {
    return large_arg_.Copy();
  }
  return {};
}

size_t Connection::QueryBufferBytes() const {
  return input_.size() + large_arg_filled_;
}

size_t Connection::QueryBufferAllocated() const {
  return input_.capacity() + (large_arg_ ? large_arg_->capacity() : 0) +
         (spare_large_arg_ ? spare_large_arg_->capacity() : 0);
}

bool Connection::Execute(std::span<const std::string_view> args) {
  // CLIENT REPLY OFF or SKIP: every reply of this command is dropped, refusals included, as
  // Redis drops them (prepareClientToWrite).
  std::string* saved_output = nullptr;
  if (reply_mode_ != ReplyMode::kOn) {
    saved_output = writer_.output();
    writer_.set_output(&discarded_output_);
  }
  commands::Dispatcher::Outcome outcome = thread_.dispatcher.Execute(*this, args);
  if (outcome != commands::Dispatcher::Outcome::kDone) {
    if (saved_output != nullptr) {
      writer_.set_output(saved_output);
    }
    return false;
  }
  if (waiter_) {
    EndWait();  // the blocked command ran again and answered
  }
  EndTrackingCaching();
  if (saved_output != nullptr || reply_mode_ != ReplyMode::kOn) {
    FinishReplyMode(saved_output);
  }
  shown_db_.store(db, std::memory_order_relaxed);
  return true;
}

void Connection::FinishReplyMode(std::string* saved_output) {
  if (saved_output != nullptr) {
    writer_.set_output(saved_output);
    // CLIENT REPLY ON ran while replies were off or skipped: its +OK is sent (Redis clears
    // the flags before replying).
    if (reply_mode_ == ReplyMode::kOn) {
      saved_output->append(discarded_output_);
    }
    discarded_output_.clear();
  }
  // As Redis's resetClient: a skip lasts for one command, and CLIENT REPLY SKIP (which sets
  // kSkipNext) takes effect from the command after it.
  if (reply_mode_ == ReplyMode::kSkipThis) {
    reply_mode_ = ReplyMode::kOn;
  } else if (reply_mode_ == ReplyMode::kSkipNext) {
    reply_mode_ = ReplyMode::kSkipThis;
  }
}

void Connection::DeliverMonitorLine(std::string_view line) {
  if (closed_) {
    return;
  }
  output_.append(line);
  Flush();
}

bool Connection::TakeSharedBody(std::string* out, common::SharedBytesRef body) {
  if (out != &output_) {
    return false;  // replies being discarded (CLIENT REPLY OFF) or captured: copied as usual
  }
  // What the writer appended so far goes first, then the block; output_ starts afresh for
  // what follows (the CRLF after the body, later replies).
  OutputSegment head;
  head.bytes.swap(output_);
  head.sent = output_sent_;
  output_sent_ = 0;
  output_.swap(spare_output_);  // a recycled string keeps its capacity
  output_.clear();
  queued_bytes_ += head.bytes.size() - head.sent + body->size();
  if (head.sent < head.bytes.size()) {
    queued_.push_back(std::move(head));
  }
  OutputSegment shared;
  shared.shared = std::move(body);
  queued_.push_back(std::move(shared));
  return true;
}

size_t Connection::PendingOutput() const {
  return queued_bytes_ + output_.size() - output_sent_;
}

void Connection::Flush() {
  output_peak_ = std::max(output_peak_, PendingOutput());
  // With the AOF on, no reply leaves before the writes it may follow are in the file (on
  // disk, with appendfsync always): the connection's own, or another client's that it read.
  // Such replies wait for the end of the batch, where the thread writes (and syncs) the AOF
  // once for all of them (SendHeldReplies), as Redis writes the AOF before it sends the
  // replies of an event loop iteration.
  if (!sending_held_replies_ && HasPendingOutput() && server_.aof().reply_must_wait()) {
    if (!replies_held_) {
      replies_held_ = true;
      thread_.held_replies.push_back(this);
    }
    return;
  }
  while (HasPendingOutput()) {
    // Queued segments (replies written from large values' blocks) in order, then output_.
    iovec iov[kMaxFlushSegments];
    int count = 0;
    for (const OutputSegment& seg : queued_) {
      if (count == kMaxFlushSegments - 1) {
        break;
      }
      std::string_view bytes = seg.view();
      iov[count++] = {const_cast<char*>(bytes.data()) + seg.sent, bytes.size() - seg.sent};
    }
    if (count < kMaxFlushSegments && output_sent_ < output_.size() &&
        count == static_cast<int>(queued_.size())) {
      iov[count++] = {output_.data() + output_sent_, output_.size() - output_sent_};
    }
    net::IoResult r =
        count == 1 ? transport_->Write(static_cast<const char*>(iov[0].iov_base), iov[0].iov_len)
                   : transport_->Writev(iov, count);
    if (r.kind == net::IoResult::kWouldBlock) {
      break;
    }
    if (r.kind != net::IoResult::kOk) {
      Close("write error");
      return;
    }
    bytes_out_ += r.bytes;
    thread_.stats.net_output_bytes.Add(r.bytes);
    size_t written = r.bytes;
    while (written > 0 && !queued_.empty()) {
      OutputSegment& seg = queued_.front();
      size_t left = seg.view().size() - seg.sent;
      size_t step = std::min(left, written);
      seg.sent += step;
      written -= step;
      queued_bytes_ -= step;
      if (seg.sent == seg.view().size()) {
        if (!seg.shared && seg.bytes.capacity() > spare_output_.capacity()) {
          spare_output_.swap(seg.bytes);  // keep the larger string for reuse
        }
        queued_.pop_front();
      }
    }
    output_sent_ += written;
    if (written == 0 && r.bytes == 0) {
      break;
    }
  }
  if (!HasPendingOutput()) {
    output_.clear();
    output_sent_ = 0;
    if (close_after_reply_) {
      Close();
      return;
    }
  } else if (OutputLimitReached()) {
    return;
  }
  PublishMemory();
  UpdateWriteInterest();
}

void Connection::SendHeldReplies() {
  replies_held_ = false;
  if (closed_) {
    return;
  }
  sending_held_replies_ = true;
  Flush();
  sending_held_replies_ = false;
}

void Connection::UpdateWriteInterest() {
  uint32_t events = HasPendingOutput() ? uint32_t{EPOLLOUT} : 0;
  // A connection that only owes replies reads nothing more: without EPOLLIN, unread input
  // cannot wake the loop again and again while those replies drain.
  if (!close_after_reply_) {
    events |= EPOLLIN;
  }
  if (events != epoll_events_) {
    epoll_events_ = events;
    if (!thread_.loop.Modify(fd_, events, this)) {
      EpollFailed();
    }
  }
}

void Connection::EpollFailed() {
  int error = errno;
  epoll_failure_log.Log(common::LogLevel::kWarning, [&] {
    return "Closing client " + peer_address_ + ": epoll_ctl failed: " + strerror(error);
  });
  Close("epoll_ctl failed");
}

void Connection::QueueCommand(std::span<const std::string_view> args, uint32_t flags) {
  queued_commands_.emplace_back(args.begin(), args.end());
  multi_flags_ |= flags;
  shown_multi_.store(static_cast<int>(queued_commands_.size()), std::memory_order_relaxed);
}

void Connection::ForEachQueued(
    const std::function<void(std::span<const std::string_view>)>& fn) const {
  std::vector<std::string_view> args;
  for (const std::vector<std::string>& command : queued_commands_) {
    args.assign(command.begin(), command.end());
    fn(args);
  }
}

void Connection::DiscardTransaction() {
  in_multi_ = false;
  multi_error_ = false;
  multi_flags_ = 0;
  queued_commands_.clear();
  shown_multi_.store(-1, std::memory_order_relaxed);
  Unwatch();
}

void Connection::Watch(int db_index, std::string_view key) {
  if (!watcher_) {
    watcher_ = std::make_shared<WatchRegistry::Watcher>();
  }
  server_.watches().Watch(watcher_, db_index, key);
}

void Connection::Unwatch() {
  if (watcher_) {
    server_.watches().Unwatch(watcher_);
    watcher_.reset();
  }
}

void Connection::ExecTransaction(commands::CommandContext& ctx) {
  std::vector<std::vector<std::string>> commands = std::move(queued_commands_);
  if (multi_error_) {
    DiscardTransaction();
    return ctx.reply.Error("EXECABORT Transaction discarded because of previous errors.");
  }
  // A queue that may add data is refused as a whole when memory cannot be made, as Redis's
  // processCommand treats EXEC like its most demanding queued command.
  if ((multi_flags_ & commands::kDenyOom) != 0 && !commands::HasRoomInMemory(ctx.services)) {
    DiscardTransaction();
    return ctx.reply.Error("EXECABORT Transaction discarded because of: " +
                           std::string(commands::kErrOom));
  }
  // The watched keys' shards are locked with the commands' before the watch is checked: a
  // write to a watched key reports it under that lock, so none can slip in between the check
  // and the commands (checking first lost updates under load).
  std::shared_ptr<WatchRegistry::Watcher> watcher = watcher_;
  std::vector<std::string_view> keys;
  if (watcher) {
    for (const auto& [watched_db, key] : watcher->keys) {
      keys.push_back(key);
    }
  }
  // The union of the commands' keys, as the dispatcher would lock them one by one.
  std::vector<std::vector<std::string_view>> argvs(commands.size());
  bool whole_keyspace = false;
  for (size_t i = 0; i < commands.size(); ++i) {
    argvs[i].assign(commands[i].begin(), commands[i].end());
    const commands::CommandSpec* spec = ctx.services.table.Resolve(argvs[i]);
    if (spec == nullptr) {
      continue;
    }
    if (spec->flags & commands::kWholeKeyspace) {
      whole_keyspace = true;
    } else {
      commands::ExtractKeys(*spec, argvs[i], &keys);
    }
  }
  storage::ShardLocks locks(ctx.keyspace);
  if (whole_keyspace) {
    locks.LockAll();
  } else if (!keys.empty()) {
    locks.LockKeys(keys);
  }
  if (watcher) {
    // A watched key whose TTL passed since WATCH counts as touched, as Redis's
    // isWatchedKeyExpired: looking it up deletes it, which reports the change.
    for (const auto& [watched_db, key] : watcher->keys) {
      ctx.keyspace.Find(watched_db, key, storage::Access::kNoTouch);
    }
  }
  const bool touched = watcher && watcher->touched.load();
  DiscardTransaction();
  if (touched) {
    return ctx.reply.NullArray();
  }
  in_exec_ = true;
  ctx.reply.ArrayHeader(argvs.size());
  for (const std::vector<std::string_view>& args : argvs) {
    thread_.dispatcher.ExecuteQueued(*this, args);
  }
  // The queue's effects reach the log as one MULTI/EXEC batch while its shards are locked.
  thread_.dispatcher.FlushPropagation();
  in_exec_ = false;
}

void Connection::WaitForReplicas(int64_t replicas, int64_t offset, int64_t deadline_ms) {
  waiting_replicas_ = true;
  wait_replicas_ = replicas;
  wait_offset_ = offset;
  wait_deadline_ms_ = deadline_ms;
}

void Connection::CheckReplicaWait(int64_t now_ms) {
  const int64_t acked = server_.replication().CountAcked(wait_offset_);
  if (acked < wait_replicas_ && (wait_deadline_ms_ == 0 || now_ms < wait_deadline_ms_)) {
    return;
  }
  waiting_replicas_ = false;
  writer_.Integer(acked);
  ProcessInput();
  FinishResumed();
}

void Connection::FinishResumed() {
  if (closed_) {
    return;
  }
  Flush();
  if (!closed_ && !blocked_ && !paused_ && !waiting_replicas_ && transport_->HasBufferedInput()) {
    HandleReadable();
  }
}

void Connection::HandOff() {
  replication::SyncRequest request = std::move(*handoff_);
  handoff_.reset();
  // Replies not written yet (to a pipelined REPLCONF) go first, from the sender.
  std::string unsent;
  for (const OutputSegment& seg : queued_) {
    unsent.append(seg.view().substr(seg.sent));
  }
  unsent.append(output_, output_sent_, std::string::npos);
  queued_.clear();
  output_.clear();
  output_sent_ = 0;
  std::string unread(input_.readable());
  input_.Consume(input_.size());
  std::string ip = peer_address_.substr(0, peer_address_.rfind(':'));
  if (ip.size() > 2 && ip.front() == '[') {
    ip = ip.substr(1, ip.size() - 2);
  }
  replica_handshake_.unix_socket = unix_socket_;
  {
    absl::MutexLock lock(&identity_mu_);
    replica_handshake_.client_id = id_;
    replica_handshake_.peer_address = peer_address_;
    replica_handshake_.local_address = local_address_;
    replica_handshake_.client_name = name_;
    replica_handshake_.user_name = user_name_;
  }
  replica_handshake_.created_ms = created_ms_;
  std::unique_ptr<net::Transport> transport = std::move(transport_);
  transport_ = std::make_unique<HandedOffTransport>(fd_);
  Close("replica");
  server_.replication().AttachReplica(std::move(transport), std::move(ip),
                                      std::move(replica_handshake_), std::move(request),
                                      std::move(unread), std::move(unsent));
}

void Connection::Block(const commands::BlockRequest& request) {
  blocked_ = true;
  if (waiter_) {
    // Woken but nothing for it: it keeps its place in the queues and its deadline, and the
    // next in line gets a turn.
    server_.blocking().PassOn(waiter_);
    return;
  }
  waiter_ = std::make_shared<BlockingRegistry::Waiter>();
  waiter_->db = db;
  waiter_->keys.assign(request.keys.begin(), request.keys.end());
  rerun_args_ = request.rerun_args;
  waiter_->reader = request.reader;
  waiter_->wake_on_change = request.wake_on_change;
  waiter_->post = [loop = &thread_.loop](std::function<void()> task) {
    loop->Post(std::move(task));
  };
  waiter_->wake = [this] { WakeBlocked(); };
  block_deadline_ms_ = request.deadline_ms;
  shown_blocked_.store(true, std::memory_order_relaxed);
  server_.blocking().Add(waiter_);
}

void Connection::WakeBlocked() {
  if (closed_ || !blocked_) {
    return;
  }
  // Its turn shows as under way before the wake-up is cleared, so that a later consumer never
  // sees neither. Cleared before the keys are looked at again: a key stored from now on wakes
  // it once more.
  const std::shared_ptr<BlockingRegistry::Waiter> waiter = waiter_;
  waiter->retrying.store(true);
  waiter->woken.store(false);
  if (server_.blocking().EarlierTurnPending(waiter)) {
    waiter->retrying.store(false);
    return;  // arrival order: the earlier consumer's end of turn wakes this one again
  }
  blocked_ = false;
  retrying_blocked_ = true;
  ProcessInput();
  retrying_blocked_ = false;
  waiter->retrying.store(false);
  FinishResumed();
}

void Connection::EndWait() {
  std::shared_ptr<BlockingRegistry::Waiter> waiter = std::move(waiter_);
  waiter->wake = nullptr;
  server_.blocking().Remove(waiter);
  // What is left after this client's pop is for the next in line; one that leaves unserved
  // (an error, a timeout, a disconnect) gives up its turn, which a later consumer may have
  // waited for (BlockingRegistry::EarlierTurnPending).
  server_.blocking().WakeHeads(waiter->db, waiter->keys);
  retrying_blocked_ = false;
  block_deadline_ms_ = 0;
  rerun_args_.clear();
  shown_blocked_.store(false, std::memory_order_relaxed);
}

void Connection::TimeOutBlocked() {
  UnblockByRequest(false);
}

void Connection::UnblockByRequest(bool as_error) {
  if (closed_ || !blocked_) {
    return;
  }
  EndWait();
  blocked_ = false;
  // Counted in commandstats now, as it will not run again (args_ still views it in input_).
  thread_.dispatcher.AccountUnblocked(*this, args_, as_error && reply_mode_ == ReplyMode::kOn);
  input_.Consume(blocked_command_bytes_);
  blocked_command_bytes_ = 0;
  if (reply_mode_ == ReplyMode::kOn) {
    if (as_error) {
      writer_.Error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
    } else {
      writer_.NullArray();
    }
  }
  ProcessInput();
  FinishResumed();
}

void Connection::OnTimer(int64_t now_us) {
  if (closed_) {
    return;
  }
  if (blocked_ && block_deadline_ms_ != 0 && now_us / 1000 >= block_deadline_ms_) {
    TimeOutBlocked();
    if (closed_) {
      return;
    }
  }
  // The credential this connection holds was "last used" when it last sent a command: copied
  // at timer pace (not per command) so that busy clients sharing a password do not contend
  // on one cache line.
  credential_.Touch(last_interaction_ms_.load(std::memory_order_relaxed));
  if (waiting_replicas_) {
    CheckReplicaWait(now_us / 1000);
    if (closed_) {
      return;
    }
  }
  if (paused_) {
    paused_ = false;
    ProcessInput();
    FinishResumed();
    if (closed_) {
      return;
    }
  }
  // As Redis's clientsCronResizeQueryBuffer / output buffer trimming: buffers that grew for
  // large requests or replies are kept while the client is busy and returned once it has been
  // idle for two seconds.
  int64_t now_ms = now_us / 1000;
  if (now_ms - last_resize_ms_ >= kResizeCheckMs) {
    last_resize_ms_ = now_ms;
    ResizeBuffers(now_ms - last_interaction_ms_.load(std::memory_order_relaxed));
  }
  int timeout = server_.idle_timeout_seconds.load(std::memory_order_relaxed);
  if (timeout > 0 && !monitor() &&
      now_us / 1000 - last_interaction_ms_.load(std::memory_order_relaxed) >
          int64_t{timeout} * 1000) {
    Close("idle timeout");
  }
}

bool Connection::OutputLimitReached() {
  size_t pending = PendingOutput();
  if (pending == 0) {
    output_soft_limit_since_us_ = 0;
    return false;
  }
  // A client that never authenticated while a password is required may not make the server
  // hold replies it does not read (Redis's fix for CVE-2025-21605: 1 KB, then closed).
  bool unauthenticated_flood = pending > kUnauthenticatedOutputLimit && !ever_authenticated_ &&
                               !authenticated_ && server_.acl().default_requires_auth();
  // A subscribed client is in the pubsub class, as Redis's getClientType.
  const Server::OutputLimits& limits =
      subscriptions_ > 0 ? server_.pubsub_output_limits : server_.normal_output_limits;
  uint64_t hard = limits.hard_bytes.load(std::memory_order_relaxed);
  uint64_t soft = limits.soft_bytes.load(std::memory_order_relaxed);
  bool over_soft = soft != 0 && pending >= soft;
  bool over_hard = hard != 0 && pending >= hard;
  bool soft_expired = false;
  if (!over_soft) {
    output_soft_limit_since_us_ = 0;
  } else {
    int64_t now = common::MonotonicMicros();
    if (output_soft_limit_since_us_ == 0) {
      output_soft_limit_since_us_ = now;  // the first time is not yet a breach, as in Redis
    } else {
      int64_t soft_us = int64_t{limits.soft_seconds.load(std::memory_order_relaxed)} * 1000000;
      soft_expired = now - output_soft_limit_since_us_ > soft_us;
    }
  }
  if (!over_hard && !soft_expired && !unauthenticated_flood) {
    return false;
  }
  server_.stats().client_output_buffer_limit_disconnections.fetch_add(1, std::memory_order_relaxed);
  output_limit_log.Log(common::LogLevel::kVerbose, [&] {
    return "Client id=" + std::to_string(id_) + " addr=" + peer_address_ +
           " closed for overcoming of output buffer limits.";
  });
  Close(unauthenticated_flood ? "unauthenticated output buffer limit" : "output buffer limit");
  return true;
}

void Connection::SetMonitor(bool on) {
  if (on == (monitor_sink_ != nullptr)) {
    return;
  }
  monitor_.store(on, std::memory_order_relaxed);
  if (on) {
    monitor_sink_ = std::make_shared<MonitorSink>(MonitorSink{&thread_, this});
    server_.clients().AddMonitor(monitor_sink_);
  } else {
    monitor_sink_->open = false;  // lines already posted to this thread find it closed
    server_.clients().RemoveMonitor(monitor_sink_.get());
    monitor_sink_.reset();
  }
}

int64_t Connection::idle_seconds() const {
  return (common::UnixMillis() - last_interaction_ms_.load(std::memory_order_relaxed)) / 1000;
}

void Connection::ResetUser() {
  security::AclRegistry& acl = server_.acl();
  acl_version_ = acl.version();
  if (!acl.default_requires_auth()) {
    security::AuthResult r = acl.DefaultWithoutPassword();
    user_ = std::move(r.user);
    credential_ = security::CredentialLease(std::move(r.credential));
    authenticated_ = true;
    ever_authenticated_ = true;
  } else {
    user_ = acl.Find("default");
    credential_ = security::CredentialLease();
    authenticated_ = false;
  }
  absl::MutexLock lock(&identity_mu_);
  user_name_ = "default";
}

void Connection::AuthenticateByCertificate() {
  const std::string& cn = peer_certificate_.common_name;
  if (cn.empty()) {
    return;
  }
  security::AuthResult r = server_.acl().AuthenticateCertificate(cn, common::UnixMillis());
  if (!r.ok()) {
    // No such user (or off): the connection stays the default user, as in Valkey.
    RecordAuthFailure(cn, r.refusal, security::AuthMethod::kCertificate);
    return;
  }
  server_.stats().tls_certificate_authentications.fetch_add(1, std::memory_order_relaxed);
  SetAuthenticated(std::move(r), security::AuthMethod::kCertificate);
}

void Connection::SetAuthenticated(security::AuthResult result, security::AuthMethod method) {
  user_ = std::move(result.user);
  credential_ = security::CredentialLease(std::move(result.credential));
  authenticated_ = true;
  ever_authenticated_ = true;
  acl_version_ = server_.acl().version();
  server_.acl().stats().auth_successes.fetch_add(1, std::memory_order_relaxed);
  {
    absl::MutexLock lock(&identity_mu_);
    user_name_ = user_->name();
  }
  if (server_.audit().enabled()) {
    server_.audit().Record(AuthRecord(*this, user_->name(), method, true));
  }
}

void Connection::RecordAuthFailure(std::string_view user, std::string_view refusal,
                                   security::AuthMethod method, std::string_view command) {
  server_.acl().stats().denied_auth.fetch_add(1, std::memory_order_relaxed);
  std::string info = Describe();
  // Redis logs the command that tried as the client typed it ("AUTH", "hello"); ours for a
  // certificate: "CERTIFICATE".
  std::string object(command.empty() ? "CERTIFICATE" : command);
  server_.acl().log().Add("auth", "toplevel", std::move(object), std::string(user), std::move(info),
                          common::UnixMillis());
  auth_failure_log.Log(common::LogLevel::kVerbose, [&] {
    return "authentication of " + peer_address_ + " as " + common::Repr(user, 128) +
           " refused: " + std::string(refusal);
  });
  if (server_.audit().enabled()) {
    server_.audit().Record(AuthRecord(*this, user, method, false));
  }
}

bool Connection::Revokes(const security::AclUser* now) const {
  if (now == nullptr || now->uid() != user_->uid()) {
    return true;  // deleted (or deleted and created again)
  }
  // Switched off, unless by this very connection (and not changed since): it keeps working,
  // as in Redis, so that `ACL SETUSER default off` can be followed by `ACL SETUSER default
  // on` from it. Definitions are immutable and replaced on each change, so the pointer names
  // exactly the definition this connection made.
  return !now->enabled() && now != own_change_.get();
}

void Connection::KeepAfterOwnChange(std::shared_ptr<const security::AclUser> definition) {
  own_change_ = std::move(definition);
}

bool Connection::UserRevoked() const {
  if (!authenticated_) {
    return false;
  }
  std::shared_ptr<const security::AclUser> now = server_.acl().Find(user_->name());
  return Revokes(now.get());
}

bool Connection::RefreshUser(uint64_t acl_version) {
  if (acl_version == acl_version_) {
    return true;
  }
  std::shared_ptr<const security::AclUser> now = server_.acl().Find(user_->name());
  acl_version_ = acl_version;
  if (authenticated_ && Revokes(now.get())) {
    // Deleted or switched off while this connection was using it. Server closes such
    // connections when the change is made; this catches a command that arrives first.
    CloseAfterReply("user revoked");
    return false;
  }
  if (now != nullptr) {
    user_ = std::move(now);
  }
  return true;
}

void Connection::ResetSession() {
  DiscardTransaction();
  db = 0;
  ResetUser();
  set_resp3(false);
  reply_mode_ = ReplyMode::kOn;
  SetMonitor(false);
  UnsubscribeAll();
  DisableTracking();
  absl::MutexLock lock(&identity_mu_);
  name_.clear();
}

Connection::MemoryFigures Connection::Memory() const {
  MemoryFigures m;
  if (thread_.loop.InLoopThread()) {
    // On this connection's thread (CLIENT LIST/INFO run by it or a neighbour): the live
    // figures, with the running command's arguments, as Redis shows its caller.
    m.query_buffer = QueryBufferBytes();
    m.query_buffer_free = QueryBufferAllocated() - QueryBufferBytes();
    for (std::string_view a : running_args()) {
      m.argv = m.argv + a.size();
    }
    m.argv += parser_.partial_args_bytes();
    m.output_buffer = PendingOutput();
    m.total = sizeof(Connection) + QueryBufferAllocated() + output_.capacity() +
              args_.capacity() * sizeof(std::string_view) + m.argv;
  } else {
    // Another thread's connection: what it published after its last read or write (between
    // commands: only the arguments of a command still arriving are held).
    m.query_buffer = shown_qbuf_.load(std::memory_order_relaxed);
    m.argv = shown_argv_mem_.load(std::memory_order_relaxed);
    m.query_buffer_free = shown_qbuf_free_.load(std::memory_order_relaxed);
    m.output_buffer = shown_obuf_.load(std::memory_order_relaxed);
    m.total = shown_tot_mem_.load(std::memory_order_relaxed);
  }
  return m;
}

void Connection::PublishMemory() {
  shown_qbuf_.store(QueryBufferBytes(), std::memory_order_relaxed);
  shown_qbuf_free_.store(QueryBufferAllocated() - QueryBufferBytes(), std::memory_order_relaxed);
  shown_argv_mem_.store(parser_.partial_args_bytes(), std::memory_order_relaxed);
  shown_obuf_.store(PendingOutput(), std::memory_order_relaxed);
  shown_tot_mem_.store(sizeof(Connection) + QueryBufferAllocated() + output_.capacity() +
                           args_.capacity() * sizeof(std::string_view) +
                           parser_.partial_args_bytes(),
                       std::memory_order_relaxed);
}

std::string Connection::Describe() const {
  const CommandSpec* last = last_command_.load(std::memory_order_relaxed);
  int64_t now = common::UnixMillis();
  // Redis's catClientInfoString letters, in its order; "N" when none applies.
  std::string flags;
  if (monitor()) {
    flags += 'O';
  }
  uint32_t sub = shown_sub_.load(std::memory_order_relaxed);
  uint32_t psub = shown_psub_.load(std::memory_order_relaxed);
  uint32_t ssub = shown_ssub_.load(std::memory_order_relaxed);
  int multi = shown_multi_.load(std::memory_order_relaxed);
  if (sub + psub + ssub > 0) {
    flags += 'P';
  }
  if (multi >= 0) {
    flags += 'x';
  }
  if (blocked_for_keys()) {
    flags += 'b';
  }
  flags += TrackingFlagLetters();
  if (unix_socket_) {
    flags += 'U';
  }
  if (no_evict()) {
    flags += 'e';
  }
  if (flags.empty()) {
    flags = "N";
  }
  MemoryFigures m = Memory();
  auto n = [](auto v) { return std::to_string(v); };
  absl::MutexLock lock(&identity_mu_);
  // Built by appending, never into a fixed buffer: a long client name must not cut off the
  // fields after it (user=, flags= were once hidden behind a 1,000-byte name).
  std::string out;
  out.reserve(320 + name_.size() + lib_name_.size() + lib_version_.size() + user_name_.size() +
              peer_address_.size() + local_address_.size());
  out += "id=" + n(id_);
  out += " addr=" + peer_address_;
  out += " laddr=" + local_address_;
  out += " fd=" + n(fd_);
  out += " name=" + name_;
  out += " age=" + n((now - created_ms_) / 1000);
  out += " idle=" + n((now - last_interaction_ms_.load(std::memory_order_relaxed)) / 1000);
  out += " flags=" + flags;
  out += " db=" + n(shown_db_.load(std::memory_order_relaxed));
  out += " sub=" + n(sub) + " psub=" + n(psub) + " ssub=" + n(ssub) + " multi=" + n(multi);
  out += " qbuf=" + n(m.query_buffer);
  out += " qbuf-free=" + n(m.query_buffer_free);
  out += " argv-mem=" + n(m.argv);
  out += " multi-mem=0 rbs=16384 rbp=0";
  out += " obl=" + n(m.output_buffer);
  out += " oll=0";
  out += " omem=" + n(m.output_buffer);
  out += " tot-mem=" + n(m.total);
  out += " events=r cmd=";
  out += last == nullptr ? std::string_view("NULL") : last->name;
  out += " user=" + user_name_;
  out += " redir=" + n(shown_redirect_.load(std::memory_order_relaxed));
  out += " resp=" + n(resp_.load(std::memory_order_relaxed));
  out += " lib-name=" + lib_name_;
  out += " lib-ver=" + lib_version_;
  out += tls_ ? " tls=yes" : " tls=no";
  out += " tls-version=" + tls_version_;
  out += " tls-cipher=" + tls_cipher_;
  return out;
}

}  // namespace redoubt::server
