// The options of SCAN and its per-type forms (HSCAN, SSCAN, later ZSCAN): [MATCH pattern]
// [COUNT count], and [TYPE type] for SCAN only, read as Redis 7.0's scanGenericCommand reads
// them (COUNT below 1, an unknown option or a missing value: "ERR syntax error"); and the whole
// of the per-type forms, which differ only in how their type is walked.
//
// Thread: per command.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "commands/command_context.h"
#include "storage/entry.h"

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

// What HSCAN, SSCAN (and ZSCAN) need to know of their type.
struct ElementScan {
  // (name, value); the value may be a temporary.
  using Emit = std::function<void(std::string_view, std::string_view)>;
  storage::ValueType type;
  // Elements are (name, value) pairs, both replied and counting two items against COUNT (HSCAN,
  // ZSCAN); otherwise names alone (SSCAN).
  bool pairs;
  // Every element of a packed (small) encoding.
  void (*for_each_packed)(const storage::Entry& e, const Emit& emit);
  // One step of a table's reverse-binary walk: the elements of the buckets `cursor` selects;
  // returns the next cursor (0: done).
  uint64_t (*scan_step)(const storage::Entry& e, uint64_t cursor, const Emit& emit);
};

// KEY cursor [MATCH pattern] [COUNT count] over one aggregate at args[1], as Redis 7.0's
// scanGenericCommand: a packed encoding answers with all its (matching) elements at once and
// cursor 0; a table is walked until COUNT items or 10 * COUNT buckets. A missing key is an
// empty scan.
void ReplyElementScan(CommandContext& ctx, const ElementScan& scan);

}  // namespace redoubt::commands
