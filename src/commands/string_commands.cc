// String commands: GET SET and friends, counters, ranges, LCS. Semantics, reply types and error
// texts follow Redis 7's t_string.c; each command is a row at the end of the file. A command
// that changes a string parses its arguments, calls its operation (string_operations.h) and
// formats the reply.
#include "commands/string_commands.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "commands/expire_options.h"
#include "commands/keyspace_notifications.h"
#include "commands/string_operations.h"
#include "common/index_range.h"
#include "common/numbers.h"
#include "storage/entry.h"

namespace redoubt::commands {
namespace {

using common::OpResult;
using common::OpStatus;
using storage::Access;
using storage::Entry;
using storage::ValueType;

OpResult<Entry*> FindString(CommandContext& ctx, std::string_view key,
                            Access access = Access::kRead) {
  return ctx.keyspace.FindOfType(ctx.db(), key, ValueType::kString, access);
}

// The longest string APPEND and SETRANGE may make (proto-max-bulk-len).
uint64_t MaxStringBytes(const CommandContext& ctx) {
  return static_cast<uint64_t>(ctx.settings.proto_max_bulk_len.load(std::memory_order_relaxed));
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

// What Redis's setGenericCommand reports once the value is stored: "set", then "expire" when the
// command gave an expire time (even one already passed).
void NotifyStored(CommandContext& ctx, const SetParams& params) {
  NotifyKeyspaceEvent(ctx, kNotifyString, "set", ctx.args[1]);
  if (params.expire_at_ms != storage::kNoExpire) {
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "expire", ctx.args[1]);
  }
}

// What the log receives for a stored value: SET with the expire time made absolute (PXAT), as
// Redis 7.0 propagates SET EX/PX/EXAT, SETEX and PSETEX, also when that time has passed (the
// replica keeps the key hidden until the DEL of its expiry follows). The NX/XX condition and
// GET are dropped: the value was stored, and a replay stores it too.
void PropagateStored(CommandContext& ctx, const SetParams& params, std::string_view value) {
  if (!ctx.propagating) {
    return;
  }
  std::string_view key = ctx.args[1];
  if (params.expire_at_ms != storage::kNoExpire) {
    std::string at = std::to_string(params.expire_at_ms);
    ctx.PropagateAs({"SET", key, value, "PXAT", at});
  } else if (params.keep_ttl) {
    ctx.PropagateAs({"SET", key, value, "KEEPTTL"});
  } else {
    ctx.PropagateAs({"SET", key, value});
  }
}

// SET ... GET and GETSET: the previous value (null without one), whether or not the value was
// stored. It goes into the reply while the operation still holds it, so it is not copied first.
void SetAndReplyPrevious(CommandContext& ctx, const SetParams& params,
                         common::SharedBytesRef* block) {
  bool had_previous = false;
  OpStatus status = OpSetAndGet(ctx.keyspace, ctx.db(), ctx.args[1], ctx.args[2], params, block,
                                [&](std::string_view previous) {
                                  ctx.reply.Bulk(previous);
                                  had_previous = true;
                                });
  if (status == OpStatus::kWrongType) {
    return ReplyError(ctx, status);
  }
  if (!had_previous) {
    ctx.reply.Null();
  }
  // After the reply, as Redis (a RESP3 client subscribed to its own events sees that order).
  if (status == OpStatus::kOk) {
    ++ctx.dirty;
    PropagateStored(ctx, params, ctx.args[2]);
    NotifyStored(ctx, params);
  }
}

// SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ts|KEEPTTL]
void CmdSet(CommandContext& ctx) {
  ExpireOptions opts;
  if (!ParseExpireOptionsOrReply(ctx, 3, ExpireOptions::kForSet, &opts)) {
    return;
  }
  SetParams params{.condition = opts.nx   ? SetParams::Condition::kIfMissing
                                : opts.xx ? SetParams::Condition::kIfExists
                                          : SetParams::Condition::kAlways,
                   .expire_at_ms = opts.expire_at_ms,
                   .keep_ttl = opts.keep_ttl};
  // A large value read into a block of its own is kept as it is (no copy). Only a value of
  // kLargeValueBytes or more can have been, so a small SET makes no virtual call for it.
  common::SharedBytesRef block;
  if (ctx.args[2].size() >= storage::kLargeValueBytes) {
    block = ctx.client.LargeArgument(ctx.args[2]);
  }
  if (opts.get) {
    return SetAndReplyPrevious(ctx, params, &block);
  }
  if (OpSet(ctx.keyspace, ctx.db(), ctx.args[1], ctx.args[2], params, &block) != OpStatus::kOk) {
    return ctx.reply.Null();
  }
  ++ctx.dirty;
  PropagateStored(ctx, params, ctx.args[2]);
  NotifyStored(ctx, params);
  ctx.reply.Ok();
}

void CmdSetNx(CommandContext& ctx) {
  SetParams params{.condition = SetParams::Condition::kIfMissing};
  OpStatus status = OpSet(ctx.keyspace, ctx.db(), ctx.args[1], ctx.args[2], params);
  bool stored = status == OpStatus::kOk;
  if (stored) {
    ++ctx.dirty;
    NotifyStored(ctx, params);
  }
  ctx.reply.Integer(stored ? 1 : 0);
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
  // Unconditional: always stored (logically expired already when the time has passed).
  SetParams params{.expire_at_ms = at};
  (void)OpSet(ctx.keyspace, ctx.db(), ctx.args[1], ctx.args[3], params);
  ++ctx.dirty;
  PropagateStored(ctx, params, ctx.args[3]);
  NotifyStored(ctx, params);
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

// One change per pair, as Redis counts MSET's and MSETNX's: a key named twice counts twice.
uint64_t Pairs(const CommandContext& ctx) {
  return (ctx.argc() - 1) / 2;
}

void CmdMSet(CommandContext& ctx) {
  if (!CheckPairsOrReply(ctx)) {
    return;
  }
  OpMSet(ctx.keyspace, ctx.db(), ctx.args.subspan(1),
         [&](std::string_view key) { NotifyKeyspaceEvent(ctx, kNotifyString, "set", key); });
  ctx.dirty += Pairs(ctx);
  ctx.reply.Ok();
}

void CmdMSetNx(CommandContext& ctx) {
  if (!CheckPairsOrReply(ctx)) {
    return;
  }
  if (OpMSetNx(ctx.keyspace, ctx.db(), ctx.args.subspan(1), [&](std::string_view key) {
        NotifyKeyspaceEvent(ctx, kNotifyString, "set", key);
      }) != OpStatus::kOk) {
    return ctx.reply.Integer(0);
  }
  ctx.dirty += Pairs(ctx);
  ctx.reply.Integer(1);
}

void CmdGetSet(CommandContext& ctx) {
  SetAndReplyPrevious(ctx, SetParams{}, nullptr);
}

void CmdGetDel(CommandContext& ctx) {
  OpStatus status = OpGetDel(ctx.keyspace, ctx.db(), ctx.args[1],
                             [&](std::string_view value) { ctx.reply.Bulk(value); });
  if (status == OpStatus::kKeyNotFound) {
    return ctx.reply.Null();
  }
  if (status != OpStatus::kOk) {
    return ReplyError(ctx, status);
  }
  ++ctx.dirty;
  NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", ctx.args[1]);
}

// GETEX's time value was bad. Redis reads it only after the key, so a key of another type still
// answers WRONGTYPE, and a missing one null.
void ReplyBadGetExTime(CommandContext& ctx, OpStatus time_status) {
  auto e = FindString(ctx, ctx.args[1]);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  if (*e == nullptr) {
    return ctx.reply.Null();
  }
  ReplyError(ctx, time_status);
}

// What Redis's getexCommand reports for a change.
std::string_view GetExEvent(GetExChange change) {
  switch (change) {
    case GetExChange::kPersisted:
      return "persist";
    case GetExChange::kExpireSet:
      return "expire";
    case GetExChange::kDeleted:
      return "del";
    case GetExChange::kNone:
      break;
  }
  return {};
}

// GETEX key [EX s|PX ms|EXAT ts|PXAT ts|PERSIST]
void CmdGetEx(CommandContext& ctx) {
  ExpireOptions opts;
  if (!ParseExpireOptionsOrReply(ctx, 2, ExpireOptions::kForGetEx, &opts)) {
    return;
  }
  if (OpStatus time = ResolveExpire(&opts); time != OpStatus::kOk) {
    return ReplyBadGetExTime(ctx, time);
  }
  OpResult<GetExChange> changed =
      OpGetEx(ctx.keyspace, ctx.db(), ctx.args[1],
              {.persist = opts.persist, .expire_at_ms = opts.expire_at_ms},
              [&](std::string_view value) { ctx.reply.Bulk(value); });
  if (changed.status() == OpStatus::kKeyNotFound) {
    return ctx.reply.Null();
  }
  if (!changed.ok()) {
    return ReplyError(ctx, changed.status());
  }
  if (*changed != GetExChange::kNone) {
    ++ctx.dirty;
    // In absolute time, as Redis 7.0 propagates GETEX.
    if (*changed == GetExChange::kPersisted) {
      ctx.PropagateAs({"PERSIST", ctx.args[1]});
    } else if (*changed == GetExChange::kDeleted) {
      ctx.PropagateAs({"DEL", ctx.args[1]});
    } else if (ctx.propagating) {
      std::string at = std::to_string(opts.expire_at_ms);
      ctx.PropagateAs({"PEXPIREAT", ctx.args[1], at});
    }
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, GetExEvent(*changed), ctx.args[1]);
  }
}

void CmdAppend(CommandContext& ctx) {
  OpResult<size_t> length =
      OpAppend(ctx.keyspace, ctx.db(), ctx.args[1], ctx.args[2], MaxStringBytes(ctx));
  if (!length.ok()) {
    return ReplyError(ctx, length.status());
  }
  // Appending "" still counts, as in Redis.
  ++ctx.dirty;
  NotifyKeyspaceEvent(ctx, kNotifyString, "append", ctx.args[1]);
  ctx.reply.Integer(static_cast<int64_t>(*length));
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
  OpResult<int64_t> result = OpIncrBy(ctx.keyspace, ctx.db(), ctx.args[1], delta);
  if (!result.ok()) {
    return ReplyError(ctx, result.status());
  }
  ++ctx.dirty;
  NotifyKeyspaceEvent(ctx, kNotifyString, "incrby", ctx.args[1]);
  ctx.reply.Integer(*result);
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

// INCRBYFLOAT's increment was not a number. Redis reads it only after the key, so a key of
// another type still answers WRONGTYPE.
void ReplyBadIncrement(CommandContext& ctx) {
  auto e = FindString(ctx, ctx.args[1], Access::kWrite);
  ctx.reply.Error(e.ok() ? kErrNotFloat : kErrWrongType);
}

void CmdIncrByFloat(CommandContext& ctx) {
  std::optional<long double> delta = common::ParseLongDouble(ctx.args[2]);
  if (!delta) {
    return ReplyBadIncrement(ctx);
  }
  OpResult<std::string> text = OpIncrByFloat(ctx.keyspace, ctx.db(), ctx.args[1], *delta);
  if (!text.ok()) {
    return ReplyError(ctx, text.status());
  }
  ++ctx.dirty;
  // The result, not the increment: a replay must not depend on float arithmetic (Redis 7.0).
  ctx.PropagateAs({"SET", ctx.args[1], *text, "KEEPTTL"});
  NotifyKeyspaceEvent(ctx, kNotifyString, "incrbyfloat", ctx.args[1]);
  ctx.reply.Bulk(*text);
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
  OpResult<size_t> length = OpSetRange(ctx.keyspace, ctx.db(), ctx.args[1],
                                       static_cast<uint64_t>(offset), value, MaxStringBytes(ctx));
  if (!length.ok()) {
    return ReplyError(ctx, length.status());
  }
  // Writing nothing changes nothing, as in Redis.
  if (!value.empty()) {
    ++ctx.dirty;
    NotifyKeyspaceEvent(ctx, kNotifyString, "setrange", ctx.args[1]);
  }
  ctx.reply.Integer(static_cast<int64_t>(*length));
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
  // SUBSTR: GETRANGE's name before Redis 2.0, still in Redis 7.0's table (deprecated).
  table.Add({.name = "substr",
             .arity = 4,
             .flags = kReadOnly,
             .keys = {1, 1, 1},
             .acl = kStr | kAclRead | kAclSlow,
             .handler = CmdGetRange,
             .summary = "Returns a substring from a string value.",
             .since = "1.0.0",
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
