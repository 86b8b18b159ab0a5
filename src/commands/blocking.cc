// The blocking commands' shared steps; see blocking.h.
#include "commands/blocking.h"

#include <climits>
#include <cmath>
#include <optional>
#include <vector>

#include "commands/errors.h"
#include "common/clock.h"
#include "common/numbers.h"

namespace redoubt::commands {
namespace {

// The absolute deadline `timeout_ms` from now (0: none), or "ERR timeout is out of range".
bool DeadlineOrReply(CommandContext& ctx, int64_t timeout_ms, int64_t* deadline_ms) {
  if (timeout_ms == 0) {
    *deadline_ms = 0;
    return true;
  }
  const int64_t now = common::UnixMillis();
  if (timeout_ms > INT64_MAX - now) {
    ctx.reply.Error("ERR timeout is out of range");
    return false;
  }
  *deadline_ms = now + timeout_ms;
  return true;
}

}  // namespace

bool ParseBlockTimeoutOrReply(CommandContext& ctx, std::string_view arg, int64_t* deadline_ms) {
  std::optional<long double> seconds = common::ParseLongDouble(arg);
  if (!seconds) {
    ctx.reply.Error("ERR timeout is not a float or out of range");
    return false;
  }
  // Redis rounds seconds * 1000 up (so 0.001 is 1 ms, not "forever") and casts it to long
  // long: a value past its range comes out as LLONG_MIN on x86-64 (the cast's "integer
  // indefinite"), so it is "negative" there too.
  const long double ms = std::ceil(*seconds * 1000.0L);
  const int64_t timeout =
      (ms >= static_cast<long double>(INT64_MAX) || ms < static_cast<long double>(INT64_MIN))
          ? INT64_MIN
          : static_cast<int64_t>(ms);
  if (timeout < 0) {
    ctx.reply.Error("ERR timeout is negative");
    return false;
  }
  return DeadlineOrReply(ctx, timeout, deadline_ms);
}

bool ParseBlockMillisOrReply(CommandContext& ctx, std::string_view arg, int64_t* deadline_ms) {
  int64_t timeout;
  if (!ParseInt64OrReply(ctx, arg, &timeout, "ERR timeout is not an integer or out of range")) {
    return false;
  }
  if (timeout < 0) {
    ctx.reply.Error("ERR timeout is negative");
    return false;
  }
  return DeadlineOrReply(ctx, timeout, deadline_ms);
}

bool FindKeyToPopOrReply(CommandContext& ctx, std::string_view key, storage::ValueType type,
                         storage::Entry** e) {
  common::OpResult<storage::Entry*> found =
      ctx.keyspace.FindOfType(ctx.db(), key, type, storage::Access::kWrite);
  if (!found.ok()) {
    if (ctx.client.retrying_blocked()) {
      *e = nullptr;
      return true;
    }
    ReplyError(ctx, found.status());
    return false;
  }
  *e = *found;
  return true;
}

void WaitOrReplyNull(CommandContext& ctx, std::span<const std::string_view> keys,
                     int64_t deadline_ms, bool null_bulk) {
  if (!ctx.client.can_block()) {
    return null_bulk ? ctx.reply.Null() : ctx.reply.NullArray();
  }
  ctx.block = BlockRequest{std::vector<std::string_view>(keys.begin(), keys.end()), deadline_ms};
}

void PopFirstOrWait(
    CommandContext& ctx, storage::ValueType type,
    const std::function<void(std::string_view key, storage::Entry* e)>& pop_and_reply) {
  int64_t deadline;
  if (!ParseBlockTimeoutOrReply(ctx, ctx.args.back(), &deadline)) {
    return;
  }
  std::span<const std::string_view> keys = ctx.args.subspan(1, ctx.argc() - 2);
  for (std::string_view key : keys) {
    storage::Entry* e;
    if (!FindKeyToPopOrReply(ctx, key, type, &e)) {
      return;
    }
    if (e != nullptr) {
      return pop_and_reply(key, e);
    }
  }
  WaitOrReplyNull(ctx, keys, deadline);
}

void MpopOrWait(CommandContext& ctx, std::string_view first_end, std::string_view second_end,
                bool (*pop_or_reply)(CommandContext& ctx, const MpopArguments& args)) {
  int64_t deadline;
  if (!ParseBlockTimeoutOrReply(ctx, ctx.args[1], &deadline)) {
    return;
  }
  MpopArguments args{.ends = {first_end, second_end}};
  if (ParseMpopArgumentsOrReply(ctx, 2, &args) && !pop_or_reply(ctx, args)) {
    WaitOrReplyNull(ctx, args.keys, deadline);
  }
}

}  // namespace redoubt::commands
