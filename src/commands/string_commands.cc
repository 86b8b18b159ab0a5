// String commands: GET SET and friends, counters, ranges, LCS. Semantics, reply types and error
// texts follow Redis 7's t_string.c; each command is a row at the end of the file.
#include "commands/string_commands.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "commands/expire_options.h"
#include "common/clock.h"
#include "common/index_range.h"
#include "common/numbers.h"
#include "storage/entry.h"

namespace redoubt::commands {
namespace {

using common::OpResult;
using common::OpStatus;
using storage::Access;
using storage::Entry;
using storage::kNoExpire;
using storage::ValueType;

OpResult<Entry*> FindString(CommandContext& ctx, std::string_view key,
                            Access access = Access::kRead) {
  return ctx.keyspace.FindOfType(ctx.db(), key, ValueType::kString, access);
}

bool CheckLengthOrReply(CommandContext& ctx, uint64_t len) {
  if (len >
      static_cast<uint64_t>(ctx.settings.proto_max_bulk_len.load(std::memory_order_relaxed))) {
    ctx.reply.Error(kErrStringTooLong);
    return false;
  }
  return true;
}

// A string's value as a bulk reply; a large one is written from its block, not copied.
void ReplyValue(CommandContext& ctx, const Entry& e) {
  if (e.has_large_value()) {
    return ctx.reply.BulkShared(e.ShareLargeValue());
  }
  ctx.reply.Bulk(e.value());
}

void CmdGet(CommandContext& ctx) {
  auto e = FindString(ctx, ctx.args[1]);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  if (*e == nullptr) {
    return ctx.reply.Null();
  }
  ReplyValue(ctx, **e);
}

// SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ts|KEEPTTL]
void CmdSet(CommandContext& ctx) {
  ExpireOptions opts;
  if (!ParseExpireOptionsOrReply(ctx, 3, ExpireOptions::kForSet, &opts)) {
    return;
  }
  std::string_view key = ctx.args[1];
  auto old = FindString(ctx, key, Access::kWrite);
  if (opts.get && !old.ok()) {
    return ReplyError(ctx, old.status());
  }
  // A key of another type exists too (SET without GET overwrites any type).
  bool exists = !old.ok() || *old != nullptr;
  std::string previous;
  bool had_previous = old.ok() && *old != nullptr;
  if (opts.get && had_previous) {
    previous = std::string((*old)->value());
  }
  if ((opts.nx && exists) || (opts.xx && !exists)) {
    if (opts.get && had_previous) {
      return ctx.reply.Bulk(previous);
    }
    return ctx.reply.Null();
  }
  if (opts.expire_at_ms != kNoExpire && opts.expire_at_ms <= common::UnixMillis()) {
    // Redis 7 sets and immediately deletes a key whose absolute expire time has passed.
    ctx.keyspace.Delete(ctx.db(), key);
  } else {
    // A large value read into a block of its own is kept as it is (no copy).
    common::SharedBytesRef block = ctx.client.LargeArgument(ctx.args[2]);
    ctx.keyspace.SetString(ctx.db(), key, ctx.args[2], opts.expire_at_ms, opts.keep_ttl, &block);
  }
  ++ctx.dirty;
  if (!opts.get) {
    return ctx.reply.Ok();
  }
  if (had_previous) {
    return ctx.reply.Bulk(previous);
  }
  ctx.reply.Null();
}

void CmdSetNx(CommandContext& ctx) {
  if (ctx.keyspace.Find(ctx.db(), ctx.args[1], Access::kWrite) != nullptr) {
    return ctx.reply.Integer(0);
  }
  ctx.keyspace.SetString(ctx.db(), ctx.args[1], ctx.args[2], kNoExpire, false);
  ++ctx.dirty;
  ctx.reply.Integer(1);
}

// SETEX key seconds value / PSETEX key milliseconds value
void SetWithRelativeExpire(CommandContext& ctx, bool seconds) {
  int64_t amount;
  if (!ParseInt64OrReply(ctx, ctx.args[2], &amount)) {
    return;
  }
  int64_t at;
  if (!RelativeToAbsoluteMs(amount, seconds, &at)) {
    return ctx.reply.Error(InvalidExpireText(ctx.spec.name));
  }
  ctx.keyspace.SetString(ctx.db(), ctx.args[1], ctx.args[3], at, false);
  ++ctx.dirty;
  ctx.reply.Ok();
}

void CmdSetEx(CommandContext& ctx) {
  SetWithRelativeExpire(ctx, true);
}
void CmdPSetEx(CommandContext& ctx) {
  SetWithRelativeExpire(ctx, false);
}

void CmdMGet(CommandContext& ctx) {
  ctx.reply.ArrayHeader(ctx.argc() - 1);
  for (size_t i = 1; i < ctx.argc(); ++i) {
    const Entry* e = ctx.keyspace.Find(ctx.db(), ctx.args[i]);
    if (e == nullptr || e->type() != ValueType::kString) {
      ctx.reply.Null();
    } else {
      ReplyValue(ctx, *e);
    }
  }
}

bool CheckPairsOrReply(CommandContext& ctx) {
  if (ctx.argc() % 2 != 1) {
    ctx.reply.Error(WrongArityText(ctx.spec.name));
    return false;
  }
  return true;
}

// Stores MSET's and MSETNX's pairs. One change per pair, as Redis counts them: a key named
// twice counts twice.
void SetPairs(CommandContext& ctx) {
  for (size_t i = 1; i + 1 < ctx.argc(); i += 2) {
    ctx.keyspace.SetString(ctx.db(), ctx.args[i], ctx.args[i + 1], kNoExpire, false);
  }
  ctx.dirty += (ctx.argc() - 1) / 2;
}

void CmdMSet(CommandContext& ctx) {
  if (!CheckPairsOrReply(ctx)) {
    return;
  }
  SetPairs(ctx);
  ctx.reply.Ok();
}

void CmdMSetNx(CommandContext& ctx) {
  if (!CheckPairsOrReply(ctx)) {
    return;
  }
  for (size_t i = 1; i + 1 < ctx.argc(); i += 2) {
    if (ctx.keyspace.Find(ctx.db(), ctx.args[i], Access::kWrite) != nullptr) {
      return ctx.reply.Integer(0);
    }
  }
  SetPairs(ctx);
  ctx.reply.Integer(1);
}

void CmdGetSet(CommandContext& ctx) {
  auto old = FindString(ctx, ctx.args[1], Access::kWrite);
  if (!old.ok()) {
    return ReplyError(ctx, old.status());
  }
  bool had = *old != nullptr;
  std::string previous = had ? std::string((*old)->value()) : std::string();
  ctx.keyspace.SetString(ctx.db(), ctx.args[1], ctx.args[2], kNoExpire, false);
  ++ctx.dirty;
  if (had) {
    return ctx.reply.Bulk(previous);
  }
  ctx.reply.Null();
}

void CmdGetDel(CommandContext& ctx) {
  auto e = FindString(ctx, ctx.args[1]);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  if (*e == nullptr) {
    return ctx.reply.Null();
  }
  ctx.reply.Bulk((*e)->value());
  ctx.keyspace.Delete(ctx.db(), ctx.args[1]);
  ++ctx.dirty;
}

// GETEX key [EX s|PX ms|EXAT ts|PXAT ts|PERSIST]
void CmdGetEx(CommandContext& ctx) {
  ExpireOptions opts;
  if (!ParseExpireOptionsOrReply(ctx, 2, ExpireOptions::kForGetEx, &opts)) {
    return;
  }
  auto e = FindString(ctx, ctx.args[1]);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  if (*e == nullptr) {
    return ctx.reply.Null();
  }
  if (!ResolveExpireOrReply(ctx, &opts)) {
    return;
  }
  ctx.reply.Bulk((*e)->value());
  // Without options GETEX is a GET; PERSIST changes something only when there was a TTL.
  if (opts.persist) {
    if ((*e)->expire_ms() != kNoExpire) {
      ctx.keyspace.SetExpire(ctx.db(), ctx.args[1], kNoExpire);
      ++ctx.dirty;
    }
  } else if (opts.expire_at_ms != kNoExpire) {
    if (opts.expire_at_ms <= common::UnixMillis()) {
      ctx.keyspace.Delete(ctx.db(), ctx.args[1]);
    } else {
      ctx.keyspace.SetExpire(ctx.db(), ctx.args[1], opts.expire_at_ms);
    }
    ++ctx.dirty;
  }
}

void CmdAppend(CommandContext& ctx) {
  auto e = FindString(ctx, ctx.args[1], Access::kWrite);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  std::string_view add = ctx.args[2];
  if (*e == nullptr) {
    // Encoded as SET would store it (int, embstr or raw), as Redis's tryObjectEncoding does.
    ctx.keyspace.SetString(ctx.db(), ctx.args[1], add, kNoExpire, false);
    ++ctx.dirty;
    return ctx.reply.Integer(static_cast<int64_t>(add.size()));
  }
  size_t old_len = (*e)->value().size();
  if (!CheckLengthOrReply(ctx, old_len + add.size())) {
    return;
  }
  Entry* grown = ctx.keyspace.ResizeString(ctx.db(), ctx.args[1], old_len + add.size());
  if (!add.empty()) {
    std::memcpy(grown->mutable_value() + old_len, add.data(), add.size());
  }
  // Appending "" still counts, as in Redis.
  ++ctx.dirty;
  ctx.reply.Integer(static_cast<int64_t>(grown->value().size()));
}

void CmdStrLen(CommandContext& ctx) {
  auto e = FindString(ctx, ctx.args[1]);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  ctx.reply.Integer(*e == nullptr ? 0 : static_cast<int64_t>((*e)->value().size()));
}

// INCR/DECR/INCRBY/DECRBY share this.
void IncrementBy(CommandContext& ctx, int64_t delta) {
  auto e = FindString(ctx, ctx.args[1], Access::kWrite);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  int64_t current = 0;
  if (*e != nullptr) {
    auto parsed = common::ParseInt64((*e)->value());
    if (!parsed) {
      return ctx.reply.Error(kErrNotInteger);
    }
    current = *parsed;
  }
  int64_t result;
  if (__builtin_add_overflow(current, delta, &result)) {
    return ctx.reply.Error(kErrOverflow);
  }
  std::string text;
  common::AppendInt64(&text, result);
  ctx.keyspace.SetString(ctx.db(), ctx.args[1], text, kNoExpire, /*keep_ttl=*/true);
  ++ctx.dirty;
  ctx.reply.Integer(result);
}

void CmdIncr(CommandContext& ctx) {
  IncrementBy(ctx, 1);
}
void CmdDecr(CommandContext& ctx) {
  IncrementBy(ctx, -1);
}

void CmdIncrBy(CommandContext& ctx) {
  int64_t delta;
  if (ParseInt64OrReply(ctx, ctx.args[2], &delta)) {
    IncrementBy(ctx, delta);
  }
}

void CmdDecrBy(CommandContext& ctx) {
  int64_t delta;
  if (!ParseInt64OrReply(ctx, ctx.args[2], &delta)) {
    return;
  }
  if (delta == INT64_MIN) {
    return ctx.reply.Error("ERR decrement would overflow");
  }
  IncrementBy(ctx, -delta);
}

void CmdIncrByFloat(CommandContext& ctx) {
  auto e = FindString(ctx, ctx.args[1], Access::kWrite);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  long double current = 0;
  if (*e != nullptr) {
    auto parsed = common::ParseLongDouble((*e)->value());
    if (!parsed) {
      return ctx.reply.Error(kErrNotFloat);
    }
    current = *parsed;
  }
  auto delta = common::ParseLongDouble(ctx.args[2]);
  if (!delta) {
    return ctx.reply.Error(kErrNotFloat);
  }
  long double result = current + *delta;
  if (std::isnan(result) || std::isinf(result)) {
    return ctx.reply.Error("ERR increment would produce NaN or Infinity");
  }
  std::string text = common::FormatLongDoubleHuman(result);
  ctx.keyspace.SetString(ctx.db(), ctx.args[1], text, kNoExpire, /*keep_ttl=*/true);
  ++ctx.dirty;
  ctx.reply.Bulk(text);
}

void CmdGetRange(CommandContext& ctx) {
  int64_t start;
  int64_t end;
  if (!ParseInt64OrReply(ctx, ctx.args[2], &start) || !ParseInt64OrReply(ctx, ctx.args[3], &end)) {
    return;
  }
  auto e = FindString(ctx, ctx.args[1]);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  std::string_view value = *e == nullptr ? std::string_view() : (*e)->value();
  // Redis: both negative and start > end is empty; then clamp as getrangeCommand does.
  if (start < 0 && end < 0 && start > end) {
    return ctx.reply.Bulk("");
  }
  std::optional<common::IndexRange> range =
      common::ClampRange(start, end, value.size(), common::NegativeEnd::kClampToFirst);
  if (!range) {
    return ctx.reply.Bulk("");
  }
  ctx.reply.Bulk(value.substr(range->first, range->size()));
}

void CmdSetRange(CommandContext& ctx) {
  int64_t offset;
  if (!ParseInt64OrReply(ctx, ctx.args[2], &offset)) {
    return;
  }
  if (offset < 0) {
    return ctx.reply.Error(kErrOffsetOutOfRange);
  }
  std::string_view value = ctx.args[3];
  auto e = FindString(ctx, ctx.args[1], Access::kWrite);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  size_t old_len = *e == nullptr ? 0 : (*e)->value().size();
  if (value.empty()) {
    return ctx.reply.Integer(static_cast<int64_t>(old_len));
  }
  if (!CheckLengthOrReply(ctx, static_cast<uint64_t>(offset) + value.size())) {
    return;
  }
  size_t new_len = std::max(old_len, static_cast<size_t>(offset) + value.size());
  Entry* target = ctx.keyspace.ResizeString(ctx.db(), ctx.args[1], new_len);
  std::memcpy(target->mutable_value() + offset, value.data(), value.size());
  ++ctx.dirty;
  ctx.reply.Integer(static_cast<int64_t>(new_len));
}

// ---- LCS ----

struct LcsOptions {
  bool len = false;
  bool idx = false;
  bool with_match_len = false;
  int64_t min_match_len = 0;
};

// A run of matching bytes: a[a_start..a_end] equals b[b_start..b_end] (inclusive).
struct LcsMatch {
  uint32_t a_start;
  uint32_t a_end;
  uint32_t b_start;
  uint32_t b_end;
  uint32_t length() const { return a_end - a_start + 1; }
};

struct LcsResult {
  std::string common;
  std::vector<LcsMatch> matches;  // from the end of the strings towards their start
};

// [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN] in any order.
bool ParseLcsOptionsOrReply(CommandContext& ctx, LcsOptions* opts) {
  for (size_t j = 3; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.args[j];
    if (EqualsIgnoreCase(opt, "idx")) {
      opts->idx = true;
    } else if (EqualsIgnoreCase(opt, "len")) {
      opts->len = true;
    } else if (EqualsIgnoreCase(opt, "withmatchlen")) {
      opts->with_match_len = true;
    } else if (EqualsIgnoreCase(opt, "minmatchlen") && j + 1 < ctx.argc()) {
      if (!ParseInt64OrReply(ctx, ctx.args[++j], &opts->min_match_len)) {
        return false;
      }
    } else {
      ctx.reply.Error(kErrSyntax);
      return false;
    }
  }
  if (opts->idx && opts->len) {
    ctx.reply.Error("ERR If you want both the length and indexes, please just use IDX.");
    return false;
  }
  return true;
}

// Length of the longest common subsequence in two rows of the DP table: LEN needs no walk back.
uint32_t LcsLength(std::string_view a, std::string_view b) {
  std::vector<uint32_t> prev(b.size() + 1, 0);
  std::vector<uint32_t> row(b.size() + 1, 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      row[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], row[j - 1]);
    }
    std::swap(prev, row);
  }
  return prev[b.size()];
}

// The longest common subsequence and its runs of contiguous matches, by the textbook DP table
// and a walk back from its last cell. Which of several equally long subsequences comes out
// depends on the walk, so it breaks ties as Redis's lcsCommand does: on a mismatch it moves
// up only when the cell above is strictly larger. Runs shorter than min_match_len are left out.
LcsResult ComputeLcs(std::string_view a, std::string_view b, int64_t min_match_len) {
  const size_t width = b.size() + 1;
  // dp[i * width + j]: LCS length of a[0, i) and b[0, j).
  std::vector<uint32_t> dp((a.size() + 1) * width, 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      dp[i * width + j] = a[i - 1] == b[j - 1]
                              ? dp[(i - 1) * width + j - 1] + 1
                              : std::max(dp[(i - 1) * width + j], dp[i * width + j - 1]);
    }
  }
  LcsResult result;
  size_t k = dp[a.size() * width + b.size()];
  result.common.resize(k);
  bool in_run = false;
  LcsMatch run{};
  auto close_run = [&] {
    if (in_run && static_cast<int64_t>(run.length()) >= min_match_len) {
      result.matches.push_back(run);
    }
    in_run = false;
  };
  size_t i = a.size();
  size_t j = b.size();
  while (i > 0 && j > 0) {
    if (a[i - 1] == b[j - 1]) {
      result.common[--k] = a[i - 1];
      auto ai = static_cast<uint32_t>(i - 1);
      auto bj = static_cast<uint32_t>(j - 1);
      // A run only continues along the diagonal: any other step closes it below.
      run = in_run ? LcsMatch{ai, run.a_end, bj, run.b_end} : LcsMatch{ai, ai, bj, bj};
      in_run = true;
      --i;
      --j;
      if (i == 0 || j == 0) {
        close_run();
      }
    } else {
      close_run();
      if (dp[(i - 1) * width + j] > dp[i * width + j - 1]) {
        --i;
      } else {
        --j;
      }
    }
  }
  return result;
}

void ReplyLcsIdx(CommandContext& ctx, const LcsResult& lcs, bool with_match_len) {
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("matches");
  ctx.reply.ArrayHeader(lcs.matches.size());
  for (const LcsMatch& m : lcs.matches) {
    ctx.reply.ArrayHeader(with_match_len ? 3 : 2);
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(m.a_start);
    ctx.reply.Integer(m.a_end);
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(m.b_start);
    ctx.reply.Integer(m.b_end);
    if (with_match_len) {
      ctx.reply.Integer(m.length());
    }
  }
  ctx.reply.Bulk("len");
  ctx.reply.Integer(static_cast<int64_t>(lcs.common.size()));
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]
void CmdLcs(CommandContext& ctx) {
  // Redis looks both keys up before reading the options, so a wrong type wins over a syntax
  // error; a missing key is an empty string.
  const Entry* a = ctx.keyspace.Find(ctx.db(), ctx.args[1]);
  const Entry* b = ctx.keyspace.Find(ctx.db(), ctx.args[2]);
  if ((a != nullptr && a->type() != ValueType::kString) ||
      (b != nullptr && b->type() != ValueType::kString)) {
    return ctx.reply.Error("ERR The specified keys must contain string values");
  }
  LcsOptions opts;
  if (!ParseLcsOptionsOrReply(ctx, &opts)) {
    return;
  }
  std::string_view va = a == nullptr ? std::string_view() : a->value();
  std::string_view vb = b == nullptr ? std::string_view() : b->value();
  // Redis's limits: lengths must fit its 32-bit indexes, and the DP table of 32-bit cells is
  // transient memory that may not exceed proto-max-bulk-len (512 MB by default). The check
  // holds for LEN too, although we compute that in two rows.
  if (va.size() >= UINT32_MAX - 1 || vb.size() >= UINT32_MAX - 1) {
    return ctx.reply.Error("ERR String too long for LCS");
  }
  uint64_t table_bytes = (va.size() + 1) * (vb.size() + 1) * sizeof(uint32_t);
  if (table_bytes >
      static_cast<uint64_t>(ctx.settings.proto_max_bulk_len.load(std::memory_order_relaxed))) {
    return ctx.reply.Error(
        "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
  }
  if (opts.len) {
    return ctx.reply.Integer(LcsLength(va, vb));
  }
  LcsResult lcs = ComputeLcs(va, vb, opts.min_match_len);
  if (opts.idx) {
    return ReplyLcsIdx(ctx, lcs, opts.with_match_len);
  }
  ctx.reply.Bulk(lcs.common);
}

}  // namespace

void RegisterStringCommands(CommandTable& table) {
  constexpr uint64_t kStr = kAclString;
  table.Add({.name = "get",
             .arity = 2,
             .flags = kReadOnly | kFast,
             .keys = {1, 1, 1},
             .acl = kStr | kAclRead | kAclFast,
             .handler = CmdGet,
             .summary = "Returns the string value of a key.",
             .since = "1.0.0",
             .group = "string"});
  table.Add({.name = "set",
             .arity = -3,
             .flags = kWrite | kDenyOom,
             .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclSlow,
             .handler = CmdSet,
             .summary = "Sets the string value of a key, ignoring its type. The key is created if "
                        "it doesn't exist.",
             .since = "1.0.0",
             .group = "string"});
  table.Add({.name = "setnx",
             .arity = 3,
             .flags = kWrite | kDenyOom | kFast,
             .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclFast,
             .handler = CmdSetNx,
             .summary = "Set the string value of a key only when the key doesn't exist.",
             .since = "1.0.0",
             .group = "string"});
  table.Add({.name = "setex",
             .arity = 4,
             .flags = kWrite | kDenyOom,
             .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclSlow,
             .handler = CmdSetEx,
             .summary = "Sets the string value and expiration time of a key. Creates the key if it "
                        "doesn't exist.",
             .since = "2.0.0",
             .group = "string"});
  table.Add({.name = "psetex",
             .arity = 4,
             .flags = kWrite | kDenyOom,
             .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclSlow,
             .handler = CmdPSetEx,
             .summary = "Sets both string value and expiration time in milliseconds of a key. The "
                        "key is created if it doesn't exist.",
             .since = "2.6.0",
             .group = "string"});
  table.Add({.name = "mget",
             .arity = -2,
             .flags = kReadOnly | kFast,
             .keys = {1, -1, 1},
             .acl = kStr | kAclRead | kAclFast,
             .handler = CmdMGet,
             .summary = "Atomically returns the string values of one or more keys.",
             .since = "1.0.0",
             .group = "string"});
  table.Add({.name = "mset",
             .arity = -3,
             .flags = kWrite | kDenyOom,
             .keys = {1, -1, 2},
             .acl = kStr | kAclWrite | kAclSlow,
             .handler = CmdMSet,
             .summary = "Atomically creates or modifies the string values of one or more keys.",
             .since = "1.0.1",
             .group = "string"});
  table.Add({.name = "msetnx",
             .arity = -3,
             .flags = kWrite | kDenyOom,
             .keys = {1, -1, 2},
             .acl = kStr | kAclWrite | kAclSlow,
             .handler = CmdMSetNx,
             .summary = "Atomically modifies the string values of one or more keys only when all "
                        "keys don't exist.",
             .since = "1.0.1",
             .group = "string"});
  table.Add(
      {.name = "getset",
       .arity = 3,
       .flags = kWrite | kDenyOom | kFast,
       .keys = {1, 1, 1},
       .acl = kStr | kAclWrite | kAclFast,
       .handler = CmdGetSet,
       .summary = "Returns the previous string value of a key after setting it to a new value.",
       .since = "1.0.0",
       .group = "string"});
  table.Add({.name = "getdel",
             .arity = 2,
             .flags = kWrite | kFast,
             .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclFast,
             .handler = CmdGetDel,
             .summary = "Returns the string value of a key after deleting the key.",
             .since = "6.2.0",
             .group = "string"});
  table.Add({.name = "getex",
             .arity = -2,
             .flags = kWrite | kFast,
             .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclFast,
             .handler = CmdGetEx,
             .summary = "Returns the string value of a key after setting its expiration time.",
             .since = "6.2.0",
             .group = "string"});
  table.Add(
      {.name = "append",
       .arity = 3,
       .flags = kWrite | kDenyOom | kFast,
       .keys = {1, 1, 1},
       .acl = kStr | kAclWrite | kAclFast,
       .handler = CmdAppend,
       .summary = "Appends a string to the value of a key. Creates the key if it doesn't exist.",
       .since = "2.0.0",
       .group = "string"});
  table.Add({.name = "strlen",
             .arity = 2,
             .flags = kReadOnly | kFast,
             .keys = {1, 1, 1},
             .acl = kStr | kAclRead | kAclFast,
             .handler = CmdStrLen,
             .summary = "Returns the length of a string value.",
             .since = "2.2.0",
             .group = "string"});
  table.Add({.name = "incr",
             .arity = 2,
             .flags = kWrite | kDenyOom | kFast,
             .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclFast,
             .handler = CmdIncr,
             .summary = "Increments the integer value of a key by one. Uses 0 as initial value if "
                        "the key doesn't exist.",
             .since = "1.0.0",
             .group = "string"});
  table.Add({.name = "decr",
             .arity = 2,
             .flags = kWrite | kDenyOom | kFast,
             .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclFast,
             .handler = CmdDecr,
             .summary = "Decrements the integer value of a key by one. Uses 0 as initial value if "
                        "the key doesn't exist.",
             .since = "1.0.0",
             .group = "string"});
  table.Add({.name = "incrby",
             .arity = 3,
             .flags = kWrite | kDenyOom | kFast,
             .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclFast,
             .handler = CmdIncrBy,
             .summary = "Increments the integer value of a key by a number. Uses 0 as initial "
                        "value if the key doesn't exist.",
             .since = "1.0.0",
             .group = "string"});
  table.Add({.name = "decrby",
             .arity = 3,
             .flags = kWrite | kDenyOom | kFast,
             .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclFast,
             .handler = CmdDecrBy,
             .summary = "Decrements a number from the integer value of a key. Uses 0 as initial "
                        "value if the key doesn't exist.",
             .since = "1.0.0",
             .group = "string"});
  table.Add({.name = "incrbyfloat",
             .arity = 3,
             .flags = kWrite | kDenyOom | kFast,
             .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclFast,
             .handler = CmdIncrByFloat,
             .summary = "Increment the floating point value of a key by a number. Uses 0 as "
                        "initial value if the key doesn't exist.",
             .since = "2.6.0",
             .group = "string"});
  table.Add({.name = "getrange",
             .arity = 4,
             .flags = kReadOnly,
             .keys = {1, 1, 1},
             .acl = kStr | kAclRead | kAclSlow,
             .handler = CmdGetRange,
             .summary = "Returns a substring of the string stored at a key.",
             .since = "2.4.0",
             .group = "string"});
  table.Add({.name = "setrange",
             .arity = 4,
             .flags = kWrite | kDenyOom,
             .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclSlow,
             .handler = CmdSetRange,
             .summary = "Overwrites a part of a string value with another by an offset. Creates "
                        "the key if it doesn't exist.",
             .since = "2.2.0",
             .group = "string"});
  table.Add({.name = "lcs",
             .arity = -3,
             .flags = kReadOnly,
             .keys = {1, 2, 1},
             .acl = kStr | kAclRead | kAclSlow,
             .handler = CmdLcs,
             .summary = "Find longest common substring",
             .since = "7.0.0",
             .group = "string"});
}

}  // namespace redoubt::commands
