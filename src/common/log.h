// Server log in redis-server's line format ("pid:M 23 Nov 2026 12:00:00.123 * message"),
// to the logfile or stdout. Never called on the hot path of a request: count instead.
//
// One message is one line, whatever it holds: Log() writes every control byte of the message
// (below 0x20, and 0x7f) as \xHH, so text a client chose (a user name with "\n", a terminal
// escape) can neither start a forged line nor reach the operator's terminal raw. Put such text
// through common::Repr() (common/repr.h) as well: it quotes and escapes it as Redis's sdscatrepr
// does, so it cannot pass for the words around it either.
//
// Thread: thread-safe (one mutex around each line).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace redoubt::common {

enum class LogLevel { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3, kNothing = 4 };

// path empty: stdout. Returns false when the file cannot be opened (stdout is used then).
bool OpenLog(const std::string& path);
void SetLogLevel(LogLevel level);
LogLevel ParseLogLevel(std::string_view name);
void Log(LogLevel level, std::string_view message);
// The role each line shows after the pid, as Redis's: a replica's lines carry S.
void SetLogRole(bool replica);
// Whether a message at `level` would be written (to skip building one that would not).
bool LogEnabled(LogLevel level);

// A place in the code that clients, or a failing environment, can make log again and again (a
// refused AUTH, a failed handshake, accept4 out of descriptors): at most `burst` lines per
// interval from it. Lines over that are dropped and counted; the first line of the next
// interval ends with " (N similar messages suppressed)". An interval starts with the first line
// after the previous one ended, on the monotonic clock (a wall-clock jump cannot stall it).
// Declare one per place, as a static or a member.
//
// Thread: any thread; the dropping path is two relaxed atomic operations.
class LogThrottle {
 public:
  // clock_ms: monotonic milliseconds; tests pass a clock of their own.
  constexpr LogThrottle(int64_t interval_ms, int burst, int64_t (*clock_ms)() = MonotonicMillis)
      : interval_ms_(interval_ms), burst_(burst), clock_ms_(clock_ms) {}
  // make() builds the message; it is called only when the line will be written.
  template <typename MakeMessage>
  void Log(LogLevel level, MakeMessage&& make) {
    if (!LogEnabled(level)) {
      return;
    }
    uint64_t dropped = 0;
    if (!Admit(clock_ms_(), &dropped)) {
      return;
    }
    std::string message = make();
    if (dropped > 0) {
      message += " (" + std::to_string(dropped) + " similar messages suppressed)";
    }
    common::Log(level, message);
  }

 private:
  // True when a line may be written at now_ms; then *dropped is the number of lines suppressed
  // since the last one written.
  bool Admit(int64_t now_ms, uint64_t* dropped);

  const int64_t interval_ms_;
  const int burst_;
  int64_t (*const clock_ms_)();
  std::atomic<int64_t> window_start_ms_{0};
  std::atomic<int> in_window_{0};
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace redoubt::common
