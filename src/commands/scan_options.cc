// SCAN-family options and the scan of one aggregate; see scan_options.h.
#include "commands/scan_options.h"

#include <string>
#include <utility>
#include <vector>

#include "commands/command_table.h"
#include "commands/errors.h"
#include "common/glob.h"

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

void ReplyElementScan(CommandContext& ctx, const ElementScan& scan) {
  uint64_t cursor;
  if (!ParseScanCursorOrReply(ctx, ctx.args[2], &cursor)) {
    return;
  }
  ScanOptions options;
  if (!ParseScanOptionsOrReply(ctx, 3, /*allow_type=*/false, &options)) {
    return;
  }
  storage::Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, scan.type, storage::Access::kRead, &e)) {
    return;
  }
  // Values are copied: ZSCAN's scores are text made for the call.
  std::vector<std::pair<std::string_view, std::string>> found;
  int64_t items = 0;
  const ElementScan::Emit keep = [&](std::string_view name, std::string_view value) {
    items += scan.pairs ? 2 : 1;
    if (!options.use_pattern || common::GlobMatch(options.pattern, name)) {
      found.emplace_back(name, value);
    }
  };
  if (e == nullptr) {
    cursor = 0;
  } else if (e->encoding() != storage::Encoding::kHashtable) {
    scan.for_each_packed(*e, keep);
    cursor = 0;
  } else {
    int64_t buckets_left = options.count > INT64_MAX / 10 ? INT64_MAX : options.count * 10;
    do {
      cursor = scan.scan_step(*e, cursor, keep);
    } while (cursor != 0 && --buckets_left > 0 && items < options.count);
  }
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(cursor));
  ctx.reply.ArrayHeader(scan.pairs ? found.size() * 2 : found.size());
  for (const auto& [name, value] : found) {
    ctx.reply.Bulk(name);
    if (scan.pairs) {
      ctx.reply.Bulk(value);
    }
  }
}

}  // namespace redoubt::commands
