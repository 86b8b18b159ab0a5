// Generic key commands (Redis's "generic" group: DEL EXISTS TYPE, the EXPIRE and TTL families,
// KEYS SCAN RANDOMKEY, RENAME COPY MOVE, OBJECT) and the database-wide ones of the "server"
// group (DBSIZE FLUSHDB FLUSHALL SWAPDB). Semantics, reply types and error texts follow
// Redis 7.0's db.c, expire.c and object.c; each command is a row at the end of the file.
//
// Locking: the dispatcher locks the shards of the keys in each row's key spec. MOVE and COPY
// ... DB n reach keys in another database, which live in the same shard (the shard depends on
// the key only), so the key spec's locks cover them. KEYS, SCAN, RANDOMKEY and the
// database-wide commands run with every shard locked (kWholeKeyspace).
#include "commands/key_commands.h"

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "common/clock.h"
#include "common/glob.h"
#include "storage/access_tracking.h"
#include "storage/entry.h"
#include "storage/keyspace.h"

namespace redoubt::commands {
namespace {

using storage::Access;
using storage::Encoding;
using storage::Entry;
using storage::EvictionPolicy;
using storage::Keyspace;
using storage::kNoExpire;
using storage::ValueType;

inline constexpr std::string_view kErrLfuSelected =
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
    "switching between policies at runtime LRU and LFU data will take some time to adjust.";
inline constexpr std::string_view kErrLfuNotSelected =
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that "
    "when switching between policies at runtime LRU and LFU data will take some time to adjust.";

// As TYPE and SCAN ... TYPE name them.
std::string_view TypeName(ValueType type) {
  switch (type) {
    case ValueType::kString:
      return "string";
    case ValueType::kList:
      return "list";
  }
  return "none";
}

// As OBJECT ENCODING names them.
std::string_view EncodingName(Encoding encoding) {
  switch (encoding) {
    case Encoding::kRaw:
      return "raw";
    case Encoding::kEmbStr:
      return "embstr";
    case Encoding::kInt:
      return "int";
    case Encoding::kQuicklist:
      return "quicklist";
  }
  return "unknown";
}

bool IsExpired(const Entry& e, int64_t now_ms) {
  int64_t at = e.expire_ms();
  return at != kNoExpire && at <= now_ms;
}

// Redis's getIntFromObjectOrReply: an int64 that must also fit in an int. A caller's own error
// text (SWAPDB's) covers both failures; without one, Redis words the range error separately.
bool ParseIntOrReply(CommandContext& ctx, std::string_view arg, int* out,
                     std::string_view error = {}) {
  int64_t v;
  if (!ParseInt64OrReply(ctx, arg, &v, error.empty() ? kErrNotInteger : error)) {
    return false;
  }
  if (v < INT_MIN || v > INT_MAX) {
    ctx.reply.Error(error.empty()
                        ? "ERR value is out of range, value must between -2147483648 and 2147483647"
                        : error);
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

// MOVE's and COPY's DB argument: "not an integer" first, then "DB index is out of range".
bool ParseTargetDbOrReply(CommandContext& ctx, std::string_view arg, int* out) {
  if (!ParseIntOrReply(ctx, arg, out)) {
    return false;
  }
  if (*out < 0 || *out >= ctx.keyspace.databases()) {
    ctx.reply.Error(kErrDbIndex);
    return false;
  }
  return true;
}

// ---- DEL UNLINK EXISTS TOUCH TYPE ----

// UNLINK shares DEL's handler: there is no lazy-free thread, and a string value is a single
// block, so freeing it here costs no more than handing it over would.
void CmdDel(CommandContext& ctx) {
  int64_t deleted = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    deleted += ctx.keyspace.Delete(ctx.db(), ctx.args[i]) ? 1 : 0;
  }
  ctx.dirty += static_cast<uint64_t>(deleted);
  ctx.reply.Integer(deleted);
}

// Counts a key once per time it is named, as Redis does.
void CmdExists(CommandContext& ctx) {
  int64_t found = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    found += ctx.keyspace.Find(ctx.db(), ctx.args[i], Access::kReadNoTouch) != nullptr ? 1 : 0;
  }
  ctx.reply.Integer(found);
}

void CmdTouch(CommandContext& ctx) {
  int64_t touched = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    touched += ctx.keyspace.Find(ctx.db(), ctx.args[i], Access::kRead) != nullptr ? 1 : 0;
  }
  ctx.reply.Integer(touched);
}

void CmdType(CommandContext& ctx) {
  const Entry* e = ctx.keyspace.Find(ctx.db(), ctx.args[1], Access::kReadNoTouch);
  ctx.reply.SimpleString(e == nullptr ? "none" : TypeName(e->type()));
}

// ---- EXPIRE PEXPIRE EXPIREAT PEXPIREAT ----

enum ExpireCondition : unsigned {
  kExpireNx = 1,
  kExpireXx = 2,
  kExpireGt = 4,
  kExpireLt = 8,
};

// EXPIRE's NX XX GT LT (args[3..]) as Redis 7's parseExtendedExpireArgumentsOrReply: every
// word is checked before the combinations, and both before the time argument.
bool ParseExpireConditionsOrReply(CommandContext& ctx, unsigned* conditions) {
  unsigned c = 0;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.args[j];
    if (EqualsIgnoreCase(opt, "nx")) {
      c |= kExpireNx;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      c |= kExpireXx;
    } else if (EqualsIgnoreCase(opt, "gt")) {
      c |= kExpireGt;
    } else if (EqualsIgnoreCase(opt, "lt")) {
      c |= kExpireLt;
    } else {
      ctx.reply.Error("ERR Unsupported option " + std::string(opt));
      return false;
    }
  }
  if ((c & kExpireNx) && (c & (kExpireXx | kExpireGt | kExpireLt))) {
    ctx.reply.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return false;
  }
  if ((c & kExpireGt) && (c & kExpireLt)) {
    ctx.reply.Error("ERR GT and LT options at the same time are not compatible");
    return false;
  }
  *conditions = c;
  return true;
}

// Sets key's expire time to at_ms if it exists and the conditions hold; a time not in the
// future deletes the key. Returns whether anything changed (EXPIRE's 1 or 0).
bool OpExpire(Keyspace& keyspace, int db, std::string_view key, int64_t at_ms, unsigned conditions,
              int64_t now_ms) {
  const Entry* e = keyspace.Find(db, key, Access::kWrite);
  if (e == nullptr) {
    return false;
  }
  int64_t current = e->expire_ms();
  if ((conditions & kExpireNx) && current != kNoExpire) {
    return false;
  }
  if ((conditions & kExpireXx) && current == kNoExpire) {
    return false;
  }
  // No TTL counts as an infinite one: GT always fails against it, LT always passes.
  if ((conditions & kExpireGt) && (current == kNoExpire || at_ms <= current)) {
    return false;
  }
  if ((conditions & kExpireLt) && current != kNoExpire && at_ms >= current) {
    return false;
  }
  if (at_ms <= now_ms) {
    keyspace.Delete(db, key);
  } else {
    keyspace.SetExpire(db, key, at_ms);
  }
  return true;
}

// The four EXPIRE commands, as Redis 7's expireGenericCommand: negative and past times are
// accepted (they delete the key); only a time that overflows int64 milliseconds is invalid.
void ExpireGeneric(CommandContext& ctx, bool seconds, bool relative) {
  unsigned conditions;
  if (!ParseExpireConditionsOrReply(ctx, &conditions)) {
    return;
  }
  int64_t when;
  if (!ParseInt64OrReply(ctx, ctx.args[2], &when)) {
    return;
  }
  if (seconds) {
    if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) {
      return ctx.reply.Error(InvalidExpireText(ctx.spec.name));
    }
    when *= 1000;
  }
  int64_t now = common::UnixMillis();
  int64_t base = relative ? now : 0;
  if (when > INT64_MAX - base) {
    return ctx.reply.Error(InvalidExpireText(ctx.spec.name));
  }
  bool changed = OpExpire(ctx.keyspace, ctx.db(), ctx.args[1], when + base, conditions, now);
  // Set or deleted by a past time: one change; a missing key or a refused NX/XX/GT/LT: none.
  ctx.dirty += changed ? 1 : 0;
  ctx.reply.Integer(changed ? 1 : 0);
}

void CmdExpire(CommandContext& ctx) {
  ExpireGeneric(ctx, true, true);
}
void CmdPExpire(CommandContext& ctx) {
  ExpireGeneric(ctx, false, true);
}
void CmdExpireAt(CommandContext& ctx) {
  ExpireGeneric(ctx, true, false);
}
void CmdPExpireAt(CommandContext& ctx) {
  ExpireGeneric(ctx, false, false);
}

// ---- TTL PTTL EXPIRETIME PEXPIRETIME PERSIST ----

// As Redis 7's ttlGenericCommand: -2 for a missing key, -1 without a TTL, never below 0, and
// seconds rounded to the nearest (so TTL right after EXPIRE k 100 is 100, not 99).
void TtlGeneric(CommandContext& ctx, bool ms, bool absolute) {
  const Entry* e = ctx.keyspace.Find(ctx.db(), ctx.args[1], Access::kReadNoTouch);
  if (e == nullptr) {
    return ctx.reply.Integer(-2);
  }
  int64_t at = e->expire_ms();
  if (at == kNoExpire) {
    return ctx.reply.Integer(-1);
  }
  int64_t value = absolute ? at : at - common::UnixMillis();
  if (value < 0) {
    value = 0;
  }
  ctx.reply.Integer(ms ? value : (value + 500) / 1000);
}

void CmdTtl(CommandContext& ctx) {
  TtlGeneric(ctx, false, false);
}
void CmdPTtl(CommandContext& ctx) {
  TtlGeneric(ctx, true, false);
}
void CmdExpireTime(CommandContext& ctx) {
  TtlGeneric(ctx, false, true);
}
void CmdPExpireTime(CommandContext& ctx) {
  TtlGeneric(ctx, true, true);
}

void CmdPersist(CommandContext& ctx) {
  const Entry* e = ctx.keyspace.Find(ctx.db(), ctx.args[1], Access::kWrite);
  if (e == nullptr || e->expire_ms() == kNoExpire) {
    return ctx.reply.Integer(0);
  }
  ctx.keyspace.SetExpire(ctx.db(), ctx.args[1], kNoExpire);
  ++ctx.dirty;
  ctx.reply.Integer(1);
}

// ---- KEYS SCAN RANDOMKEY ----

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

// Redis 7.0's parseScanCursorOrReply uses strtoul: a sign is accepted (so "-1" wraps around),
// an empty string is 0 and parsing stops at an embedded NUL; leading space, trailing bytes and
// overflow are "invalid cursor". The copy gives strtoull the NUL terminator it needs.
bool ParseScanCursorOrReply(CommandContext& ctx, std::string_view arg, uint64_t* out) {
  std::string text(arg);
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (std::isspace(static_cast<unsigned char>(text.c_str()[0])) || *end != '\0' ||
      errno == ERANGE) {
    ctx.reply.Error("ERR invalid cursor");
    return false;
  }
  *out = v;
  return true;
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
  int64_t count = 10;
  std::string_view pattern;
  bool use_pattern = false;
  std::string_view type_name;
  bool use_type = false;
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    std::string_view opt = ctx.args[i];
    bool has_value = i + 1 < ctx.argc();
    if (has_value && EqualsIgnoreCase(opt, "count")) {
      if (!ParseInt64OrReply(ctx, ctx.args[i + 1], &count)) {
        return;
      }
      if (count < 1) {
        return ctx.reply.Error(kErrSyntax);
      }
    } else if (has_value && EqualsIgnoreCase(opt, "match")) {
      pattern = ctx.args[i + 1];
      use_pattern = pattern != "*";
    } else if (has_value && EqualsIgnoreCase(opt, "type")) {
      type_name = ctx.args[i + 1];
      use_type = true;
    } else {
      return ctx.reply.Error(kErrSyntax);
    }
  }

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
      if (use_pattern && !common::GlobMatch(pattern, e.key())) {
        return;
      }
      if (IsExpired(e, now)) {
        expired.emplace_back(e.key());
        return;
      }
      if (use_type && !EqualsIgnoreCase(type_name, TypeName(e.type()))) {
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

// ---- RENAME RENAMENX COPY MOVE ----

// RENAME and RENAMENX, as Redis's renameGenericCommand: a missing source is an error even when
// both names are the same; the TTL moves with the value.
void RenameGeneric(CommandContext& ctx, bool nx) {
  std::string_view key = ctx.args[1];
  std::string_view new_key = ctx.args[2];
  if (ctx.keyspace.Find(ctx.db(), key, Access::kWrite) == nullptr) {
    return ctx.reply.Error(kErrNoSuchKey);
  }
  if (key == new_key) {
    return nx ? ctx.reply.Integer(0) : ctx.reply.Ok();
  }
  if (nx && ctx.keyspace.Find(ctx.db(), new_key, Access::kWrite) != nullptr) {
    return ctx.reply.Integer(0);
  }
  ctx.keyspace.MoveTo(ctx.db(), key, ctx.db(), new_key);
  ++ctx.dirty;
  return nx ? ctx.reply.Integer(1) : ctx.reply.Ok();
}

void CmdRename(CommandContext& ctx) {
  RenameGeneric(ctx, false);
}
void CmdRenameNx(CommandContext& ctx) {
  RenameGeneric(ctx, true);
}

// COPY source destination [DB destination-db] [REPLACE]. Options are checked in order, each
// error as soon as it is met; then the same-object check, before the source is looked up.
void CmdCopy(CommandContext& ctx) {
  int dst_db = ctx.db();
  bool replace = false;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    if (EqualsIgnoreCase(ctx.args[j], "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(ctx.args[j], "db") && j + 1 < ctx.argc()) {
      if (!ParseTargetDbOrReply(ctx, ctx.args[++j], &dst_db)) {
        return;
      }
    } else {
      return ctx.reply.Error(kErrSyntax);
    }
  }
  std::string_view key = ctx.args[1];
  std::string_view new_key = ctx.args[2];
  if (dst_db == ctx.db() && key == new_key) {
    return ctx.reply.Error(kErrSameObject);
  }
  if (ctx.keyspace.Find(ctx.db(), key, Access::kRead) == nullptr) {
    return ctx.reply.Integer(0);
  }
  if (!replace && ctx.keyspace.Find(dst_db, new_key, Access::kWrite) != nullptr) {
    return ctx.reply.Integer(0);
  }
  ctx.keyspace.CopyTo(ctx.db(), key, dst_db, new_key);
  ++ctx.dirty;
  ctx.reply.Integer(1);
}

// MOVE key db: the database is checked before the key, so MOVE of a missing key to the
// current database is still "same object".
void CmdMove(CommandContext& ctx) {
  int dst_db;
  if (!ParseTargetDbOrReply(ctx, ctx.args[2], &dst_db)) {
    return;
  }
  if (dst_db == ctx.db()) {
    return ctx.reply.Error(kErrSameObject);
  }
  std::string_view key = ctx.args[1];
  if (ctx.keyspace.Find(ctx.db(), key, Access::kWrite) == nullptr ||
      ctx.keyspace.Find(dst_db, key, Access::kWrite) != nullptr) {
    return ctx.reply.Integer(0);
  }
  ctx.keyspace.MoveTo(ctx.db(), key, dst_db, key);
  ++ctx.dirty;
  ctx.reply.Integer(1);
}

// ---- DBSIZE FLUSHDB FLUSHALL SWAPDB ----

void CmdDbSize(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.keyspace.DbSize(ctx.db())));
}

// FLUSHDB/FLUSHALL take one optional ASYNC or SYNC (Redis's getFlushCommandFlags). Both free
// in the calling thread: with every shard locked, handing the tables to another thread would
// save little, and the command's reply promises the keys are gone either way.
bool ParseFlushModeOrReply(CommandContext& ctx) {
  if (ctx.argc() == 1 || (ctx.argc() == 2 && (EqualsIgnoreCase(ctx.args[1], "sync") ||
                                              EqualsIgnoreCase(ctx.args[1], "async")))) {
    return true;
  }
  ctx.reply.Error(kErrSyntax);
  return false;
}

void CmdFlushDb(CommandContext& ctx) {
  if (!ParseFlushModeOrReply(ctx)) {
    return;
  }
  // One change per key removed, as Redis's emptyData counts them: entries whose TTL has passed
  // but that expiry has not removed yet count too (DbSize includes them).
  ctx.dirty += ctx.keyspace.DbSize(ctx.db());
  ctx.keyspace.FlushDb(ctx.db());
  ctx.reply.Ok();
}

void CmdFlushAll(CommandContext& ctx) {
  if (!ParseFlushModeOrReply(ctx)) {
    return;
  }
  for (int db = 0; db < ctx.keyspace.databases(); ++db) {
    ctx.dirty += ctx.keyspace.DbSize(db);
  }
  ctx.keyspace.FlushAll();
  ctx.reply.Ok();
}

// Clients keep their database numbers; the data behind the numbers changes places, so a client
// on db 0 sees the former db 1 at once, as in Redis.
void CmdSwapDb(CommandContext& ctx) {
  int a;
  int b;
  if (!ParseIntOrReply(ctx, ctx.args[1], &a, "ERR invalid first DB index") ||
      !ParseIntOrReply(ctx, ctx.args[2], &b, "ERR invalid second DB index")) {
    return;
  }
  int n = ctx.keyspace.databases();
  if (a < 0 || a >= n || b < 0 || b >= n) {
    return ctx.reply.Error(kErrDbIndex);
  }
  if (a != b) {
    ctx.keyspace.SwapDb(a, b);
  }
  // Counted even when a == b, as Redis does.
  ++ctx.dirty;
  ctx.reply.Ok();
}

// ---- OBJECT ----

// The key named by OBJECT <sub> key, without touching its access state; a missing key is a
// null reply, before any policy check (Redis's objectCommandLookupOrReply).
const Entry* FindForObjectOrReply(CommandContext& ctx) {
  const Entry* e = ctx.keyspace.Find(ctx.db(), ctx.args[2], Access::kReadNoTouch);
  if (e == nullptr) {
    ctx.reply.Null();
  }
  return e;
}

bool LfuPolicy(const CommandContext& ctx) {
  return storage::IsLfu(ctx.settings.maxmemory_policy.load(std::memory_order_relaxed));
}

void CmdObjectEncoding(CommandContext& ctx) {
  if (const Entry* e = FindForObjectOrReply(ctx)) {
    ctx.reply.Bulk(EncodingName(e->encoding()));
  }
}

// Redis shares one object per integer 0..9999 (OBJ_SHARED_INTEGERS) and reports INT_MAX as its
// refcount; with maxmemory set and an LRU/LFU policy it stops sharing them, because a shared
// object cannot hold per-key access state (MAXMEMORY_FLAG_NO_SHARED_INTEGERS). We store no
// shared objects, so we report what Redis would under the current settings.
bool WouldBeSharedInteger(const CommandContext& ctx, const Entry& e) {
  if (e.encoding() != Encoding::kInt || e.value().empty() || e.value().size() > 4 ||
      e.value()[0] == '-') {
    return false;
  }
  EvictionPolicy policy = ctx.settings.maxmemory_policy.load(std::memory_order_relaxed);
  bool lru_or_lfu = policy == EvictionPolicy::kAllKeysLru ||
                    policy == EvictionPolicy::kVolatileLru || storage::IsLfu(policy);
  return ctx.settings.maxmemory.load(std::memory_order_relaxed) == 0 || !lru_or_lfu;
}

void CmdObjectRefCount(CommandContext& ctx) {
  if (const Entry* e = FindForObjectOrReply(ctx)) {
    ctx.reply.Integer(WouldBeSharedInteger(ctx, *e) ? INT_MAX : 1);
  }
}

void CmdObjectIdleTime(CommandContext& ctx) {
  const Entry* e = FindForObjectOrReply(ctx);
  if (e == nullptr) {
    return;
  }
  if (LfuPolicy(ctx)) {
    return ctx.reply.Error(kErrLfuSelected);
  }
  ctx.reply.Integer(storage::IdleSeconds(e->access(), ctx.keyspace.clock_seconds()));
}

void CmdObjectFreq(CommandContext& ctx) {
  const Entry* e = FindForObjectOrReply(ctx);
  if (e == nullptr) {
    return;
  }
  if (!LfuPolicy(ctx)) {
    return ctx.reply.Error(kErrLfuNotSelected);
  }
  ctx.reply.Integer(storage::LfuCounter(e->access(), ctx.keyspace.clock_seconds()));
}

// Redis 7.0's text, including its "Prints this help." (later versions say "Print").
void CmdObjectHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (std::string_view line : kLines) {
    ctx.reply.SimpleString(line);
  }
}

// The dispatcher routes OBJECT <sub> to the subcommand's row and rejects a bare OBJECT by
// arity, so this runs only if a caller bypasses that routing.
void CmdObject(CommandContext& ctx) {
  ctx.reply.Error(UnknownSubcommandText("object", ctx.args[1]));
}

}  // namespace

// Arity, flags, key positions and ACL categories as Redis 7.0's COMMAND INFO reports them;
// summary, since and group as its COMMAND DOCS does.
void RegisterKeyCommands(CommandTable& table) {
  constexpr uint64_t kKs = kAclKeyspace;
  table.Add({.name = "del",
             .arity = -2,
             .flags = kWrite,
             .keys = {1, -1, 1},
             .acl = kKs | kAclWrite | kAclSlow,
             .handler = CmdDel,
             .summary = "Delete a key",
             .since = "1.0.0",
             .group = "generic"});
  table.Add({.name = "unlink",
             .arity = -2,
             .flags = kWrite | kFast,
             .keys = {1, -1, 1},
             .acl = kKs | kAclWrite | kAclFast,
             .handler = CmdDel,
             .summary = "Delete a key asynchronously in another thread. Otherwise it is just as "
                        "DEL, but non blocking.",
             .since = "4.0.0",
             .group = "generic"});
  table.Add({.name = "exists",
             .arity = -2,
             .flags = kReadOnly | kFast,
             .keys = {1, -1, 1},
             .acl = kKs | kAclRead | kAclFast,
             .handler = CmdExists,
             .summary = "Determine if a key exists",
             .since = "1.0.0",
             .group = "generic"});
  table.Add({.name = "touch",
             .arity = -2,
             .flags = kReadOnly | kFast,
             .keys = {1, -1, 1},
             .acl = kKs | kAclRead | kAclFast,
             .handler = CmdTouch,
             .summary = "Alters the last access time of a key(s). Returns the number of existing "
                        "keys specified.",
             .since = "3.2.1",
             .group = "generic"});
  table.Add({.name = "type",
             .arity = 2,
             .flags = kReadOnly | kFast,
             .keys = {1, 1, 1},
             .acl = kKs | kAclRead | kAclFast,
             .handler = CmdType,
             .summary = "Determine the type stored at key",
             .since = "1.0.0",
             .group = "generic"});
  table.Add({.name = "expire",
             .arity = -3,
             .flags = kWrite | kFast,
             .keys = {1, 1, 1},
             .acl = kKs | kAclWrite | kAclFast,
             .handler = CmdExpire,
             .summary = "Set a key's time to live in seconds",
             .since = "1.0.0",
             .group = "generic"});
  table.Add({.name = "pexpire",
             .arity = -3,
             .flags = kWrite | kFast,
             .keys = {1, 1, 1},
             .acl = kKs | kAclWrite | kAclFast,
             .handler = CmdPExpire,
             .summary = "Set a key's time to live in milliseconds",
             .since = "2.6.0",
             .group = "generic"});
  table.Add({.name = "expireat",
             .arity = -3,
             .flags = kWrite | kFast,
             .keys = {1, 1, 1},
             .acl = kKs | kAclWrite | kAclFast,
             .handler = CmdExpireAt,
             .summary = "Set the expiration for a key as a UNIX timestamp",
             .since = "1.2.0",
             .group = "generic"});
  table.Add({.name = "pexpireat",
             .arity = -3,
             .flags = kWrite | kFast,
             .keys = {1, 1, 1},
             .acl = kKs | kAclWrite | kAclFast,
             .handler = CmdPExpireAt,
             .summary = "Set the expiration for a key as a UNIX timestamp specified in "
                        "milliseconds",
             .since = "2.6.0",
             .group = "generic"});
  table.Add({.name = "expiretime",
             .arity = 2,
             .flags = kReadOnly | kFast,
             .keys = {1, 1, 1},
             .acl = kKs | kAclRead | kAclFast,
             .handler = CmdExpireTime,
             .summary = "Get the expiration Unix timestamp for a key",
             .since = "7.0.0",
             .group = "generic"});
  table.Add({.name = "pexpiretime",
             .arity = 2,
             .flags = kReadOnly | kFast,
             .keys = {1, 1, 1},
             .acl = kKs | kAclRead | kAclFast,
             .handler = CmdPExpireTime,
             .summary = "Get the expiration Unix timestamp for a key in milliseconds",
             .since = "7.0.0",
             .group = "generic"});
  table.Add({.name = "ttl",
             .arity = 2,
             .flags = kReadOnly | kFast,
             .keys = {1, 1, 1},
             .acl = kKs | kAclRead | kAclFast,
             .handler = CmdTtl,
             .summary = "Get the time to live for a key in seconds",
             .since = "1.0.0",
             .group = "generic"});
  table.Add({.name = "pttl",
             .arity = 2,
             .flags = kReadOnly | kFast,
             .keys = {1, 1, 1},
             .acl = kKs | kAclRead | kAclFast,
             .handler = CmdPTtl,
             .summary = "Get the time to live for a key in milliseconds",
             .since = "2.6.0",
             .group = "generic"});
  table.Add({.name = "persist",
             .arity = 2,
             .flags = kWrite | kFast,
             .keys = {1, 1, 1},
             .acl = kKs | kAclWrite | kAclFast,
             .handler = CmdPersist,
             .summary = "Remove the expiration from a key",
             .since = "2.2.0",
             .group = "generic"});
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
  table.Add({.name = "rename",
             .arity = 3,
             .flags = kWrite,
             .keys = {1, 2, 1},
             .acl = kKs | kAclWrite | kAclSlow,
             .handler = CmdRename,
             .summary = "Rename a key",
             .since = "1.0.0",
             .group = "generic"});
  table.Add({.name = "renamenx",
             .arity = 3,
             .flags = kWrite | kFast,
             .keys = {1, 2, 1},
             .acl = kKs | kAclWrite | kAclFast,
             .handler = CmdRenameNx,
             .summary = "Rename a key, only if the new key does not exist",
             .since = "1.0.0",
             .group = "generic"});
  table.Add({.name = "copy",
             .arity = -3,
             .flags = kWrite | kDenyOom,
             .keys = {1, 2, 1},
             .acl = kKs | kAclWrite | kAclSlow,
             .handler = CmdCopy,
             .summary = "Copy a key",
             .since = "6.2.0",
             .group = "generic"});
  table.Add({.name = "move",
             .arity = 3,
             .flags = kWrite | kFast,
             .keys = {1, 1, 1},
             .acl = kKs | kAclWrite | kAclFast,
             .handler = CmdMove,
             .summary = "Move a key to another database",
             .since = "1.0.0",
             .group = "generic"});
  table.Add({.name = "dbsize",
             .arity = 1,
             .flags = kReadOnly | kFast | kWholeKeyspace,
             .acl = kKs | kAclRead | kAclFast,
             .handler = CmdDbSize,
             .summary = "Return the number of keys in the selected database",
             .since = "1.0.0",
             .group = "server"});
  table.Add({.name = "flushdb",
             .arity = -1,
             .flags = kWrite | kWholeKeyspace,
             .acl = kKs | kAclWrite | kAclSlow | kAclDangerous,
             .handler = CmdFlushDb,
             .summary = "Remove all keys from the current database",
             .since = "1.0.0",
             .group = "server"});
  table.Add({.name = "flushall",
             .arity = -1,
             .flags = kWrite | kWholeKeyspace,
             .acl = kKs | kAclWrite | kAclSlow | kAclDangerous,
             .handler = CmdFlushAll,
             .summary = "Remove all keys from all databases",
             .since = "1.0.0",
             .group = "server"});
  table.Add({.name = "swapdb",
             .arity = 3,
             .flags = kWrite | kFast | kWholeKeyspace,
             .acl = kKs | kAclWrite | kAclFast | kAclDangerous,
             .handler = CmdSwapDb,
             .summary = "Swaps two Redis databases",
             .since = "4.0.0",
             .group = "server"});

  constexpr uint64_t kObjectAcl = kKs | kAclRead | kAclSlow;
  table.Add({
      .name = "object",
      .arity = -2,
      .acl = kAclSlow,
      .handler = CmdObject,
      .summary = "A container for object introspection commands",
      .since = "2.2.3",
      .group = "generic",
      .subcommands =
          {
              {.name = "object|encoding",
               .arity = 3,
               .flags = kReadOnly,
               .keys = {2, 2, 1},
               .acl = kObjectAcl,
               .handler = CmdObjectEncoding,
               .summary = "Inspect the internal encoding of a Redis object",
               .since = "2.2.3",
               .group = "generic"},
              {.name = "object|freq",
               .arity = 3,
               .flags = kReadOnly,
               .keys = {2, 2, 1},
               .acl = kObjectAcl,
               .handler = CmdObjectFreq,
               .summary = "Get the logarithmic access frequency counter of a Redis object",
               .since = "4.0.0",
               .group = "generic"},
              {.name = "object|help",
               .arity = 2,
               .flags = kLoading | kStale,
               .acl = kKs | kAclSlow,
               .handler = CmdObjectHelp,
               .summary = "Show helpful text about the different subcommands",
               .since = "6.2.0",
               .group = "generic"},
              {.name = "object|idletime",
               .arity = 3,
               .flags = kReadOnly,
               .keys = {2, 2, 1},
               .acl = kObjectAcl,
               .handler = CmdObjectIdleTime,
               .summary = "Get the time since a Redis object was last accessed",
               .since = "2.2.3",
               .group = "generic"},
              {.name = "object|refcount",
               .arity = 3,
               .flags = kReadOnly,
               .keys = {2, 2, 1},
               .acl = kObjectAcl,
               .handler = CmdObjectRefCount,
               .summary = "Get the number of references to the value of the key",
               .since = "2.2.3",
               .group = "generic"},
          },
  });
}

}  // namespace redoubt::commands
