// redoubt-downtime's measuring loop; see downtime_runner.h.
#include "tools/downtime_runner.h"

#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <cstdio>

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

}  // namespace

DowntimeRunner::DowntimeRunner(const DowntimeOptions& options, const TlsClientContext* tls,
                               DowntimeStats* stats)
    : options_(options),
      stats_(*stats),
      client_(options.host, options.port, options.tls ? tls : nullptr),
      rng_(std::random_device{}()),
      key_(options.key_prefix) {}

DowntimeOutcome DowntimeRunner::Run() {
  DowntimeOutcome outcome;
  start_us_ = Now();
  cap_us_ = start_us_ + static_cast<int64_t>(options_.max_seconds * 1e6);
  next_op_us_ = start_us_;
  next_progress_us_ = start_us_ + common::kMicrosPerSecond;
  outcome.started_wall_us = common::UnixMicros();
  stats_.BeginPhase(Phase::kPrefill, start_us_, outcome.started_wall_us);

  Prefill(&outcome);
  if (outcome.prefill_ok && outcome.stop_reason.empty()) {
    Measure(&outcome);
  }

  int64_t end = Now();
  if (outage_since_us_ >= 0) {
    stats_.AddDowntime(outage_since_us_, end);
    outage_since_us_ = -1;
  }
  stats_.Finish(end);
  outcome.ended_wall_us = common::UnixMicros();
  client_.Close();
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
    if (Execute({"SET", key, value_}, &reply) == ExecStatus::kReply) {
      if (reply.type == RespReply::Type::kSimpleString && reply.str == "OK") {
        stats_.RecordOk(Now());
        ++n;
      } else {
        stats_.RecordFailure(FailureKind::kData, Now(),
                             "SET " + key + ": expected OK, got " + reply.Describe());
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
}

void DowntimeRunner::DeleteBeyondPrefill(uint64_t first, uint64_t end) {
  const int64_t give_up = Now() + kDeleteRetryUs;
  uint64_t deleted = 0;
  std::vector<std::string> keys;
  std::vector<std::string_view> args;
  RespReply reply;
  while (first < end) {
    keys.clear();
    for (uint64_t i = first; i < std::min(end, first + kDeleteBatch); ++i) {
      keys.push_back(Key(i));
    }
    args.assign({"DEL"});
    args.insert(args.end(), keys.begin(), keys.end());
    int64_t now = Now();
    if (now >= give_up || now >= cap_us_ || StopRequested()) {
      std::fprintf(stderr,
                   "redoubt-downtime: could not delete keys %s%llu and above; reads of them may "
                   "count as data errors\n",
                   options_.key_prefix.c_str(), static_cast<unsigned long long>(first));
      return;
    }
    if (Execute(args, &reply) == ExecStatus::kReply) {
      stats_.RecordOk(Now());
      if (reply.type == RespReply::Type::kInteger) {
        deleted += static_cast<uint64_t>(std::max<int64_t>(0, reply.integer));
      }
      first += keys.size();
    }
  }
  if (deleted > 0 && !options_.quiet) {
    std::fprintf(stderr, "redoubt-downtime: deleted %llu leftover keys above the prefilled range\n",
                 static_cast<unsigned long long>(deleted));
  }
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
    if (Execute({"GET", key}, &reply) == ExecStatus::kReply) {
      bool correct;
      if (i < n) {
        expected.clear();
        common::AppendInt64(&expected, static_cast<int64_t>(i));
        correct = reply.type == RespReply::Type::kBulkString && reply.str == expected;
      } else {
        correct = reply.IsNil();
      }
      if (correct) {
        stats_.RecordOk(Now());
      } else {
        stats_.RecordFailure(FailureKind::kData, Now(),
                             "GET " + key + ": expected " +
                                 (i < n ? "\"" + expected + "\"" : std::string("(nil)")) +
                                 ", got " + reply.Describe());
      }
    }
    MaybePrintProgress(Phase::kRun);
  }
  stop.Finish();
  outcome->command_exit_status = stop.command_exit_status();
}

DowntimeRunner::ExecStatus DowntimeRunner::Execute(const std::vector<std::string_view>& args,
                                                   RespReply* reply) {
  const int64_t start = Now();
  if (!client_.connected()) {
    if (!Reconnect(start)) {
      return ExecStatus::kFailed;
    }
  } else {
    ready_at_us_ = start;
    MaybeReauthenticate(start);
    if (!client_.connected()) {
      // The re-AUTH broke the connection (timeout, reset) and was counted as this operation's
      // failure; the next operation connects again.
      return ExecStatus::kFailed;
    }
  }
  const int64_t op_timeout_us = int64_t{options_.op_timeout_ms} * 1000;
  ClientStatus s = client_.Call(args, reply, Now() + op_timeout_us);
  if (!s.ok()) {
    FailureKind kind = s.error == ClientError::kTimeout   ? FailureKind::kTimeout
                       : s.error == ClientError::kConnect ? FailureKind::kConnection
                                                          : FailureKind::kError;
    RecordOpFailure(kind, start, std::string(args[0]) + ": " + s.message);
    return ExecStatus::kFailed;
  }
  if (reply->IsError()) {
    RecordOpFailure(FailureKind::kError, start, std::string(args[0]) + ": -" + reply->str);
    return ExecStatus::kFailed;
  }
  // The server answers again: the outage ended when this operation's connection was ready.
  if (outage_since_us_ >= 0) {
    stats_.AddDowntime(outage_since_us_, std::max(outage_since_us_, ready_at_us_));
    outage_since_us_ = -1;
  }
  consecutive_failures_ = 0;
  return ExecStatus::kReply;
}

bool DowntimeRunner::Reconnect(int64_t op_start_us) {
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
      RecordOpFailure(FailureKind::kConnection, op_start_us,
                      std::string(secret.status().message()));
      return false;
    }
    file_identity_ = id;
    file_password_ = *secret;
    password = std::move(*secret);
  }
  ClientStatus s = client_.Connect(op_start_us + int64_t{options_.connect_timeout_ms} * 1000);
  if (s.ok() && !password.empty()) {
    std::vector<std::string_view> auth = {"AUTH"};
    if (!options_.user.empty()) {
      auth.push_back(options_.user);
    }
    auth.push_back(password);
    RespReply reply;
    s = client_.Call(auth, &reply, Now() + int64_t{options_.op_timeout_ms} * 1000);
    if (s.ok() && reply.IsError()) {
      s = {ClientError::kConnect, "-" + reply.str};
    }
    if (!s.ok()) {
      s.message = "AUTH: " + s.message;
    }
  }
  if (!s.ok()) {
    RecordOpFailure(FailureKind::kConnection, op_start_us, std::move(s.message));
    return false;
  }
  ready_at_us_ = Now();
  if (ever_connected_) {
    stats_.RecordReconnect(ready_at_us_);
  }
  ever_connected_ = true;
  connection_password_ = std::move(password);
  next_file_check_us_ = ready_at_us_ + int64_t{options_.reauth_check_ms} * 1000;
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

void DowntimeRunner::MaybeReauthenticate(int64_t now_us) {
  if (options_.password_file.empty() || options_.reauth_check_ms <= 0 ||
      now_us < next_file_check_us_) {
    return;
  }
  next_file_check_us_ = now_us + int64_t{options_.reauth_check_ms} * 1000;
  RefreshFilePassword();
  if (file_password_.empty() || file_password_ == connection_password_) {
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
  ClientStatus s = client_.Call(auth, &reply, start + int64_t{options_.op_timeout_ms} * 1000);
  if (!s.ok()) {
    // The connection is unusable now: a failed operation like any other, and a failed re-AUTH.
    stats_.RecordReauth(Now(), false);
    FailureKind kind =
        s.error == ClientError::kTimeout ? FailureKind::kTimeout : FailureKind::kError;
    RecordOpFailure(kind, start, "re-AUTH: " + s.message);
    return;
  }
  if (reply.type != RespReply::Type::kSimpleString || reply.str != "OK") {
    // Refused (-WRONGPASS): the server keeps the connection authenticated as before, so keep
    // using it; offer this password again in a second if the file still holds it.
    int64_t now = Now();
    stats_.RecordReauth(now, false);
    last_failure_ = "re-AUTH: " + (reply.IsError() ? "-" + reply.str : reply.Describe());
    stats_.RecordFailure(FailureKind::kError, now, last_failure_);
    refused_password_ = file_password_;
    next_reauth_attempt_us_ = now + kReauthRetryUs;
    return;
  }
  connection_password_ = file_password_;
  refused_password_.clear();
  stats_.RecordReauth(Now(), true);
}

void DowntimeRunner::RecordOpFailure(FailureKind kind, int64_t op_start_us, std::string message) {
  client_.Close();
  last_failure_ = message;
  stats_.RecordFailure(kind, Now(), std::move(message));
  if (outage_since_us_ < 0) {
    outage_since_us_ = op_start_us;
  }
  BackOff();
  // Count the outage so far now rather than when it ends, so that the per-second rows and the
  // progress line show it while it lasts.
  int64_t now = Now();
  stats_.AddDowntime(outage_since_us_, now);
  outage_since_us_ = now;
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
  std::string line = FormatProgressLine(
      static_cast<double>(now - start_us_) / common::kMicrosPerSecond, phase, stats_.totals());
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
