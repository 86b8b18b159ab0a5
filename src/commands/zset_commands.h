// Registers the sorted-set commands in a command table: those on elements and counts
// (zset_commands.cc), ranges (zset_range_commands.cc) and those over several sorted sets
// (zset_algebra_commands.cc); and the steps other commands share: ZADD's (which GEOADD runs, as
// Redis's geoaddCommand calls zaddCommand), the STORE commands' last one, and ZMPOP's pop,
// which BZMPOP shares.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "commands/command_table.h"
#include "commands/mpop_arguments.h"
#include "commands/zset_operations.h"

namespace redoubt::commands {

void RegisterZsetCommands(CommandTable& table);
void RegisterZsetRangeCommands(CommandTable& table);
void RegisterZsetAlgebraCommands(CommandTable& table);

// ZADD's options (Redis's ZADD_IN_* flags).
enum ZaddFlag : uint32_t {
  kZaddNx = 1,
  kZaddXx = 2,
  kZaddGt = 4,
  kZaddLt = 8,
  kZaddIncr = 16,
  kZaddCh = 32,
};

// Reads ZADD's options (those among `allowed`, ZaddFlag bits; in any case) from args[first] on
// into *flags; returns the index of the first argument that is not one.
size_t ParseZaddFlags(std::span<const std::string_view> args, size_t first, uint32_t allowed,
                      uint32_t* flags);

// ZADD once its arguments are parsed and checked: applies `elements` (in order; a member may
// repeat) to the sorted set at args[1] under `flags`, creating it unless kZaddXx, and replies
// as ZADD does (the number added, or changed with kZaddCh; the new score with kZaddIncr), or
// WRONGTYPE. Adds one change per element added or moved.
void ZaddAndReply(CommandContext& ctx, uint32_t flags, std::span<const ZsetElement> elements);

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
