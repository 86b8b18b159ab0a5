// A replica's link to its primary; see primary_link.h.
#include "replication/primary_link.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <vector>

#include "commands/command_log.h"
#include "common/ascii.h"
#include "common/clock.h"
#include "common/file_io.h"
#include "common/log.h"
#include "common/numbers.h"
#include "net/plain_transport.h"
#include "persistence/encrypted_rdb.h"
#include "persistence/rdb_loader.h"
#include "protocol/resp_parser.h"
#include "replication/blocking_io.h"

namespace redoubt::replication {
namespace {

constexpr int kHandshakeTimeoutMs = 10000;
constexpr int kAckPeriodMs = 1000;
constexpr size_t kMarkLength = 40;  // $EOF:<mark>

void Note(const std::string& text) {
  common::Log(common::LogLevel::kNotice, text);
}

std::string ReplicaAck(int64_t offset) {
  std::string out;
  const std::string n = std::to_string(offset);
  commands::AppendRespCommand(&out, {"REPLCONF", "ACK", n});
  return out;
}

}  // namespace

PrimaryLink::PrimaryLink(LinkEnv env) : env_(std::move(env)) {
  down_since_ms_.store(common::MonotonicMillis(), std::memory_order_relaxed);
}

PrimaryLink::~PrimaryLink() {
  Stop();
}

void PrimaryLink::Start() {
  thread_ = std::thread([this] { Run(); });
}

void PrimaryLink::Stop() {
  stop_.store(true);
  int fd = fd_.load();
  if (fd >= 0) {
    shutdown(fd, SHUT_RDWR);
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

void PrimaryLink::SetState(std::string state) {
  absl::MutexLock lock(&mu_);
  state_ = std::move(state);
}

LinkStatus PrimaryLink::status() const {
  LinkStatus s;
  {
    absl::MutexLock lock(&mu_);
    s.host = shown_.host;
    s.port = shown_.port;
    s.state = state_;
  }
  const int64_t now = common::MonotonicMillis();
  s.up = up_.load(std::memory_order_relaxed);
  s.sync_in_progress = syncing_.load(std::memory_order_relaxed);
  const int64_t last_io = last_io_ms_.load(std::memory_order_relaxed);
  s.last_io_seconds = last_io == 0 ? -1 : (now - last_io) / 1000;
  s.down_since_seconds = s.up ? -1 : (now - down_since_ms_.load(std::memory_order_relaxed)) / 1000;
  s.sync_total_bytes = sync_total_.load(std::memory_order_relaxed);
  s.sync_read_bytes = sync_read_.load(std::memory_order_relaxed);
  return s;
}

int64_t PrimaryLink::silence_ms() const {
  const int64_t now = common::MonotonicMillis();
  if (up_.load(std::memory_order_relaxed)) {
    return now - last_io_ms_.load(std::memory_order_relaxed);
  }
  return now - down_since_ms_.load(std::memory_order_relaxed);
}

void PrimaryLink::Run() {
  while (!stop_.load()) {
    absl::Status st = Session();
    if (up_.exchange(false)) {
      down_since_ms_.store(common::MonotonicMillis(), std::memory_order_relaxed);
    }
    syncing_.store(false, std::memory_order_relaxed);
    if (stop_.load()) {
      break;
    }
    common::Log(common::LogLevel::kWarning, "Connection with master lost or failed: " +
                                                std::string(st.message()) + "; retrying");
    SetState("connect");
    // Retry about once a second, as Redis's replicationCron; Stop() ends the wait early.
    for (int i = 0; i < 10 && !stop_.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

absl::StatusOr<std::string> PrimaryLink::Exchange(net::Transport& t, std::string* pending,
                                                  std::initializer_list<std::string_view> args,
                                                  int timeout) {
  std::string request;
  commands::AppendRespCommand(&request, args);
  if (absl::Status st = WriteFully(t, request, timeout); !st.ok()) {
    return st;
  }
  return ReadLine(t, pending, timeout);
}

absl::Status PrimaryLink::Session() {
  const LinkSettings s = env_.settings();
  {
    absl::MutexLock lock(&mu_);
    shown_ = s;
  }
  SetState("connecting");
  // "Connecting to MASTER" is the replication service's, once per new primary, as Redis's
  // replicationSetMaster logs it; each attempt logs "sync started" once connected.
  absl::StatusOr<int> fd = ConnectTcp(s.host, s.port, kHandshakeTimeoutMs, &stop_, s.source_ip);
  if (!fd.ok()) {
    return fd.status();
  }
  std::unique_ptr<net::Transport> transport;
  fd_.store(*fd);
  if (env_.wrap_tls) {
    absl::StatusOr<std::unique_ptr<net::Transport>> tls = env_.wrap_tls(*fd);
    if (!tls.ok()) {
      fd_.store(-1);
      return tls.status();
    }
    transport = std::move(*tls);
  }
  if (transport == nullptr) {
    transport = std::make_unique<net::PlainTransport>(*fd);
  }
  struct ClearFd {
    std::atomic<int>& fd;
    ~ClearFd() { fd.store(-1); }
  } clear_fd{fd_};
  if (stop_.load()) {
    return absl::CancelledError("stopped");
  }
  Note("MASTER <-> REPLICA sync started");
  std::string pending;
  SetState("handshake");
  if (absl::Status st = Handshake(*transport, &pending, s); !st.ok()) {
    return st;
  }
  // PSYNC with what this node holds: the id and offset of the stream it followed (or, for a
  // former primary, its own), so that a failover or a short drop continues without a copy.
  const StreamIds ids = env_.stream.ids();
  std::string psync_id = "?";
  std::string psync_offset = "-1";
  if (ids.backlog_active) {
    psync_id = ids.replid;
    psync_offset = std::to_string(ids.offset + 1);
  }
  absl::StatusOr<std::string> reply =
      s.failover
          ? Exchange(*transport, &pending, {"PSYNC", psync_id, psync_offset, "FAILOVER"},
                     kHandshakeTimeoutMs)
          : Exchange(*transport, &pending, {"PSYNC", psync_id, psync_offset}, kHandshakeTimeoutMs);
  // A primary preparing the reply sends newlines to keep the link alive.
  while (reply.ok() && reply->empty()) {
    reply = ReadLine(*transport, &pending, kHandshakeTimeoutMs);
  }
  if (!reply.ok()) {
    return reply.status();
  }
  SetState("sync");
  const bool accepted = reply->starts_with("+FULLRESYNC") || reply->starts_with("+CONTINUE");
  int expected = 0;
  first_psync_.compare_exchange_strong(expected, accepted ? 1 : -1);
  if (reply->starts_with("+FULLRESYNC")) {
    std::vector<std::string> parts;
    for (size_t pos = 0; pos < reply->size();) {
      size_t sp = reply->find(' ', pos);
      parts.push_back(reply->substr(pos, sp == std::string::npos ? std::string::npos : sp - pos));
      pos = sp == std::string::npos ? reply->size() : sp + 1;
    }
    std::optional<int64_t> offset = parts.size() == 3 ? common::ParseInt64(parts[2]) : std::nullopt;
    if (!offset || parts[1].size() != 40) {
      return absl::DataLossError("bad FULLRESYNC reply from the master: " + *reply);
    }
    Note("Full resync from master: " + parts[1] + ":" + parts[2]);
    if (absl::Status st = ReceiveSnapshot(*transport, &pending, s, parts[1], *offset); !st.ok()) {
      return st;
    }
  } else if (reply->starts_with("+CONTINUE")) {
    std::string new_id = reply->size() > 10 ? reply->substr(10) : "";
    if (new_id.size() == 40) {
      env_.stream.AdoptPrimaryId(new_id);
    }
    Note("Successful partial resynchronization with master.");
  } else {
    // -NOMASTERLINK, -LOADING (the primary is itself syncing), or an error: try again later.
    return absl::UnavailableError("unexpected reply to PSYNC: " + *reply);
  }
  up_.store(true);
  SetState("connected");
  Note(
      "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization or finished the "
      "full one; streaming");
  return ApplyStream(*transport, &pending, s);
}

absl::Status PrimaryLink::Handshake(net::Transport& t, std::string* pending,
                                    const LinkSettings& s) {
  absl::StatusOr<std::string> reply = Exchange(t, pending, {"PING"}, kHandshakeTimeoutMs);
  if (!reply.ok()) {
    return reply.status();
  }
  // As Redis: an error for a missing AUTH is fine here, the AUTH comes next.
  if (*reply != "+PONG" && !reply->starts_with("-NOAUTH") && !reply->starts_with("-NOPERM") &&
      !reply->starts_with("-ERR operation not permitted")) {
    return absl::UnavailableError("error reply to PING from master: " + *reply);
  }
  if (!s.password.empty()) {
    reply = s.user.empty()
                ? Exchange(t, pending, {"AUTH", s.password}, kHandshakeTimeoutMs)
                : Exchange(t, pending, {"AUTH", s.user, s.password}, kHandshakeTimeoutMs);
    if (!reply.ok()) {
      return reply.status();
    }
    if (*reply != "+OK") {
      return absl::PermissionDeniedError("Unable to AUTH to MASTER: " + *reply);
    }
  }
  const std::string port = std::to_string(s.listening_port);
  reply = Exchange(t, pending, {"REPLCONF", "listening-port", port}, kHandshakeTimeoutMs);
  if (!reply.ok()) {
    return reply.status();
  }
  if (!s.announce_ip.empty()) {
    reply = Exchange(t, pending, {"REPLCONF", "ip-address", s.announce_ip}, kHandshakeTimeoutMs);
    if (!reply.ok()) {
      return reply.status();
    }
  }
  // Errors to these are not fatal, as in Redis: an old primary may not know them.
  reply = Exchange(t, pending, {"REPLCONF", "capa", "eof", "capa", "psync2"}, kHandshakeTimeoutMs);
  if (!reply.ok()) {
    return reply.status();
  }
  return absl::OkStatus();
}

absl::Status PrimaryLink::ReceiveSnapshot(net::Transport& t, std::string* pending,
                                          const LinkSettings& s, const std::string& replid,
                                          int64_t offset) {
  syncing_.store(true, std::memory_order_relaxed);
  sync_read_.store(0, std::memory_order_relaxed);
  const int timeout = static_cast<int>(s.repl_timeout_ms);
  absl::StatusOr<std::string> header = ReadLine(t, pending, timeout);
  while (header.ok() && header->empty()) {  // newlines: the primary is preparing it
    last_io_ms_.store(common::MonotonicMillis(), std::memory_order_relaxed);
    header = ReadLine(t, pending, timeout);
  }
  if (!header.ok()) {
    return header.status();
  }
  if (header->empty() || (*header)[0] != '$') {
    return absl::DataLossError("bad snapshot header from the master: " + *header);
  }
  std::string mark;
  int64_t length = -1;
  if (header->starts_with("$EOF:") && header->size() == 5 + kMarkLength) {
    mark = header->substr(5);
  } else {
    std::optional<int64_t> n = common::ParseInt64(std::string_view(*header).substr(1));
    if (!n || *n < 0) {
      return absl::DataLossError("bad snapshot length from the master: " + *header);
    }
    length = *n;
  }
  sync_total_.store(length, std::memory_order_relaxed);
  Note("MASTER <-> REPLICA sync: receiving " +
       (length >= 0 ? std::to_string(length) + " bytes from master to disk"
                    : std::string("streamed RDB from master with EOF to disk")));
  const std::string path = s.temp_dir + "/temp-" + std::to_string(common::UnixMillis()) + "." +
                           std::to_string(getpid()) + ".rdb";
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InternalError(
        "Opening the temp file needed for MASTER <-> REPLICA "
        "synchronization: " +
        std::string(strerror(errno)));
  }
  struct RemoveTemp {
    std::string path;
    int fd;
    ~RemoveTemp() {
      if (fd >= 0) {
        close(fd);
      }
      unlink(path.c_str());
    }
  } temp{path, fd};
  auto write_file = [fd](std::string_view bytes) -> absl::Status {
    if (!common::WriteAll(fd, &bytes)) {
      return absl::InternalError("writing the snapshot from the master: " +
                                 std::string(strerror(errno)));
    }
    return absl::OkStatus();
  };
  std::unique_ptr<persistence::EncryptedRdbWriter> encrypt;
  if (s.rdb_keys != nullptr && s.rdb_keys->current.has_value()) {
    absl::StatusOr<std::unique_ptr<persistence::EncryptedRdbWriter>> w =
        persistence::EncryptedRdbWriter::Create(*s.rdb_keys->current, write_file);
    if (!w.ok()) {
      return w.status();
    }
    encrypt = *std::move(w);
  }
  // With a mark, the last kMarkLength bytes seen are held back until more arrive: the
  // stream ends when they are the mark.
  std::string data = std::move(*pending);
  pending->clear();
  int64_t received = 0;
  for (;;) {
    if (stop_.load()) {
      return absl::CancelledError("stopped");
    }
    std::string_view ready = data;
    bool done = false;
    std::string rest;
    if (length >= 0) {
      const int64_t need = length - received;
      if (static_cast<int64_t>(ready.size()) >= need) {
        rest = std::string(ready.substr(need));
        ready = ready.substr(0, need);
        done = true;
      }
    } else if (size_t at = ready.find(mark); at != std::string_view::npos) {
      // The stream may follow the mark at once (a primary that does not wait for our ACK).
      rest = std::string(ready.substr(at + kMarkLength));
      ready = ready.substr(0, at);
      done = true;
    } else if (ready.size() > kMarkLength) {
      ready.remove_suffix(kMarkLength);  // may hold the start of the mark
    } else {
      ready = {};
    }
    if (absl::Status st = encrypt ? encrypt->Write(ready) : write_file(ready); !st.ok()) {
      return st;
    }
    received += static_cast<int64_t>(ready.size());
    sync_read_.store(received, std::memory_order_relaxed);
    data.erase(0, ready.size());
    if (done) {
      *pending = std::move(rest);
      break;
    }
    absl::StatusOr<size_t> n = ReadSome(t, &data, 256 * 1024, timeout);
    if (!n.ok()) {
      return n.status();
    }
    if (*n == 0) {
      return absl::DeadlineExceededError("timeout receiving the snapshot from the master");
    }
    last_io_ms_.store(common::MonotonicMillis(), std::memory_order_relaxed);
  }
  if (encrypt) {
    if (absl::Status st = encrypt->Finish(); !st.ok()) {
      return st;
    }
  }
  if (fdatasync(fd) != 0) {
    return absl::InternalError("syncing the snapshot from the master: " +
                               std::string(strerror(errno)));
  }
  // Load in place of the current dataset. Meanwhile clients get -LOADING.
  Note("MASTER <-> REPLICA sync: Flushing old data");
  env_.before_load();
  env_.runtime.loading_started_ms.store(common::MonotonicMillis(), std::memory_order_relaxed);
  env_.runtime.replica_gate.fetch_or(commands::kGateLoading);
  env_.keyspace.FlushAll();
  env_.functions.ClearFunctionLibraries();
  Note("MASTER <-> REPLICA sync: Loading DB in memory");
  persistence::RdbLoadResult result;
  persistence::RdbLoadOptions options{.verify_checksum = s.rdb_checksum,
                                      .skip_expired = false,
                                      .keys = s.rdb_keys.get(),
                                      .functions = &env_.functions};
  absl::Status st = persistence::LoadRdbFile(path, env_.keyspace, env_.runtime, options, &result);
  if (st.ok()) {
    env_.stream.ResetTo(replid, offset);
  } else {
    env_.keyspace.FlushAll();  // nothing half-loaded stays
    env_.functions.ClearFunctionLibraries();
  }
  env_.runtime.replica_gate.fetch_and(~commands::kGateLoading);
  env_.after_load();
  syncing_.store(false, std::memory_order_relaxed);
  if (!st.ok()) {
    return absl::DataLossError("Failed trying to load the MASTER synchronization DB from disk: " +
                               std::string(st.message()));
  }
  Note("MASTER <-> REPLICA sync: Finished with success (" + std::to_string(result.keys_loaded) +
       " keys)");
  return absl::OkStatus();
}

absl::Status PrimaryLink::SendAck(net::Transport& t) {
  return WriteFully(t, ReplicaAck(env_.stream.offset()), kHandshakeTimeoutMs);
}

absl::Status PrimaryLink::ApplyStream(net::Transport& t, std::string* pending,
                                      const LinkSettings& s) {
  protocol::RespParser parser;
  std::vector<std::string_view> args;
  std::string buffer = std::move(*pending);
  // A transaction is held until its EXEC: its commands (copied) and its bytes.
  bool in_multi = false;
  std::vector<std::vector<std::string>> queued;
  std::string multi_bytes;
  int64_t last_ack = 0;
  last_io_ms_.store(common::MonotonicMillis(), std::memory_order_relaxed);
  if (absl::Status st = SendAck(t); !st.ok()) {
    return st;
  }
  auto apply = [&](std::span<const std::string_view> argv) {
    while (!env_.apply(argv)) {  // CLIENT PAUSE holds it
      if (stop_.load()) {
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  };
  for (;;) {
    size_t used = 0;
    bool applied = false;
    for (;;) {
      protocol::ParseResult r = parser.Parse(std::string_view(buffer).substr(used), &args);
      if (r.status == protocol::ParseStatus::kNeedMore) {
        break;
      }
      if (r.status == protocol::ParseStatus::kError) {
        return absl::DataLossError("protocol error in the master's stream: " +
                                   protocol::ProtocolErrorText(r));
      }
      const std::string_view bytes = std::string_view(buffer).substr(used, r.consumed);
      used += r.consumed;
      if (args.empty()) {
        env_.stream.AppendRaw(bytes);
        continue;
      }
      if (common::EqualsIgnoreCase(args[0], "replconf")) {
        // REPLCONF GETACK: the offset applied before it, as Redis answers.
        if (args.size() >= 2 && common::EqualsIgnoreCase(args[1], "getack")) {
          if (absl::Status st = SendAck(t); !st.ok()) {
            return st;
          }
        }
        env_.stream.AppendRaw(bytes);
        continue;
      }
      if (common::EqualsIgnoreCase(args[0], "multi")) {
        in_multi = true;
        queued.clear();
        multi_bytes.assign(bytes);
        continue;
      }
      if (in_multi) {
        multi_bytes.append(bytes);
        if (!common::EqualsIgnoreCase(args[0], "exec")) {
          queued.emplace_back(args.begin(), args.end());
          continue;
        }
        in_multi = false;
        for (const std::vector<std::string>& cmd : queued) {
          std::vector<std::string_view> views(cmd.begin(), cmd.end());
          if (!apply(views)) {
            return absl::CancelledError("stopped");
          }
        }
        env_.stream.AppendRaw(multi_bytes);
        applied = true;
        continue;
      }
      if (!apply(args)) {
        return absl::CancelledError("stopped");
      }
      env_.stream.AppendRaw(bytes);
      applied = true;
    }
    buffer.erase(0, used);
    if (applied) {
      env_.stream.Wake();  // sub-replicas
    }
    const int64_t now = common::MonotonicMillis();
    if (now - last_ack >= kAckPeriodMs) {
      last_ack = now;
      if (absl::Status st = SendAck(t); !st.ok()) {
        return st;
      }
    }
    if (now - last_io_ms_.load(std::memory_order_relaxed) > s.repl_timeout_ms) {
      return absl::DeadlineExceededError("MASTER timeout: no data nor PING received");
    }
    if (stop_.load()) {
      return absl::CancelledError("stopped");
    }
    absl::StatusOr<size_t> n = ReadSome(t, &buffer, 256 * 1024, 100);
    if (!n.ok()) {
      return n.status();
    }
    if (*n > 0) {
      last_io_ms_.store(common::MonotonicMillis(), std::memory_order_relaxed);
    }
  }
}

}  // namespace redoubt::replication
