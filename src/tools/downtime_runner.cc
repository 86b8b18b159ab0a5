// redoubt-downtime's measuring loop; see downtime_runner.h.
#include "tools/downtime_runner.h"

#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "common/clock.h"
#include "common/numbers.h"
#include "tools/downtime_report.h"
#include "tools/signals.h"

namespace redoubt::tools {
namespace {

constexpr int64_t kMaxBackOffUs = 10 * 1000;
// Keys per DEL when clearing the range above the prefilled keys.
constexpr uint64_t kDeleteBatch = 1000;
// How long phase 1 keeps retrying that DEL while the server is unavailable.
constexpr int64_t kDeleteRetryUs = 10 * common::kMicrosPerSecond;
// A password the server refused in an in-band re-AUTH is offered again after this long.
constexpr int64_t kReauthRetryUs = common::kMicrosPerSecond;
// --wait-replicas: the timeout of each WAIT, and how long phase 1 keeps sending it.
constexpr int64_t kWaitTimeoutMs = 1000;
constexpr int64_t kWaitRetryUs = 10 * common::kMicrosPerSecond;
// Cluster mode: the pause before retrying after -TRYAGAIN or -CLUSTERDOWN doubles from 1 ms to
// this, so that a slot migration's last step or a failover's election is waited for, not
// hammered; the attempt limit and --op-timeout-ms bound the whole.
constexpr int64_t kMaxClusterRetryPauseUs = 32 * 1000;

int64_t Now() {
  return common::MonotonicMicros();
}

void SleepUntil(int64_t mono_us) {
  timespec ts{static_cast<time_t>(mono_us / common::kMicrosPerSecond),
              static_cast<long>(mono_us % common::kMicrosPerSecond) * 1000};
  clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
}

// Phase 2 reads i uniform over [0, ceil(1.1 * n)): about one read in eleven asks for a key
// that must not exist, and at least one such key exists even when n is small.
uint64_t ReadRangeEnd(uint64_t n) {
  return n + (n + 9) / 10;
}

int64_t Nanos(const timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

FailureKind KindOfClientError(ClientError error) {
  return error == ClientError::kTimeout   ? FailureKind::kTimeout
         : error == ClientError::kConnect ? FailureKind::kConnection
                                          : FailureKind::kError;
}

}  // namespace

DowntimeRunner::DowntimeRunner(const DowntimeOptions& options, const TlsClientContext* tls,
                               DowntimeStats* stats)
    : options_(options),
      stats_(*stats),
      link_(NodeAddress{options.host, options.port}, options.tls ? tls : nullptr),
      rng_(std::random_device{}()),
      key_(options.key_prefix) {
  if (options.cluster) {
    router_ = std::make_unique<ClusterRouter>(
        NodeAddress{options.host, options.port}, options.tls ? tls : nullptr,
        options.connect_timeout_ms, options.op_timeout_ms,
        [this](DowntimeLink& link, int64_t deadline_us) { return OpenLink(link, deadline_us); });
  }
}

DowntimeOutcome DowntimeRunner::Run() {
  DowntimeOutcome outcome;
  start_us_ = Now();
  cap_us_ = start_us_ + static_cast<int64_t>(options_.max_seconds * 1e6);
  next_op_us_ = start_us_;
  next_progress_us_ = start_us_ + common::kMicrosPerSecond;
  outcome.started_wall_us = common::UnixMicros();
  stats_.BeginPhase(Phase::kPrefill, start_us_, outcome.started_wall_us);
  if (router_ != nullptr) {
    // Failing here is not fatal: operations then fail (and ask for the map again) as they would
    // against a server that is down.
    router_->Refresh();
    ObserveSlotMap();
  }

  Prefill(&outcome);
  if (outcome.prefill_ok && outcome.stop_reason.empty()) {
    Measure(&outcome);
  }

  int64_t end = Now();
  if (outage_since_us_ >= 0) {
    stats_.AddDowntime(outage_since_us_, end);
    outage_since_us_ = -1;
  }
  for (size_t shard = 0; shard < shard_outage_since_us_.size(); ++shard) {
    if (shard_outage_since_us_[shard] >= 0) {
      stats_.AddShardDowntime(static_cast<int>(shard), shard_outage_since_us_[shard], end);
      shard_outage_since_us_[shard] = -1;
    }
  }
  stats_.Finish(end);
  outcome.ended_wall_us = common::UnixMicros();
  link_.client.Close();
  if (router_ != nullptr) {
    router_->CloseAll();
    ObserveSlotMap();
    outcome.shards = shards_.shards();
    outcome.slot_map_refreshes = router_->refreshes();
  }
  return outcome;
}

void DowntimeRunner::Prefill(DowntimeOutcome* outcome) {
  const int64_t end = start_us_ + static_cast<int64_t>(options_.prefill_seconds * 1e6);
  uint64_t n = 0;
  RespReply reply;
  // At least one attempt, so that --prefill-seconds 0 still writes a key when it can.
  do {
    Pace();
    if (MustStop(Now(), outcome)) {
      break;
    }
    const std::string& key = Key(n);
    value_.clear();
    common::AppendInt64(&value_, static_cast<int64_t>(n));
    if (Send({"SET", key, value_}, key, &reply) == ExecStatus::kReply) {
      if (reply.type == RespReply::Type::kSimpleString && reply.str == "OK") {
        stats_.RecordOk(Now(), op_shard_);
        ++n;
      } else {
        stats_.RecordFailure(FailureKind::kData, Now(),
                             "SET " + key + ": expected OK, got " + reply.Describe(), op_shard_);
      }
    }
    MaybePrintProgress(Phase::kPrefill);
  } while (Now() < end);

  outcome->prefill_keys = n;
  outcome->prefill_ok = n > 0;
  if (!outcome->prefill_ok) {
    outcome->error = "no key could be written during prefill" +
                     (last_failure_.empty() ? std::string() : ": " + last_failure_);
    if (outcome->stop_reason.empty()) {
      outcome->stop_reason = "error";
    }
    return;
  }
  if (outcome->stop_reason.empty()) {
    DeleteBeyondPrefill(n, ReadRangeEnd(n));
  }
  if (outcome->stop_reason.empty() && options_.wait_replicas > 0) {
    WaitForReplicas(outcome);
  }
}

void DowntimeRunner::DeleteBeyondPrefill(uint64_t first, uint64_t end) {
  const int64_t give_up = Now() + kDeleteRetryUs;
  uint64_t deleted = 0;
  // The key indexes of each DEL of the current chunk of kDeleteBatch keys: one DEL, or in a
  // cluster one per slot, because a DEL's keys must share a slot there (else -CROSSSLOT).
  std::vector<std::vector<uint64_t>> batches;
  size_t next = 0;
  std::vector<std::string> keys;
  std::vector<std::string_view> args;
  RespReply reply;
  while (next < batches.size() || first < end) {
    if (next == batches.size()) {
      const uint64_t chunk_end = std::min(end, first + kDeleteBatch);
      batches.clear();
      next = 0;
      if (router_ == nullptr) {
        batches.emplace_back();
        for (uint64_t i = first; i < chunk_end; ++i) {
          batches.back().push_back(i);
        }
      } else {
        std::map<int, std::vector<uint64_t>> by_slot;
        for (uint64_t i = first; i < chunk_end; ++i) {
          by_slot[KeySlot(Key(i))].push_back(i);
        }
        for (auto& [slot, indexes] : by_slot) {
          batches.push_back(std::move(indexes));
        }
      }
      first = chunk_end;
    }
    const std::vector<uint64_t>& batch = batches[next];
    keys.clear();
    for (uint64_t i : batch) {
      keys.push_back(Key(i));
    }
    args.assign({"DEL"});
    args.insert(args.end(), keys.begin(), keys.end());
    int64_t now = Now();
    if (now >= give_up || now >= cap_us_ || StopRequested()) {
      uint64_t lowest = batch.front();
      for (size_t b = next; b < batches.size(); ++b) {
        lowest = std::min(lowest, batches[b].front());
      }
      std::fprintf(stderr,
                   "redoubt-downtime: could not delete keys %s%llu and above; reads of them may "
                   "count as data errors\n",
                   options_.key_prefix.c_str(), static_cast<unsigned long long>(lowest));
      return;
    }
    if (Send(args, keys.front(), &reply) == ExecStatus::kReply) {
      stats_.RecordOk(Now(), op_shard_);
      if (reply.type == RespReply::Type::kInteger) {
        deleted += static_cast<uint64_t>(std::max<int64_t>(0, reply.integer));
      }
      ++next;
    }
  }
  if (deleted > 0 && !options_.quiet) {
    std::fprintf(stderr, "redoubt-downtime: deleted %llu leftover keys above the prefilled range\n",
                 static_cast<unsigned long long>(deleted));
  }
}

void DowntimeRunner::WaitForReplicas(DowntimeOutcome* outcome) {
  std::vector<DowntimeLink*> links =
      router_ == nullptr ? std::vector<DowntimeLink*>{&link_} : router_->PrimaryLinks();
  const std::string wanted = std::to_string(options_.wait_replicas);
  const std::string timeout = std::to_string(kWaitTimeoutMs);
  int64_t fewest = -1;
  RespReply reply;
  for (size_t i = 0; i < links.size(); ++i) {
    DowntimeLink& link = *links[i];
    const int first_slot = router_ == nullptr ? -1 : router_->map().FirstSlotOf(link.address);
    op_shard_ = first_slot < 0 ? -1 : shards_.ShardOf(first_slot);
    // WAIT counts the replicas that have every write the primary made before it; the writes of
    // phase 1 went to this primary over this link (or were redirected to another primary,
    // whose own WAIT covers them).
    int64_t acked = -1;
    const int64_t give_up = Now() + kWaitRetryUs;
    while (acked < options_.wait_replicas) {
      int64_t now = Now();
      if (now >= give_up || now >= cap_us_ || StopRequested()) {
        break;
      }
      if (Execute(link, {"WAIT", wanted, timeout}, &reply, kWaitTimeoutMs * 1000) ==
          ExecStatus::kReply) {
        stats_.RecordOk(Now(), op_shard_);
        if (reply.type == RespReply::Type::kInteger) {
          acked = reply.integer;
        }
      }
    }
    if (acked < options_.wait_replicas) {
      std::fprintf(stderr,
                   "redoubt-downtime: WAIT %d on %s: %lld replicas acknowledged the prefill\n",
                   options_.wait_replicas, link.address.ToString().c_str(),
                   static_cast<long long>(std::max<int64_t>(0, acked)));
    }
    fewest = i == 0 ? acked : std::min(fewest, acked);
  }
  op_shard_ = -1;
  outcome->replicas_acked = fewest;
}

void DowntimeRunner::Measure(DowntimeOutcome* outcome) {
  int64_t begin = Now();
  outcome->run_started_wall_us = common::UnixMicros();
  stats_.BeginPhase(Phase::kRun, begin, outcome->run_started_wall_us);
  StopCondition stop(options_);
  if (absl::Status s = stop.Start(begin); !s.ok()) {
    outcome->error = std::string(s.message());
    outcome->stop_reason = "error";
    return;
  }

  const uint64_t n = outcome->prefill_keys;
  std::uniform_int_distribution<uint64_t> pick(0, ReadRangeEnd(n) - 1);
  std::string expected;
  RespReply reply;
  while (true) {
    Pace();
    int64_t now = Now();
    if (stop.Reached(now)) {
      outcome->stop_reason = stop.name();
      break;
    }
    if (MustStop(now, outcome)) {
      break;
    }
    uint64_t i = pick(rng_);
    const std::string& key = Key(i);
    if (Send({"GET", key}, key, &reply) == ExecStatus::kReply) {
      bool correct;
      if (i < n) {
        expected.clear();
        common::AppendInt64(&expected, static_cast<int64_t>(i));
        correct = reply.type == RespReply::Type::kBulkString && reply.str == expected;
      } else {
        correct = reply.IsNil();
      }
      if (correct) {
        stats_.RecordOk(Now(), op_shard_);
      } else {
        stats_.RecordFailure(FailureKind::kData, Now(),
                             "GET " + key + ": expected " +
                                 (i < n ? "\"" + expected + "\"" : std::string("(nil)")) +
                                 ", got " + reply.Describe(),
                             op_shard_);
      }
    }
    MaybePrintProgress(Phase::kRun);
  }
  stop.Finish();
  outcome->command_exit_status = stop.command_exit_status();
}

DowntimeRunner::ExecStatus DowntimeRunner::Send(const std::vector<std::string_view>& args,
                                                std::string_view key, RespReply* reply) {
  return router_ == nullptr ? Execute(link_, args, reply) : ExecuteRouted(args, key, reply);
}

DowntimeRunner::ExecStatus DowntimeRunner::Execute(DowntimeLink& link,
                                                   const std::vector<std::string_view>& args,
                                                   RespReply* reply, int64_t hold_us) {
  const int64_t start = Now();
  if (!PrepareLink(link, start)) {
    return ExecStatus::kFailed;
  }
  const int64_t op_timeout_us = int64_t{options_.op_timeout_ms} * 1000;
  ClientStatus s = link.client.Call(args, reply, Now() + op_timeout_us + hold_us);
  if (!s.ok()) {
    RecordCallFailure(link, s, args[0], start);
    return ExecStatus::kFailed;
  }
  if (reply->IsError()) {
    RecordOpFailure(&link, FailureKind::kError, start, std::string(args[0]) + ": -" + reply->str);
    return ExecStatus::kFailed;
  }
  EndOutage();
  return ExecStatus::kReply;
}

DowntimeRunner::ExecStatus DowntimeRunner::ExecuteRouted(const std::vector<std::string_view>& args,
                                                         std::string_view key, RespReply* reply) {
  const int slot = KeySlot(key);
  // Between operations, so that no link is in use and the time it takes is not the operation's
  // (during an outage it is downtime all the same: the outage ends with a reply).
  router_->MaybeRefresh(Now());
  ObserveSlotMap();
  op_shard_ = shards_.ShardOf(slot);
  const int64_t start = Now();
  const int64_t op_timeout_us = int64_t{options_.op_timeout_ms} * 1000;
  DowntimeLink* link = router_->LinkForSlot(slot);
  bool asking = false;
  int retries = 0;  // after -TRYAGAIN / -CLUSTERDOWN, for the pause
  for (int attempt = 1;; ++attempt) {
    if (link == nullptr) {
      // No node serves the slot as far as we know: no map at all (no node answered CLUSTER
      // SLOTS, like a server that cannot be reached), or a slot that no primary holds.
      router_->RequestRefresh();
      if (router_->map().empty()) {
        RecordOpFailure(nullptr, FailureKind::kConnection, start,
                        "no slot map: " + router_->last_refresh_error());
      } else {
        RecordOpFailure(nullptr, FailureKind::kError, start,
                        std::string(args[0]) + ": slot " + std::to_string(slot) +
                            " is served by no node in the slot map");
      }
      return ExecStatus::kFailed;
    }
    if (!PrepareLink(*link, start)) {
      router_->RequestRefresh();
      return ExecStatus::kFailed;
    }
    if (asking) {
      ClientStatus s = link->client.Call({"ASKING"}, reply, Now() + op_timeout_us);
      if (!s.ok()) {
        RecordCallFailure(*link, s, "ASKING", start);
        router_->RequestRefresh();
        return ExecStatus::kFailed;
      }
      if (reply->type != RespReply::Type::kSimpleString || reply->str != "OK") {
        RecordOpFailure(link, FailureKind::kError, start, "ASKING: " + reply->Describe());
        return ExecStatus::kFailed;
      }
    }
    ClientStatus s = link->client.Call(args, reply, Now() + op_timeout_us);
    if (!s.ok()) {
      RecordCallFailure(*link, s, args[0], start);
      router_->RequestRefresh();
      return ExecStatus::kFailed;
    }
    if (!reply->IsError()) {
      break;
    }
    Redirect redirect = ParseRedirect(reply->str);
    if (redirect.kind == Redirect::Kind::kNone) {
      RecordOpFailure(link, FailureKind::kError, start, std::string(args[0]) + ": -" + reply->str);
      return ExecStatus::kFailed;
    }
    if (attempt >= kMaxClusterAttempts || Now() - start >= op_timeout_us) {
      router_->RequestRefresh();
      RecordOpFailure(link, FailureKind::kError, start,
                      std::string(args[0]) + ": -" + reply->str + " (still, after " +
                          std::to_string(attempt) + " attempts)");
      return ExecStatus::kFailed;
    }
    if (redirect.target.host.empty()) {
      redirect.target.host = link->address.host;
    }
    switch (redirect.kind) {
      case Redirect::Kind::kMoved:
        stats_.RecordRedirect(Now(), op_shard_, false);
        router_->ApplyMoved(redirect.slot, redirect.target);
        link = &router_->LinkFor(redirect.target);
        asking = false;
        break;
      case Redirect::Kind::kAsk:
        stats_.RecordRedirect(Now(), op_shard_, true);
        link = &router_->LinkFor(redirect.target);
        asking = true;
        break;
      case Redirect::Kind::kTryAgain:
      case Redirect::Kind::kClusterDown:
        SleepUntil(std::min(start + op_timeout_us,
                            Now() + std::min(kMaxClusterRetryPauseUs, int64_t{1000} << retries)));
        retries = std::min(retries + 1, 16);
        if (redirect.kind == Redirect::Kind::kClusterDown) {
          // The slot may have a new owner (a failover under way); the refresh waits its turn.
          router_->RequestRefresh();
          router_->MaybeRefresh(Now());
          ObserveSlotMap();
        }
        link = router_->LinkForSlot(slot);
        asking = false;
        break;
      case Redirect::Kind::kNone:
        break;
    }
  }
  EndOutage();
  return ExecStatus::kReply;
}

bool DowntimeRunner::PrepareLink(DowntimeLink& link, int64_t op_start_us) {
  if (!link.client.connected()) {
    return Reconnect(link, op_start_us);
  }
  ready_at_us_ = op_start_us;
  MaybeReauthenticate(link, op_start_us);
  // A re-AUTH that broke the connection (timeout, reset) was counted as this operation's
  // failure; the next operation connects again.
  return link.client.connected();
}

void DowntimeRunner::EndOutage() {
  // The server answers again: the outage ended when this operation's connection was ready.
  if (outage_since_us_ >= 0) {
    stats_.AddDowntime(outage_since_us_, std::max(outage_since_us_, ready_at_us_));
    outage_since_us_ = -1;
  }
  if (op_shard_ >= 0 && shard_outage_since_us_[op_shard_] >= 0) {
    int64_t since = shard_outage_since_us_[op_shard_];
    stats_.AddShardDowntime(op_shard_, since, std::max(since, ready_at_us_));
    shard_outage_since_us_[op_shard_] = -1;
  }
  consecutive_failures_ = 0;
}

ClientStatus DowntimeRunner::OpenLink(DowntimeLink& link, int64_t connect_deadline_us) {
  // The secret is read before connecting, on every attempt: a rotated --password-file is used
  // from the next connection on, and an unreadable one fails this attempt (and is retried after
  // the back-off) like a refused connection.
  std::string password = options_.password;
  if (!options_.password_file.empty()) {
    // stat() before reading: if the file changes in between, the next check sees a new
    // identity and reads it again.
    FileIdentity id = StatPasswordFile();
    absl::StatusOr<std::string> secret = ReadPasswordFile(options_.password_file);
    if (!secret.ok()) {
      file_identity_ = {};
      return {ClientError::kConnect, std::string(secret.status().message())};
    }
    file_identity_ = id;
    file_password_ = *secret;
    password = std::move(*secret);
  }
  ClientStatus s = link.client.Connect(connect_deadline_us);
  if (s.ok() && !password.empty()) {
    std::vector<std::string_view> auth = {"AUTH"};
    if (!options_.user.empty()) {
      auth.push_back(options_.user);
    }
    auth.push_back(password);
    RespReply reply;
    s = link.client.Call(auth, &reply, Now() + int64_t{options_.op_timeout_ms} * 1000);
    if (s.ok() && reply.IsError()) {
      s = {ClientError::kConnect, "-" + reply.str};
    }
    if (!s.ok()) {
      s.message = "AUTH: " + s.message;
    }
  }
  if (!s.ok()) {
    link.client.Close();
    return s;
  }
  link.ever_connected = true;
  link.password = std::move(password);
  link.next_file_check_us = Now() + int64_t{options_.reauth_check_ms} * 1000;
  return s;
}

bool DowntimeRunner::Reconnect(DowntimeLink& link, int64_t op_start_us) {
  const bool reconnect = link.ever_connected;
  ClientStatus s = OpenLink(link, op_start_us + int64_t{options_.connect_timeout_ms} * 1000);
  if (!s.ok()) {
    RecordOpFailure(&link, FailureKind::kConnection, op_start_us, std::move(s.message));
    return false;
  }
  ready_at_us_ = Now();
  if (reconnect) {
    stats_.RecordReconnect(ready_at_us_, op_shard_);
  }
  return true;
}

DowntimeRunner::FileIdentity DowntimeRunner::StatPasswordFile() const {
  struct stat st;
  if (::stat(options_.password_file.c_str(), &st) != 0) {
    return {};
  }
  return {true,
          static_cast<uint64_t>(st.st_dev),
          static_cast<uint64_t>(st.st_ino),
          static_cast<int64_t>(st.st_size),
          Nanos(st.st_mtim),
          Nanos(st.st_ctim)};
}

void DowntimeRunner::RefreshFilePassword() {
  FileIdentity id = StatPasswordFile();
  if (!id.valid) {
    file_identity_ = {};
    return;
  }
  if (id == file_identity_) {
    return;
  }
  absl::StatusOr<std::string> secret = ReadPasswordFile(options_.password_file);
  if (!secret.ok()) {
    // Half-written, emptied or unreadable: keep the last good secret and look again next time.
    file_identity_ = {};
    return;
  }
  file_identity_ = id;
  file_password_ = std::move(*secret);
}

void DowntimeRunner::MaybeReauthenticate(DowntimeLink& link, int64_t now_us) {
  if (options_.password_file.empty() || options_.reauth_check_ms <= 0 ||
      now_us < link.next_file_check_us) {
    return;
  }
  link.next_file_check_us = now_us + int64_t{options_.reauth_check_ms} * 1000;
  RefreshFilePassword();
  if (file_password_.empty() || file_password_ == link.password) {
    return;
  }
  if (file_password_ == refused_password_ && now_us < next_reauth_attempt_us_) {
    return;
  }
  std::vector<std::string_view> auth = {"AUTH"};
  if (!options_.user.empty()) {
    auth.push_back(options_.user);
  }
  auth.push_back(file_password_);
  RespReply reply;
  const int64_t start = Now();
  ClientStatus s = link.client.Call(auth, &reply, start + int64_t{options_.op_timeout_ms} * 1000);
  if (!s.ok()) {
    // The connection is unusable now: a failed operation like any other, and a failed re-AUTH.
    stats_.RecordReauth(Now(), false);
    FailureKind kind =
        s.error == ClientError::kTimeout ? FailureKind::kTimeout : FailureKind::kError;
    RecordOpFailure(&link, kind, start, "re-AUTH: " + s.message);
    return;
  }
  if (reply.type != RespReply::Type::kSimpleString || reply.str != "OK") {
    // Refused (-WRONGPASS): the server keeps the connection authenticated as before, so keep
    // using it; offer this password again in a second if the file still holds it.
    int64_t now = Now();
    stats_.RecordReauth(now, false);
    last_failure_ = "re-AUTH: " + (reply.IsError() ? "-" + reply.str : reply.Describe());
    stats_.RecordFailure(FailureKind::kError, now, last_failure_, op_shard_);
    refused_password_ = file_password_;
    next_reauth_attempt_us_ = now + kReauthRetryUs;
    return;
  }
  link.password = file_password_;
  refused_password_.clear();
  stats_.RecordReauth(Now(), true);
}

void DowntimeRunner::RecordOpFailure(DowntimeLink* link, FailureKind kind, int64_t op_start_us,
                                     std::string message) {
  if (link != nullptr) {
    link->client.Close();
  }
  last_failure_ = message;
  stats_.RecordFailure(kind, Now(), std::move(message), op_shard_);
  if (outage_since_us_ < 0) {
    outage_since_us_ = op_start_us;
  }
  if (op_shard_ >= 0 && shard_outage_since_us_[op_shard_] < 0) {
    shard_outage_since_us_[op_shard_] = op_start_us;
  }
  BackOff();
  // Count the outage so far now rather than when it ends, so that the per-second rows and the
  // progress line show it while it lasts.
  int64_t now = Now();
  stats_.AddDowntime(outage_since_us_, now);
  outage_since_us_ = now;
}

void DowntimeRunner::RecordCallFailure(DowntimeLink& link, const ClientStatus& status,
                                       std::string_view what, int64_t op_start_us) {
  RecordOpFailure(&link, KindOfClientError(status.error), op_start_us,
                  std::string(what) + ": " + status.message);
}

void DowntimeRunner::ObserveSlotMap() {
  if (router_->map_version() == observed_map_version_) {
    return;
  }
  observed_map_version_ = router_->map_version();
  shards_.Observe(router_->map(), common::UnixMicros());
  shard_outage_since_us_.resize(shards_.size(), -1);
}

void DowntimeRunner::BackOff() {
  ++consecutive_failures_;
  int64_t delay = std::min<int64_t>(kMaxBackOffUs, 1000 << std::min(consecutive_failures_ - 1, 4));
  SleepUntil(Now() + delay);
}

void DowntimeRunner::Pace() {
  if (options_.rate <= 0) {
    return;
  }
  int64_t now = Now();
  if (next_op_us_ > now) {
    SleepUntil(next_op_us_);
  } else if (now - next_op_us_ > common::kMicrosPerSecond) {
    // Far behind (an outage): start the schedule again instead of bursting to catch up.
    next_op_us_ = now;
  }
  next_op_us_ += std::max<int64_t>(1, static_cast<int64_t>(1e6 / options_.rate));
}

void DowntimeRunner::MaybePrintProgress(Phase phase) {
  if (options_.quiet) {
    return;
  }
  int64_t now = Now();
  if (now < next_progress_us_) {
    return;
  }
  while (next_progress_us_ <= now) {
    next_progress_us_ += common::kMicrosPerSecond;
  }
  std::string line =
      FormatProgressLine(static_cast<double>(now - start_us_) / common::kMicrosPerSecond, phase,
                         stats_.totals(), options_.cluster);
  std::fprintf(stderr, "%s\n", line.c_str());
}

bool DowntimeRunner::MustStop(int64_t now_us, DowntimeOutcome* outcome) const {
  if (StopRequested()) {
    outcome->stop_reason = "signal";
    return true;
  }
  if (now_us >= cap_us_) {
    outcome->stop_reason = "max-seconds";
    return true;
  }
  return false;
}

const std::string& DowntimeRunner::Key(uint64_t i) {
  key_.resize(options_.key_prefix.size());
  common::AppendInt64(&key_, static_cast<int64_t>(i));
  return key_;
}

}  // namespace redoubt::tools
