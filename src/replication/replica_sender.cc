// A replica's link on the primary; see replica_sender.h.
#include "replication/replica_sender.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <vector>

#include "common/ascii.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/numbers.h"
#include "common/random_id.h"
#include "protocol/resp_parser.h"
#include "replication/blocking_io.h"

namespace redoubt::replication {
namespace {

constexpr size_t kStreamPiece = 1 << 20;  // bytes read from the stream per write
constexpr int kKeepaliveMs = 1000;        // newlines to a replica waiting for its snapshot

}  // namespace

ReplicaSender::ReplicaSender(SenderEnv env, std::unique_ptr<net::Transport> transport,
                             std::string peer_ip, ReplicaHandshake handshake, SyncRequest request,
                             std::string unread_input, uint64_t id)
    : env_(std::move(env)),
      transport_(std::move(transport)),
      fd_(transport_->fd()),
      tls_(transport_->kind() == "tls"),
      peer_ip_(std::move(peer_ip)),
      handshake_(std::move(handshake)),
      request_(std::move(request)),
      input_(std::move(unread_input)),
      id_(id) {
  last_ack_ms_.store(common::MonotonicMillis(), std::memory_order_relaxed);
}

ReplicaSender::~ReplicaSender() {
  Stop();
}

void ReplicaSender::Start(std::string unsent_output) {
  thread_ = std::thread([this, unsent = std::move(unsent_output)] {
    if (!unsent.empty() && !WriteFully(*transport_, unsent, 10000).ok()) {
      finished_.store(true, std::memory_order_release);
      return;
    }
    Run();
    finished_.store(true, std::memory_order_release);
  });
}

void ReplicaSender::RequestStop() {
  stop_.store(true, std::memory_order_relaxed);
  shutdown(fd_, SHUT_RDWR);  // wakes a poll or a write on the socket
}

void ReplicaSender::Stop() {
  RequestStop();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void ReplicaSender::Log(const std::string& text) const {
  common::Log(common::LogLevel::kNotice,
              "Replica " + peer_ip_ + ":" + std::to_string(handshake_.listening_port) + " " + text);
}

int64_t ReplicaSender::lag_seconds() const {
  return (common::MonotonicMillis() - last_ack_ms_.load(std::memory_order_relaxed)) / 1000;
}

std::string ReplicaSender::DescribeClient() const {
  // Redis's catClientInfoString for a replica: flags=S, its last command REPLCONF (the ACKs),
  // idle since its last ACK; the fields in Redis's order, then the TLS fields every Redoubt
  // line ends with.
  const int64_t now = common::UnixMillis();
  auto n = [](auto v) { return std::to_string(v); };
  const ReplicaHandshake& h = handshake_;
  std::string out = "id=" + n(h.client_id);
  out += " addr=" + h.peer_address + " laddr=" + h.local_address + " fd=" + n(fd_);
  out += " name=" + h.client_name + " age=" + n((now - h.created_ms) / 1000);
  out += " idle=" + n(lag_seconds());
  out += h.unix_socket ? " flags=SU" : " flags=S";
  out += " db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0";
  out += " rbs=16384 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=replconf";
  out += " user=" + h.user_name + " redir=-1 resp=2 lib-name= lib-ver=";
  out += tls_ ? " tls=yes" : " tls=no";
  return out;
}

ReplicaStatus ReplicaSender::status() const {
  ReplicaStatus s;
  s.id = id_;
  s.ip = handshake_.announced_ip.empty() ? peer_ip_ : handshake_.announced_ip;
  s.port = handshake_.listening_port;
  switch (state_.load(std::memory_order_relaxed)) {
    case State::kWaitSnapshot:
      s.state = "wait_bgsave";
      break;
    case State::kSendBulk:
      s.state = "send_bulk";
      break;
    case State::kOnline:
      s.state = "online";
      break;
  }
  s.ack_offset = ack_offset();
  s.lag_seconds = lag_seconds();
  return s;
}

void ReplicaSender::Run() {
  absl::StatusOr<std::unique_ptr<ReplicationStream::Reader>> reader = Synchronize();
  if (!reader.ok()) {
    if (!stop_.load()) {
      Log("lost before its synchronization ended: " + std::string(reader.status().message()));
    }
    return;
  }
  state_.store(State::kOnline, std::memory_order_relaxed);
  last_ack_ms_.store(common::MonotonicMillis(), std::memory_order_relaxed);
  absl::Status st = Stream(**reader);
  if (!stop_.load()) {
    Log("connection lost: " + std::string(st.message()));
  }
}

absl::StatusOr<std::unique_ptr<ReplicationStream::Reader>> ReplicaSender::Synchronize() {
  const SenderSettings s = env_.settings();
  if (request_.psync) {
    if (std::unique_ptr<ReplicationStream::Reader> reader =
            env_.stream.TryContinue(request_.replid, request_.offset)) {
      // A replica that speaks PSYNC2 learns our id with the continuation.
      std::string reply = handshake_.capa_psync2 ? "+CONTINUE " + env_.stream.replid() + "\r\n"
                                                 : std::string("+CONTINUE\r\n");
      if (absl::Status st = WriteFully(*transport_, reply, static_cast<int>(s.repl_timeout_ms));
          !st.ok()) {
        return st;
      }
      env_.counters.partial_ok.fetch_add(1, std::memory_order_relaxed);
      Log(std::string("asks for synchronization") + (tls_ ? " over TLS" : "") +
          "; partial resynchronization accepted, sending " +
          std::to_string(env_.stream.offset() - reader->position()) + " bytes of backlog");
      return reader;
    }
    if (request_.replid != "?") {
      env_.counters.partial_err.fetch_add(1, std::memory_order_relaxed);
    }
  }
  env_.counters.full.fetch_add(1, std::memory_order_relaxed);
  return FullSync();
}

absl::StatusOr<std::unique_ptr<ReplicationStream::Reader>> ReplicaSender::FullSync() {
  const SenderSettings s = env_.settings();
  const int timeout = static_cast<int>(s.repl_timeout_ms);
  Log("asks for synchronization; starting a full resynchronization");
  // Wait for the keyspace's snapshot slot (a BGSAVE or an AOF rewrite may hold it), keeping
  // the replica's link alive with newlines meanwhile, as Redis does while it waits for a
  // BGSAVE.
  std::unique_ptr<ReplicationStream::Reader> reader;
  std::string replid;
  FullSyncSnapshot snap;
  int64_t last_keepalive = common::MonotonicMillis();
  for (;;) {
    if (stop_.load()) {
      return absl::CancelledError("stopped");
    }
    absl::StatusOr<FullSyncSnapshot> begun = env_.begin_snapshot([&] {
      // Every shard is locked: the stream's end is exactly the snapshot's point.
      reader = env_.stream.ReaderAtEnd();
      env_.stream.ForceSelect();
      replid = env_.stream.replid();
    });
    if (begun.ok()) {
      snap = std::move(*begun);
      break;
    }
    if (common::MonotonicMillis() - last_keepalive >= kKeepaliveMs) {
      last_keepalive = common::MonotonicMillis();
      if (absl::Status st = WriteFully(*transport_, "\n", timeout); !st.ok()) {
        return st;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  state_.store(State::kSendBulk, std::memory_order_relaxed);
  const int64_t offset = reader->position();
  absl::Status st;
  std::string header;
  if (request_.psync) {
    header = "+FULLRESYNC " + replid + " " + std::to_string(offset) + "\r\n";
  }
  if (request_.psync && handshake_.capa_eof) {
    // Streamed as it is written, its length unknown: "$EOF:<mark>", the RDB, the mark.
    const std::string mark = common::RandomHexId();
    header += "$EOF:" + mark + "\r\n";
    st = WriteFully(*transport_, header, timeout);
    if (st.ok()) {
      st = snap.snapshot->Run(
          [&](std::string_view bytes) { return WriteFully(*transport_, bytes, timeout); });
    }
    if (st.ok()) {
      st = WriteFully(*transport_, mark, timeout);
    }
  } else {
    // A replica that needs the length first: the snapshot is made in memory, then sent.
    std::string rdb;
    st = snap.snapshot->Run([&](std::string_view bytes) {
      rdb.append(bytes);
      return absl::OkStatus();
    });
    if (st.ok()) {
      header += "$" + std::to_string(rdb.size()) + "\r\n";
      st = WriteFully(*transport_, header, timeout);
    }
    if (st.ok()) {
      st = WriteFully(*transport_, rdb, timeout);
    }
  }
  const uint64_t bytes = snap.snapshot->bytes_written();
  snap.snapshot.reset();
  snap.release();
  if (st.ok() && request_.psync && handshake_.capa_eof) {
    // As Redis: the stream starts once the replica acknowledged the snapshot (its first
    // REPLCONF ACK, after it loaded it), so that it never reads commands as snapshot bytes.
    const int64_t acks_before = ack_count_;
    const int64_t deadline = common::MonotonicMillis() + s.repl_timeout_ms;
    while (st.ok() && ack_count_ == acks_before) {
      if (stop_.load()) {
        st = absl::CancelledError("stopped");
      } else if (common::MonotonicMillis() > deadline) {
        st = absl::DeadlineExceededError("no REPLCONF ACK after the snapshot");
      } else {
        st = ReadAcks(100);
      }
    }
  }
  if (!st.ok()) {
    return st;
  }
  Log("synchronized: " + std::to_string(bytes) + " bytes of snapshot sent" +
      (tls_ ? " over TLS" : "") + ", streaming from offset " + std::to_string(offset));
  return reader;
}

absl::Status ReplicaSender::Stream(ReplicationStream::Reader& reader) {
  std::string piece;
  int64_t last_input_check = 0;
  int64_t soft_since = 0;
  // The settings (a copy of the server's configuration) are read again once a second, not per
  // loop: under load the loop turns once per I/O batch.
  SenderSettings s = env_.settings();
  int64_t settings_read_ms = common::MonotonicMillis();
  for (;;) {
    if (stop_.load()) {
      return absl::CancelledError("stopped");
    }
    const int64_t now = common::MonotonicMillis();
    if (now - settings_read_ms >= 1000) {
      s = env_.settings();
      settings_read_ms = now;
    }
    if (reader.position() < 0) {
      return absl::AbortedError("the stream was reset (a new history)");
    }
    // client-output-buffer-limit replica: what it has yet to receive, as Redis counts its
    // share of the replication buffer.
    const int64_t lag = reader.lag_bytes();
    if ((s.output_hard_limit > 0 && lag > s.output_hard_limit)) {
      return absl::ResourceExhaustedError("output buffer limit reached (hard)");
    }
    if (s.output_soft_limit > 0 && lag > s.output_soft_limit) {
      soft_since = soft_since == 0 ? now : soft_since;
      if (now - soft_since > s.output_soft_seconds * 1000) {
        return absl::ResourceExhaustedError("output buffer limit reached (soft)");
      }
    } else {
      soft_since = 0;
    }
    if (now - last_ack_ms_.load(std::memory_order_relaxed) > s.repl_timeout_ms) {
      return absl::DeadlineExceededError("timeout: no REPLCONF ACK within repl-timeout");
    }
    piece.clear();
    if (reader.Read(kStreamPiece, &piece)) {
      if (absl::Status st = WriteFully(*transport_, piece, static_cast<int>(s.repl_timeout_ms));
          !st.ok()) {
        return st;
      }
      // Under a steady stream, look at the replica's ACKs every few milliseconds.
      if (now - last_input_check >= 5) {
        last_input_check = now;
        if (absl::Status st = ReadAcks(0); !st.ok()) {
          return st;
        }
      }
      continue;
    }
    if (!reader.PrepareSleep()) {
      continue;
    }
    pollfd fds[2] = {{transport_->fd(), POLLIN, 0}, {reader.wake_fd(), POLLIN, 0}};
    int r = poll(fds, 2, 1000);
    if (r < 0 && errno != EINTR) {
      return absl::InternalError("poll failed");
    }
    if (fds[1].revents & POLLIN) {
      reader.DrainWake();
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      last_input_check = now;
      if (absl::Status st = ReadAcks(0); !st.ok()) {
        return st;
      }
    }
  }
}

absl::Status ReplicaSender::ReadAcks(int timeout_ms) {
  absl::StatusOr<size_t> n = ReadSome(*transport_, &input_, 16 * 1024, timeout_ms);
  if (!n.ok()) {
    return n.status();
  }
  protocol::RespParser parser;
  std::vector<std::string_view> args;
  size_t used = 0;
  for (;;) {
    protocol::ParseResult r = parser.Parse(std::string_view(input_).substr(used), &args);
    if (r.status == protocol::ParseStatus::kNeedMore) {
      break;
    }
    if (r.status == protocol::ParseStatus::kError) {
      return absl::DataLossError("protocol error from the replica");
    }
    used += r.consumed;
    // REPLCONF ACK <offset> [FACK <aof offset>]: what the replica has applied.
    if (args.size() >= 3 && common::EqualsIgnoreCase(args[0], "replconf") &&
        common::EqualsIgnoreCase(args[1], "ack")) {
      if (std::optional<int64_t> parsed = common::ParseInt64(args[2])) {
        const int64_t offset = *parsed;
        if (offset > ack_offset_.load(std::memory_order_relaxed)) {
          ack_offset_.store(offset, std::memory_order_release);
        }
        last_ack_ms_.store(common::MonotonicMillis(), std::memory_order_relaxed);
        ++ack_count_;
      }
    }
    // Anything else a replica sends on its link is ignored, as Redis ignores its replies.
  }
  input_.erase(0, used);
  if (input_.size() > 1 << 20) {
    return absl::DataLossError("too much input from the replica");
  }
  return absl::OkStatus();
}

}  // namespace redoubt::replication
