// Registers the sorted-set commands in a command table: those on elements and counts
// (zset_commands.cc), ranges (zset_range_commands.cc) and those over several sorted sets
// (zset_algebra_commands.cc); and ZMPOP's pop, which BZMPOP shares.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "commands/command_table.h"
#include "commands/mpop_arguments.h"

namespace redoubt::commands {

void RegisterZsetCommands(CommandTable& table);
void RegisterZsetRangeCommands(CommandTable& table);
void RegisterZsetAlgebraCommands(CommandTable& table);

// Replaces key with a sorted set of `elements` (any order; distinct members), encoded by its
// content as Redis encodes a sorted set it builds whole, and reports `event` ("zunionstore",
// …); or, when there are none, deletes key, reporting "del" if there was one. Replies their
// number. The STORE commands' last step.
void StoreZsetAndReply(CommandContext& ctx, std::string_view key,
                       const std::vector<std::pair<std::string, double>>& elements,
                       std::string_view event);

// Pops from the first of args.keys that holds a sorted set and replies [key, [[member, score],
// ...]]; true when it replied (a pop, or WRONGTYPE for a key met first that holds another type),
// false when every key is missing.
bool ZmpopOrReply(CommandContext& ctx, const MpopArguments& args);

}  // namespace redoubt::commands
