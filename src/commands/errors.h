// Error replies with Redis 7's exact texts, and argument parsers that reply with them.
// A function that writes an error reply itself ends in OrReply (CONTRIBUTING.md, "Naming").
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "commands/command_context.h"
#include "common/op_status.h"
#include "storage/entry.h"
#include "storage/keyspace.h"

namespace redoubt::commands {

inline constexpr std::string_view kErrWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kErrNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kErrNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kErrSyntax = "ERR syntax error";
inline constexpr std::string_view kErrMisconf =
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to "
    "disk. Commands that may modify the data set are disabled, because this instance is "
    "configured to report errors during writes if RDB snapshotting fails "
    "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB "
    "error.";
inline constexpr std::string_view kErrOverflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view kErrNotFinite = "ERR increment would produce NaN or Infinity";
inline constexpr std::string_view kErrNoSuchKey = "ERR no such key";
inline constexpr std::string_view kErrReadOnlyReplica =
    "READONLY You can't write against a read only replica.";
inline constexpr std::string_view kErrNoReplicas = "NOREPLICAS Not enough good replicas to write.";
// Any command but the few marked allow-busy while a script runs past busy-reply-threshold.
inline constexpr std::string_view kErrBusyScript =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
inline constexpr std::string_view kErrBusyFunction =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
inline constexpr std::string_view kErrOom =
    "OOM command not allowed when used memory > 'maxmemory'.";
inline constexpr std::string_view kErrStringTooLong =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr std::string_view kErrDbIndex = "ERR DB index is out of range";
inline constexpr std::string_view kErrBitOffset =
    "ERR bit offset is not an integer or out of range";
inline constexpr std::string_view kErrBitValue = "ERR bit is not an integer or out of range";
inline constexpr std::string_view kErrOffsetOutOfRange = "ERR offset is out of range";
inline constexpr std::string_view kErrMustBePositive =
    "ERR value is out of range, must be positive";
inline constexpr std::string_view kErrSameObject =
    "ERR source and destination objects are the same";
// Refusals of the dispatcher's stages (dispatcher.h).
inline constexpr std::string_view kErrNoAuth = "NOAUTH Authentication required.";
inline constexpr std::string_view kErrNoPermKey =
    "NOPERM this user has no permissions to access one of the keys used as arguments";
inline constexpr std::string_view kErrNoPermChannel =
    "NOPERM this user has no permissions to access one of the channels used as arguments";

// Text for a failed OpStatus (without "-").
std::string_view ErrorText(common::OpStatus status);
void ReplyError(CommandContext& ctx, common::OpStatus status);

// "ERR wrong number of arguments for 'get' command"
std::string WrongArityText(std::string_view command_name);
// "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
std::string UnknownCommandText(std::span<const std::string_view> args);
// "ERR unknown subcommand 'foo'. Try CONFIG HELP." (command_name in any case)
std::string UnknownSubcommandText(std::string_view command_name, std::string_view subcommand);
// "NOPERM this user has no permissions to run the 'get' command"
std::string NoPermCommandText(std::string_view command_name);
// "ERR invalid expire time in 'set' command"
std::string InvalidExpireText(std::string_view command_name);

// Argument parsers: on failure they write the error and return false.
bool ParseInt64OrReply(CommandContext& ctx, std::string_view arg, int64_t* out,
                       std::string_view error = kErrNotInteger);
// Redis's getIntFromObjectOrReply: an int64 that must also fit in an int. A caller's own error
// text (SWAPDB's) answers both failures; without one, Redis words the range error separately.
bool ParseIntOrReply(CommandContext& ctx, std::string_view arg, int* out,
                     std::string_view error = {});
// Redis's getRangeLongFromObjectOrReply: an int64 in [min, max]; outside it, the caller's error
// or "ERR value is out of range, value must between <min> and <max>".
bool ParseInt64InRangeOrReply(CommandContext& ctx, std::string_view arg, int64_t min, int64_t max,
                              int64_t* out, std::string_view error = {});
bool ParseDoubleOrReply(CommandContext& ctx, std::string_view arg, double* out);
bool ParseDbIndexOrReply(CommandContext& ctx, std::string_view arg, int* out);
// The key at args[1] if it holds `type` (*out = its entry), or is missing (*out = nullptr);
// false after replying WRONGTYPE. Every typed command's first step.
bool FindKeyOfTypeOrReply(CommandContext& ctx, storage::ValueType type, storage::Access access,
                          storage::Entry** out);
// The same for another key of the command.
bool FindKeyOfTypeOrReply(CommandContext& ctx, std::string_view key, storage::ValueType type,
                          storage::Access access, storage::Entry** out);
// A SCAN/HSCAN cursor, as Redis reads it ("ERR invalid cursor").
bool ParseScanCursorOrReply(CommandContext& ctx, std::string_view arg, uint64_t* out);

}  // namespace redoubt::commands
