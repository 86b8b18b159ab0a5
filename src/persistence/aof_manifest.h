// The manifest of Redis 7.0's multi-part append-only file: which files of `appenddirname` make
// up the AOF, in what order. One line per file, "file <name> seq <n> type <b|h|i>": at most one
// base (an RDB or AOF snapshot from the last rewrite), then history files (replaced by a
// rewrite, deleted once the new manifest is safe), then the incremental files that follow the
// base, in increasing seq. Names are quoted as Redis quotes them (sdscatrepr) when they would
// not read back as one word; lines starting with '#' are comments; a line longer than 1024
// bytes, a duplicate base, a non-increasing incr seq or a missing key refuses the whole file
// with Redis's own message.
//
// Thread: a value type.
#pragma once

#include <absl/status/statusor.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace redoubt::persistence {

struct AofFileInfo {
  enum class Type : char { kBase = 'b', kHistory = 'h', kIncr = 'i' };
  std::string name;
  int64_t seq = 0;
  Type type = Type::kIncr;

  bool operator==(const AofFileInfo&) const = default;
};

struct AofManifest {
  std::optional<AofFileInfo> base;
  std::vector<AofFileInfo> history;
  std::vector<AofFileInfo> incrs;

  // The seq the next base or incr file gets (one after the highest so far).
  int64_t NextBaseSeq() const { return base ? base->seq + 1 : 1; }
  int64_t NextIncrSeq() const { return incrs.empty() ? max_incr_seq + 1 : incrs.back().seq + 1; }
  // The highest incr seq ever listed, also once those files became history: a rewrite moves
  // every incr file to history, and the next one must still count on.
  int64_t max_incr_seq = 0;

  // The manifest's text: base, history, incrs.
  std::string Format() const;
  // Reads a manifest; errors carry Redis's text ("Invalid AOF manifest file format", …) and
  // the line number.
  static absl::StatusOr<AofManifest> Parse(std::string_view text);
};

// File names, as Redis 7.0 makes them from appendfilename: "<name>.manifest",
// "<name>.<seq>.base.rdb" (or ".base.aof" when the base is in AOF form) and
// "<name>.<seq>.incr.aof".
std::string AofManifestName(std::string_view appendfilename);
std::string AofBaseName(std::string_view appendfilename, int64_t seq, bool rdb);
std::string AofIncrName(std::string_view appendfilename, int64_t seq);

}  // namespace redoubt::persistence
