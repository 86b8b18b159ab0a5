// The options of SCAN and its per-type forms (HSCAN, later SSCAN and ZSCAN): [MATCH pattern]
// [COUNT count], and [TYPE type] for SCAN only, read as Redis 7.0's scanGenericCommand reads
// them (COUNT below 1, an unknown option or a missing value: "ERR syntax error").
//
// Thread: per command.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "commands/command_context.h"

namespace redoubt::commands {

struct ScanOptions {
  int64_t count = 10;
  std::string_view pattern;
  bool use_pattern = false;  // a MATCH other than "*"
  std::string_view type;
  bool use_type = false;
};

// Reads the options from ctx.args[first] on; false after replying an error.
bool ParseScanOptionsOrReply(CommandContext& ctx, size_t first, bool allow_type, ScanOptions* out);

}  // namespace redoubt::commands
