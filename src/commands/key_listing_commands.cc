// Commands that find keys instead of naming them: KEYS, SCAN (with MATCH, COUNT and TYPE) and
// RANDOMKEY. Semantics, reply types and error texts follow Redis 7.0's db.c; each command is a
// row at the end of the file.
//
// Locking: each runs with every shard locked (kWholeKeyspace), so the views of keys it collects
// stay valid until its reply is written.
#include "commands/key_listing_commands.h"

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "commands/scan_options.h"
#include "commands/type_name.h"
#include "common/clock.h"
#include "common/glob.h"
#include "storage/entry.h"
#include "storage/keyspace.h"

namespace redoubt::commands {
namespace {

using storage::Access;
using storage::Entry;
using storage::Keyspace;
using storage::kNoExpire;

bool IsExpired(const Entry& e, int64_t now_ms) {
  int64_t at = e.expire_ms();
  return at != kNoExpire && at <= now_ms;
}

// Expired keys are skipped but not deleted, as in Redis's keysCommand.
void CmdKeys(CommandContext& ctx) {
  std::string_view pattern = ctx.args[1];
  bool all = pattern == "*";
  int64_t now = common::UnixMillis();
  std::vector<std::string_view> keys;
  ctx.keyspace.ForEach(ctx.db(), [&](const Entry& e) {
    if ((all || common::GlobMatch(pattern, e.key())) && !IsExpired(e, now)) {
      keys.push_back(e.key());
    }
  });
  ctx.reply.ArrayHeader(keys.size());
  for (std::string_view k : keys) {
    ctx.reply.Bulk(k);
  }
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]. The cursor is Keyspace::ScanStep's
// encoding (shard and bucket), opaque to clients as Redis's is. As in Redis, COUNT bounds the
// keys visited before filtering, and a call gives up after 10 * COUNT steps over empty
// buckets; the extra kNumShards steps let a call cross a run of empty shards instead of
// returning an empty page for each.
void CmdScan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursorOrReply(ctx, ctx.args[1], &cursor)) {
    return;
  }
  ScanOptions options;
  if (!ParseScanOptionsOrReply(ctx, 2, /*allow_type=*/true, &options)) {
    return;
  }
  const int64_t count = options.count;

  int64_t now = common::UnixMillis();
  std::vector<std::string_view> keys;
  std::vector<std::string> expired;
  int64_t visited = 0;
  int64_t steps_left = count > (INT64_MAX - Keyspace::kNumShards) / 10
                           ? INT64_MAX
                           : count * 10 + Keyspace::kNumShards;
  do {
    cursor = ctx.keyspace.ScanStep(ctx.db(), cursor, [&](const Entry& e) {
      ++visited;
      if (options.use_pattern && !common::GlobMatch(options.pattern, e.key())) {
        return;
      }
      if (IsExpired(e, now)) {
        expired.emplace_back(e.key());
        return;
      }
      if (options.use_type && !EqualsIgnoreCase(options.type, TypeName(e.type()))) {
        return;
      }
      keys.push_back(e.key());
    });
  } while (cursor != 0 && --steps_left > 0 && visited < count);
  // Redis's SCAN deletes the expired keys it meets. Deleting frees only those entries, so the
  // views into the live ones stay valid.
  for (const std::string& k : expired) {
    ctx.keyspace.Find(ctx.db(), k, Access::kNoTouch);
  }

  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(cursor));
  ctx.reply.ArrayHeader(keys.size());
  for (std::string_view k : keys) {
    ctx.reply.Bulk(k);
  }
}

void CmdRandomKey(CommandContext& ctx) {
  std::optional<std::string> key = ctx.keyspace.RandomKey(ctx.db());
  if (!key) {
    return ctx.reply.Null();
  }
  ctx.reply.Bulk(*key);
}

}  // namespace

// Arity, flags, key positions and ACL categories as Redis 7.0's COMMAND INFO reports them;
// summary, since and group as its COMMAND DOCS does.
void RegisterKeyListingCommands(CommandTable& table) {
  constexpr uint64_t kKs = kAclKeyspace;
  table.Add({.name = "keys",
             .arity = 2,
             .flags = kReadOnly | kWholeKeyspace,
             .acl = kKs | kAclRead | kAclSlow | kAclDangerous,
             .handler = CmdKeys,
             .summary = "Find all keys matching the given pattern",
             .since = "1.0.0",
             .group = "generic"});
  table.Add({.name = "scan",
             .arity = -2,
             .flags = kReadOnly | kWholeKeyspace,
             .acl = kKs | kAclRead | kAclSlow,
             .handler = CmdScan,
             .summary = "Incrementally iterate the keys space",
             .since = "2.8.0",
             .group = "generic"});
  table.Add({.name = "randomkey",
             .arity = 1,
             .flags = kReadOnly | kWholeKeyspace,
             .acl = kKs | kAclRead | kAclSlow,
             .handler = CmdRandomKey,
             .summary = "Return a random key from the keyspace",
             .since = "1.0.0",
             .group = "generic"});
}

}  // namespace redoubt::commands
