// The arguments LMPOP, ZMPOP and their blocking forms share: numkeys key [key ...] <end> [COUNT
// count], read as Redis 7.0 reads them (numkeys below 1: "numkeys should be greater than 0";
// too few keys, an unknown end or option: syntax error; COUNT below 1: "count should be greater
// than 0").
//
// Thread: per command.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "commands/command_context.h"

namespace redoubt::commands {

struct MpopArguments {
  // The two words naming the ends ("left", "right"; "min", "max"), set by the caller.
  std::string_view ends[2];
  // Read from the arguments:
  std::span<const std::string_view> keys;
  bool from_second_end = false;  // RIGHT, MAX
  size_t count = 1;
};

// Reads the arguments from ctx.args[numkeys_index] on; false after replying an error.
bool ParseMpopArgumentsOrReply(CommandContext& ctx, size_t numkeys_index, MpopArguments* out);

}  // namespace redoubt::commands
