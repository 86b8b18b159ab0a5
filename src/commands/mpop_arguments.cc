// LMPOP's and ZMPOP's arguments; see mpop_arguments.h.
#include "commands/mpop_arguments.h"

#include <climits>

#include "commands/command_table.h"
#include "commands/errors.h"

namespace redoubt::commands {

bool ParseMpopArgumentsOrReply(CommandContext& ctx, size_t numkeys_index, MpopArguments* out) {
  int64_t numkeys;
  if (!ParseInt64InRangeOrReply(ctx, ctx.args[numkeys_index], 1, LONG_MAX, &numkeys,
                                "ERR numkeys should be greater than 0")) {
    return false;
  }
  const size_t where_index = numkeys_index + 1 + static_cast<size_t>(numkeys);
  if (static_cast<uint64_t>(numkeys) >= ctx.argc() - numkeys_index || where_index >= ctx.argc()) {
    ctx.reply.Error(kErrSyntax);
    return false;
  }
  const std::string_view where = ctx.args[where_index];
  if (EqualsIgnoreCase(where, out->ends[0])) {
    out->from_second_end = false;
  } else if (EqualsIgnoreCase(where, out->ends[1])) {
    out->from_second_end = true;
  } else {
    ctx.reply.Error(kErrSyntax);
    return false;
  }
  out->count = 0;
  for (size_t i = where_index + 1; i < ctx.argc(); ++i) {
    if (out->count == 0 && EqualsIgnoreCase(ctx.args[i], "count") && i + 1 < ctx.argc()) {
      int64_t count;
      if (!ParseInt64InRangeOrReply(ctx, ctx.args[++i], 1, LONG_MAX, &count,
                                    "ERR count should be greater than 0")) {
        return false;
      }
      out->count = static_cast<size_t>(count);
    } else {
      ctx.reply.Error(kErrSyntax);
      return false;
    }
  }
  if (out->count == 0) {
    out->count = 1;
  }
  out->keys = ctx.args.subspan(numkeys_index + 1, static_cast<size_t>(numkeys));
  return true;
}

}  // namespace redoubt::commands
