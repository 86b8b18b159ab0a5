// The arguments the stream commands share, read as Redis 7.0's t_stream.c reads them: entry ids
// ("1526919030474-55", "1526919030474" with the sequence implied, "-" and "+", "(" for an
// exclusive range end, "<ms>-*" for XADD), and XADD's and XTRIM's trimming options (MAXLEN /
// MINID with "=" or "~", LIMIT). On a bad argument each parser writes Redis's error and returns
// false.
//
// Thread: per command.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "commands/command_context.h"
#include "storage/stream_id.h"
#include "storage/stream_value.h"

namespace redoubt::commands {

inline constexpr std::string_view kErrInvalidStreamId =
    "ERR Invalid stream ID specified as stream command argument";

// An id as streamGenericParseIDOrReply reads it: "<ms>-<seq>", or "<ms>" with the sequence
// `missing_seq`; "-" and "+" are 0-0 and the largest id unless `strict`. With seq_given
// non-null, "<ms>-*" is accepted too and *seq_given says whether the sequence was given.
bool ParseStreamIdOrReply(CommandContext& ctx, std::string_view arg, uint64_t missing_seq,
                          bool strict, bool* seq_given, storage::StreamId* out);

// The same, strict, without an error reply: XCLAIM's ids end where its options begin.
bool ParseStreamIdQuietly(std::string_view arg, storage::StreamId* out);

// A range end of XRANGE / XREVRANGE (and XPENDING): "(" before an id excludes it, by moving to
// the next id (a start) or the previous one (an end); "ERR invalid start ID for the interval"
// / "ERR invalid end ID for the interval" when there is none.
bool ParseRangeStartOrReply(CommandContext& ctx, std::string_view arg, storage::StreamId* out);
bool ParseRangeEndOrReply(CommandContext& ctx, std::string_view arg, storage::StreamId* out);

// XADD's and XTRIM's options (streamParseAddOrTrimArgsOrReply).
struct StreamAddArguments {
  storage::StreamTrim trim;
  // The index of MAXLEN's / MINID's value in the arguments, for the rewrite an approximate trim
  // is propagated with.
  size_t trim_arg_index = 0;
  // XADD: the id argument's index, whether an id other than "*" was given, and whether its
  // sequence was (not "<ms>-*").
  size_t id_index = 0;
  bool id_given = false;
  bool seq_given = true;
  storage::StreamId id;
  bool no_mkstream = false;
};

// Reads the options from args[2]; for XADD (`xadd`) up to and including the id. False after
// replying.
bool ParseStreamAddArgumentsOrReply(CommandContext& ctx, bool xadd, StreamAddArguments* out);

}  // namespace redoubt::commands
