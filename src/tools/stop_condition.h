// When redoubt-downtime's measured phase ends: after a duration, once a file exists, or when a
// command it runs (the operator's change, e.g. a script that rotates certificates) exits.
//
// The command runs as `/bin/sh -c CMD` in its own process group, so that if the tool has to stop
// it (--max-seconds, Ctrl-C) it can end the command and everything the command started, and
// nothing else.
//
// Thread: confined to the tool's single thread.
#pragma once

#include <absl/status/status.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "tools/downtime_options.h"

namespace redoubt::tools {

class StopCondition {
 public:
  explicit StopCondition(const DowntimeOptions& options);
  ~StopCondition();
  StopCondition(const StopCondition&) = delete;
  StopCondition& operator=(const StopCondition&) = delete;

  // Starts the clock at monotonic `mono_us`, and the command for kUntilCommand.
  [[nodiscard]] absl::Status Start(int64_t mono_us);
  // Whether the phase should end. Looks at the file or the child at most every 10 ms, so that
  // calling it after every operation costs nothing measurable.
  bool Reached(int64_t mono_us);
  // Ends the command if it is still running (SIGTERM to its process group, SIGKILL after 2 s)
  // and reaps it.
  void Finish();

  // "duration", "until-file" or "until-command".
  const char* name() const;
  // The command's exit status (128 + signal number if a signal ended it); nullopt while it runs
  // or when there is no command.
  std::optional<int> command_exit_status() const { return exit_status_; }

 private:
  // Reaps the child without waiting; true once it has exited.
  bool PollChild();

  const StopMode mode_;
  const int64_t duration_us_;
  const std::string until_file_;
  const std::string until_command_;

  int64_t start_us_ = 0;
  int64_t next_check_us_ = 0;
  pid_t child_ = -1;
  std::optional<int> exit_status_;
};

}  // namespace redoubt::tools
