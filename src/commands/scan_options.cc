// SCAN-family options; see scan_options.h.
#include "commands/scan_options.h"

#include "commands/command_table.h"
#include "commands/errors.h"

namespace redoubt::commands {

bool ParseScanOptionsOrReply(CommandContext& ctx, size_t first, bool allow_type, ScanOptions* out) {
  for (size_t i = first; i < ctx.argc(); i += 2) {
    std::string_view opt = ctx.args[i];
    bool has_value = i + 1 < ctx.argc();
    if (has_value && EqualsIgnoreCase(opt, "count")) {
      if (!ParseInt64OrReply(ctx, ctx.args[i + 1], &out->count)) {
        return false;
      }
      if (out->count < 1) {
        ctx.reply.Error(kErrSyntax);
        return false;
      }
    } else if (has_value && EqualsIgnoreCase(opt, "match")) {
      out->pattern = ctx.args[i + 1];
      out->use_pattern = out->pattern != "*";
    } else if (has_value && allow_type && EqualsIgnoreCase(opt, "type")) {
      out->type = ctx.args[i + 1];
      out->use_type = true;
    } else {
      ctx.reply.Error(kErrSyntax);
      return false;
    }
  }
  return true;
}

}  // namespace redoubt::commands
