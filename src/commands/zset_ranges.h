// The range arguments of the sorted-set commands, read as Redis 7.0 reads them: score bounds
// ("1.5", "(1.5", "-inf", "+inf"; strtod's rules, so a leading space or an empty string is a
// bound, as in Redis's zslParseRange) and lex bounds ("-", "+", "[member", "(member"). Rank
// ranges are common::ClampRange's.
//
// Thread: per command.
#pragma once

#include <cstddef>
#include <string_view>

#include "commands/command_context.h"
#include "storage/sorted_table.h"

namespace redoubt::commands {

inline constexpr std::string_view kErrScoreRange = "ERR min or max is not a float";
inline constexpr std::string_view kErrLexRange = "ERR min or max not valid string range item";

struct ScoreRange {
  storage::ScoreBound min;
  storage::ScoreBound max;
};

struct LexRange {
  storage::LexBound min;
  storage::LexBound max;
};

// False after replying kErrScoreRange / kErrLexRange.
bool ParseScoreRangeOrReply(CommandContext& ctx, std::string_view min, std::string_view max,
                            ScoreRange* out);
bool ParseLexRangeOrReply(CommandContext& ctx, std::string_view min, std::string_view max,
                          LexRange* out);

}  // namespace redoubt::commands
