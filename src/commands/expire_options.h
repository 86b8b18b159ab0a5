// Parsing of the expiry options shared by SET and GETEX (EX PX EXAT PXAT KEEPTTL PERSIST, and
// SET's NX XX GET), with Redis 7's precedence: option syntax is checked over all arguments
// first, then the time value ("value is not an integer", then "invalid expire time").
#pragma once

#include <cstdint>

#include "commands/command_context.h"
#include "common/op_status.h"
#include "storage/entry.h"

namespace redoubt::commands {

struct ExpireOptions {
  enum Mode { kForSet, kForGetEx };
  bool nx = false;
  bool xx = false;
  bool get = false;
  bool keep_ttl = false;
  bool persist = false;
  int64_t expire_at_ms = storage::kNoExpire;  // absolute, once resolved
  // The time argument and its unit, until resolved.
  std::string_view time_arg;
  bool time_in_seconds = false;
  bool time_relative = false;
};

// Parses the option syntax of args[first..]. On error writes the reply and returns false.
// For SET the time value is resolved too; GETEX resolves it itself, because Redis answers a
// missing key (or one of another type) before a bad time value.
bool ParseExpireOptionsOrReply(CommandContext& ctx, size_t first, ExpireOptions::Mode mode,
                               ExpireOptions* out);

// Turns the time argument into expire_at_ms. Returns kOk (also without a time argument),
// kNotAnInteger or kInvalidExpireTime.
common::OpStatus ResolveExpire(ExpireOptions* opts);
// ResolveExpire, replying with its error ("value is not an integer", "invalid expire time").
bool ResolveExpireOrReply(CommandContext& ctx, ExpireOptions* opts);

// now + amount (seconds or ms) in absolute ms; false for amount <= 0 or overflow, which Redis
// reports as "invalid expire time".
bool RelativeToAbsoluteMs(int64_t amount, bool seconds, int64_t* out);

}  // namespace redoubt::commands
