// What the blocking commands (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP)
// share: their timeout argument, read as Redis 7.0's getTimeoutFromObjectOrReply reads it
// (seconds as a float, 0 for ever), and the step taken when none of their keys has anything:
// wait for them, or answer "nothing" at once when the client cannot wait (Client::can_block).
//
// How a wait ends (a key stored anew, the deadline, CLIENT UNBLOCK) is the client's business:
// see server/blocking_registry.h.
//
// Thread: per command.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "commands/command_context.h"
#include "commands/mpop_arguments.h"
#include "storage/entry.h"

namespace redoubt::commands {

// The absolute Unix ms deadline of a timeout argument (0: none); false after replying "ERR
// timeout is not a float or out of range", "ERR timeout is negative" or "ERR timeout is out of
// range".
bool ParseBlockTimeoutOrReply(CommandContext& ctx, std::string_view arg, int64_t* deadline_ms);

// XREAD's and XREADGROUP's BLOCK argument: integer milliseconds (0: for ever), as Redis 7.0's
// getTimeoutFromObjectOrReply reads them; *deadline_ms as above. False after replying "ERR
// timeout is not an integer or out of range", "ERR timeout is negative" or "ERR timeout is out
// of range".
bool ParseBlockMillisOrReply(CommandContext& ctx, std::string_view arg, int64_t* deadline_ms);

// Waits for keys until deadline_ms, or, when the client cannot wait, replies a null array (or a
// null bulk string when null_bulk: BLMOVE and BRPOPLPUSH, as their non-blocking forms).
void WaitOrReplyNull(CommandContext& ctx, std::span<const std::string_view> keys,
                     int64_t deadline_ms, bool null_bulk = false);

// The key to pop from (for writing) if it holds `type`: *e = its entry, or nullptr when there is
// nothing to pop (missing, or of another type while a blocked command runs again, as Redis 7.0
// serves a blocked client only from a key of the type it waits for); false after replying
// WRONGTYPE.
bool FindKeyToPopOrReply(CommandContext& ctx, std::string_view key, storage::ValueType type,
                         storage::Entry** e);

// BLPOP, BRPOP, BZPOPMIN, BZPOPMAX: key [key ...] timeout. pop_and_reply(key, entry) serves the
// first key holding `type`; with none, the command waits.
void PopFirstOrWait(
    CommandContext& ctx, storage::ValueType type,
    const std::function<void(std::string_view key, storage::Entry* e)>& pop_and_reply);

// BLMPOP, BZMPOP: timeout numkeys key [key ...] <end> [COUNT count], the ends named by
// first_end and second_end. pop_or_reply pops from the first non-empty key and replies, or
// returns false when every key is empty; then the command waits.
void MpopOrWait(CommandContext& ctx, std::string_view first_end, std::string_view second_end,
                bool (*pop_or_reply)(CommandContext& ctx, const MpopArguments& args));

}  // namespace redoubt::commands
