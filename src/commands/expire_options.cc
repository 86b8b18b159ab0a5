// SET/GETEX expiry options; see expire_options.h. Mirrors Redis 7's
// parseExtendedStringArgumentsOrReply and getExpireMillisecondsOrReply (t_string.c).
#include "commands/expire_options.h"

#include <cstdint>
#include <optional>
#include <string_view>

#include "commands/command_spec.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "common/clock.h"
#include "common/numbers.h"

namespace redoubt::commands {
namespace {

enum Flag : unsigned {
  kNx = 1,
  kXx = 2,
  kGet = 4,
  kKeepTtl = 8,
  kPersist = 16,
  kEx = 32,
  kPx = 64,
  kExAt = 128,
  kPxAt = 256,
};
constexpr unsigned kAnyExpire = kEx | kPx | kExAt | kPxAt;

}  // namespace

bool RelativeToAbsoluteMs(int64_t amount, bool seconds, int64_t* out) {
  if (amount <= 0 || (seconds && amount > INT64_MAX / 1000)) {
    return false;
  }
  int64_t ms = seconds ? amount * 1000 : amount;
  int64_t now = common::UnixMillis();
  if (ms > INT64_MAX - now) {
    return false;
  }
  *out = now + ms;
  return true;
}

bool ParseExpireOptionsOrReply(CommandContext& ctx, size_t first, ExpireOptions::Mode mode,
                               ExpireOptions* out) {
  const bool for_set = mode == ExpireOptions::kForSet;
  unsigned flags = 0;
  std::string_view time_arg;
  for (size_t j = first; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.args[j];
    bool has_next = j + 1 < ctx.argc();
    auto exclusive = [&](unsigned self, unsigned others) { return !(flags & (others & ~self)); };
    if (for_set && EqualsIgnoreCase(opt, "nx") && !(flags & kXx)) {
      flags |= kNx;
    } else if (for_set && EqualsIgnoreCase(opt, "xx") && !(flags & kNx)) {
      flags |= kXx;
    } else if (for_set && EqualsIgnoreCase(opt, "get")) {
      flags |= kGet;
    } else if (for_set && EqualsIgnoreCase(opt, "keepttl") && !(flags & (kPersist | kAnyExpire))) {
      flags |= kKeepTtl;
    } else if (!for_set && EqualsIgnoreCase(opt, "persist") && !(flags & (kKeepTtl | kAnyExpire))) {
      flags |= kPersist;
    } else if (has_next && EqualsIgnoreCase(opt, "ex") &&
               exclusive(kEx, kKeepTtl | kPersist | kAnyExpire)) {
      flags |= kEx;
      time_arg = ctx.args[++j];
    } else if (has_next && EqualsIgnoreCase(opt, "px") &&
               exclusive(kPx, kKeepTtl | kPersist | kAnyExpire)) {
      flags |= kPx;
      time_arg = ctx.args[++j];
    } else if (has_next && EqualsIgnoreCase(opt, "exat") &&
               exclusive(kExAt, kKeepTtl | kPersist | kAnyExpire)) {
      flags |= kExAt;
      time_arg = ctx.args[++j];
    } else if (has_next && EqualsIgnoreCase(opt, "pxat") &&
               exclusive(kPxAt, kKeepTtl | kPersist | kAnyExpire)) {
      flags |= kPxAt;
      time_arg = ctx.args[++j];
    } else {
      ctx.reply.Error(kErrSyntax);
      return false;
    }
  }
  out->nx = flags & kNx;
  out->xx = flags & kXx;
  out->get = flags & kGet;
  out->keep_ttl = flags & kKeepTtl;
  out->persist = flags & kPersist;
  if (flags & kAnyExpire) {
    out->time_arg = time_arg;
    out->time_in_seconds = flags & (kEx | kExAt);
    out->time_relative = flags & (kEx | kPx);
  }
  return !for_set || ResolveExpireOrReply(ctx, out);
}

common::OpStatus ResolveExpire(ExpireOptions* opts) {
  if (opts->time_arg.data() == nullptr) {
    return common::OpStatus::kOk;
  }
  std::optional<int64_t> amount = common::ParseInt64(opts->time_arg);
  if (!amount) {
    return common::OpStatus::kNotAnInteger;
  }
  const bool seconds = opts->time_in_seconds;
  if (*amount <= 0 || (seconds && *amount > INT64_MAX / 1000)) {
    return common::OpStatus::kInvalidExpireTime;
  }
  if (opts->time_relative) {
    if (!RelativeToAbsoluteMs(*amount, seconds, &opts->expire_at_ms)) {
      return common::OpStatus::kInvalidExpireTime;
    }
  } else {
    opts->expire_at_ms = seconds ? *amount * 1000 : *amount;
  }
  return common::OpStatus::kOk;
}

bool ResolveExpireOrReply(CommandContext& ctx, ExpireOptions* opts) {
  common::OpStatus status = ResolveExpire(opts);
  if (status != common::OpStatus::kOk) {
    ReplyError(ctx, status);
    return false;
  }
  return true;
}

}  // namespace redoubt::commands
