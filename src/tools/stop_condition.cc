// End of redoubt-downtime's measured phase; see stop_condition.h.
#include "tools/stop_condition.h"

#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <cerrno>
#include <cstring>

#include "common/clock.h"

extern char** environ;

namespace redoubt::tools {
namespace {

constexpr int64_t kCheckIntervalUs = 10 * 1000;
constexpr int64_t kKillGraceUs = 2 * 1000 * 1000;

}  // namespace

StopCondition::StopCondition(const DowntimeOptions& options)
    : mode_(options.stop_mode),
      duration_us_(static_cast<int64_t>(options.duration_seconds * 1e6)),
      until_file_(options.until_file),
      until_command_(options.until_command) {}

StopCondition::~StopCondition() {
  Finish();
}

absl::Status StopCondition::Start(int64_t mono_us) {
  start_us_ = mono_us;
  next_check_us_ = mono_us;
  if (mode_ != StopMode::kUntilCommand) {
    return absl::OkStatus();
  }
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  const char* argv[] = {"sh", "-c", until_command_.c_str(), nullptr};
  int rc = posix_spawn(&child_, "/bin/sh", nullptr, &attr, const_cast<char* const*>(argv), environ);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    child_ = -1;
    return absl::InternalError("cannot run --until-command: " + std::string(std::strerror(rc)));
  }
  return absl::OkStatus();
}

bool StopCondition::Reached(int64_t mono_us) {
  switch (mode_) {
    case StopMode::kDuration:
      return mono_us - start_us_ >= duration_us_;
    case StopMode::kUntilFile:
    case StopMode::kUntilCommand:
      break;
  }
  if (mono_us < next_check_us_) {
    return false;
  }
  next_check_us_ = mono_us + kCheckIntervalUs;
  if (mode_ == StopMode::kUntilFile) {
    struct stat st;
    return stat(until_file_.c_str(), &st) == 0;
  }
  return PollChild();
}

bool StopCondition::PollChild() {
  if (child_ < 0) {
    return true;
  }
  int status = 0;
  pid_t rc = waitpid(child_, &status, WNOHANG);
  if (rc == 0) {
    return false;
  }
  if (rc == child_) {
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  child_ = -1;
  return true;
}

void StopCondition::Finish() {
  if (child_ < 0 || PollChild()) {
    return;
  }
  // The command is in its own process group (POSIX_SPAWN_SETPGROUP), whose id is its pid.
  kill(-child_, SIGTERM);
  int64_t deadline = common::MonotonicMicros() + kKillGraceUs;
  while (!PollChild()) {
    if (common::MonotonicMicros() >= deadline) {
      kill(-child_, SIGKILL);
      int status = 0;
      if (waitpid(child_, &status, 0) == child_) {
        exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      child_ = -1;
      return;
    }
    timespec pause{0, 10 * 1000 * 1000};
    nanosleep(&pause, nullptr);
  }
}

const char* StopCondition::name() const {
  switch (mode_) {
    case StopMode::kDuration:
      return "duration";
    case StopMode::kUntilFile:
      return "until-file";
    case StopMode::kUntilCommand:
      return "until-command";
  }
  return "duration";
}

}  // namespace redoubt::tools
