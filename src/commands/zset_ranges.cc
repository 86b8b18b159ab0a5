// Sorted-set range arguments; see zset_ranges.h.
#include "commands/zset_ranges.h"

#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>

namespace redoubt::commands {
namespace {

// strtod over the text up to its first NUL (Redis hands strtod the sds), whole or nothing.
std::optional<storage::ScoreBound> ParseScoreBound(std::string_view arg) {
  storage::ScoreBound bound;
  if (!arg.empty() && arg[0] == '(') {
    bound.exclusive = true;
    arg.remove_prefix(1);
  }
  std::string text(arg);
  char* end = nullptr;
  bound.value = std::strtod(text.c_str(), &end);
  if (*end != '\0' || std::isnan(bound.value)) {
    return std::nullopt;
  }
  return bound;
}

std::optional<storage::LexBound> ParseLexBound(std::string_view arg) {
  using storage::LexBound;
  if (arg == "+") {
    return LexBound{LexBound::kPlusInfinity, {}};
  }
  if (arg == "-") {
    return LexBound{LexBound::kMinusInfinity, {}};
  }
  if (!arg.empty() && (arg[0] == '(' || arg[0] == '[')) {
    return LexBound{arg[0] == '(' ? LexBound::kExclusive : LexBound::kInclusive, arg.substr(1)};
  }
  return std::nullopt;
}

}  // namespace

bool ParseScoreRangeOrReply(CommandContext& ctx, std::string_view min, std::string_view max,
                            ScoreRange* out) {
  std::optional<storage::ScoreBound> lo = ParseScoreBound(min);
  std::optional<storage::ScoreBound> hi = ParseScoreBound(max);
  if (!lo || !hi) {
    ctx.reply.Error(kErrScoreRange);
    return false;
  }
  *out = {*lo, *hi};
  return true;
}

bool ParseLexRangeOrReply(CommandContext& ctx, std::string_view min, std::string_view max,
                          LexRange* out) {
  std::optional<storage::LexBound> lo = ParseLexBound(min);
  std::optional<storage::LexBound> hi = ParseLexBound(max);
  if (!lo || !hi) {
    ctx.reply.Error(kErrLexRange);
    return false;
  }
  *out = {*lo, *hi};
  return true;
}

}  // namespace redoubt::commands
