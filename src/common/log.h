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

#include <string>
#include <string_view>

namespace redoubt::common {

enum class LogLevel { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3, kNothing = 4 };

// path empty: stdout. Returns false when the file cannot be opened (stdout is used then).
bool OpenLog(const std::string& path);
void SetLogLevel(LogLevel level);
LogLevel ParseLogLevel(std::string_view name);
void Log(LogLevel level, std::string_view message);

}  // namespace redoubt::common
