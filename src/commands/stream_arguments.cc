// Stream command arguments; see stream_arguments.h. Follows Redis 7.0.15's t_stream.c
// (streamGenericParseIDOrReply, streamParseIntervalIDOrReply, streamParseAddOrTrimArgsOrReply)
// and util.c's string2ull.
#include "commands/stream_arguments.h"

#include <cerrno>
#include <cstdlib>
#include <optional>
#include <string>

#include "commands/errors.h"
#include "common/ascii.h"
#include "common/numbers.h"

namespace redoubt::commands {
namespace {

using storage::StreamId;
using storage::StreamTrim;

// Redis's string2ull: a strict int64 that is not negative, or else whatever strtoull takes
// whole (leading blanks, a sign, leading zeros; a '-' wraps around, as in C).
std::optional<uint64_t> ParseIdPart(const std::string& text) {
  if (std::optional<int64_t> v = common::ParseInt64(text)) {
    if (*v < 0) {
      return std::nullopt;
    }
    return static_cast<uint64_t>(*v);
  }
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (errno == EINVAL || errno == ERANGE || text.empty() || *end != '\0') {
    return std::nullopt;
  }
  return v;
}

// Redis's default LIMIT for an approximate trim: a hundred nodes' worth, within [10000, 1e6]
// when stream-node-max-entries makes that 0 or huge.
int64_t DefaultTrimLimit(const RuntimeSettings& settings) {
  const int64_t per_node = settings.stream_node_max_entries.load(std::memory_order_relaxed);
  int64_t limit = per_node > INT64_MAX / 100 ? INT64_MAX : 100 * per_node;
  if (limit <= 0) {
    limit = 10000;
  }
  return limit > 1000000 ? 1000000 : limit;
}

}  // namespace

namespace {

// streamGenericParseIDOrReply without its reply.
bool ParseStreamId(std::string_view arg, uint64_t missing_seq, bool strict, bool* seq_given,
                   StreamId* out) {
  // Redis copies the argument into a 128-byte C string: longer is invalid, and a NUL ends it.
  if (arg.size() > 127) {
    return false;
  }
  std::string text(arg.substr(0, arg.find('\0')));
  if (strict && (text == "-" || text == "+")) {
    return false;
  }
  if (seq_given != nullptr) {
    *seq_given = true;
  }
  if (text == "-") {
    *out = StreamId::Min();
    return true;
  }
  if (text == "+") {
    *out = StreamId::Max();
    return true;
  }
  const size_t dash = text.find('-');
  std::optional<uint64_t> ms = ParseIdPart(text.substr(0, dash));
  std::optional<uint64_t> seq = missing_seq;
  if (ms && dash != std::string::npos) {
    std::string rest = text.substr(dash + 1);
    if (seq_given != nullptr && rest == "*") {
      seq = 0;
      *seq_given = false;
    } else {
      seq = ParseIdPart(rest);
    }
  }
  if (!ms || !seq) {
    return false;
  }
  *out = StreamId{*ms, *seq};
  return true;
}

}  // namespace

bool ParseStreamIdOrReply(CommandContext& ctx, std::string_view arg, uint64_t missing_seq,
                          bool strict, bool* seq_given, StreamId* out) {
  if (!ParseStreamId(arg, missing_seq, strict, seq_given, out)) {
    ctx.reply.Error(kErrInvalidStreamId);
    return false;
  }
  return true;
}

bool ParseStreamIdQuietly(std::string_view arg, StreamId* out) {
  return ParseStreamId(arg, 0, /*strict=*/true, nullptr, out);
}

bool ParseRangeStartOrReply(CommandContext& ctx, std::string_view arg, StreamId* out) {
  const bool exclusive = arg.size() > 1 && arg[0] == '(';
  if (!ParseStreamIdOrReply(ctx, exclusive ? arg.substr(1) : arg, 0, exclusive, nullptr, out)) {
    return false;
  }
  if (exclusive && !out->Increment()) {
    ctx.reply.Error("ERR invalid start ID for the interval");
    return false;
  }
  return true;
}

bool ParseRangeEndOrReply(CommandContext& ctx, std::string_view arg, StreamId* out) {
  const bool exclusive = arg.size() > 1 && arg[0] == '(';
  if (!ParseStreamIdOrReply(ctx, exclusive ? arg.substr(1) : arg, UINT64_MAX, exclusive, nullptr,
                            out)) {
    return false;
  }
  if (exclusive && !out->Decrement()) {
    ctx.reply.Error("ERR invalid end ID for the interval");
    return false;
  }
  return true;
}

bool ParseStreamAddArgumentsOrReply(CommandContext& ctx, bool xadd, StreamAddArguments* out) {
  using common::EqualsIgnoreCase;
  constexpr std::string_view kBothStrategies =
      "ERR syntax error, MAXLEN and MINID options at the same time are not compatible";
  StreamTrim& trim = out->trim;
  bool limit_given = false;
  size_t i = 2;
  for (; i < ctx.argc(); ++i) {
    const size_t more = ctx.argc() - 1 - i;
    std::string_view opt = ctx.args[i];
    if (xadd && opt == "*") {
      break;  // the common case: an id to generate
    }
    const bool maxlen = EqualsIgnoreCase(opt, "maxlen");
    if ((maxlen || EqualsIgnoreCase(opt, "minid")) && more > 0) {
      if (trim.strategy != StreamTrim::Strategy::kNone) {
        ctx.reply.Error(kBothStrategies);
        return false;
      }
      trim.approx = false;
      std::string_view next = ctx.args[i + 1];
      if (more >= 2 && next == "~") {
        trim.approx = true;
        ++i;
      } else if (more >= 2 && next == "=") {
        ++i;
      }
      if (maxlen) {
        int64_t n;
        if (!ParseInt64OrReply(ctx, ctx.args[i + 1], &n)) {
          return false;
        }
        if (n < 0) {
          ctx.reply.Error("ERR The MAXLEN argument must be >= 0.");
          return false;
        }
        trim.max_len = static_cast<uint64_t>(n);
        trim.strategy = StreamTrim::Strategy::kMaxLen;
      } else {
        if (!ParseStreamIdOrReply(ctx, ctx.args[i + 1], 0, /*strict=*/true, nullptr,
                                  &trim.min_id)) {
          return false;
        }
        trim.strategy = StreamTrim::Strategy::kMinId;
      }
      ++i;
      out->trim_arg_index = i;
    } else if (EqualsIgnoreCase(opt, "limit") && more > 0) {
      if (!ParseInt64OrReply(ctx, ctx.args[i + 1], &trim.limit)) {
        return false;
      }
      if (trim.limit < 0) {
        ctx.reply.Error("ERR The LIMIT argument must be >= 0.");
        return false;
      }
      limit_given = true;
      ++i;
    } else if (xadd && EqualsIgnoreCase(opt, "nomkstream")) {
      out->no_mkstream = true;
    } else if (xadd) {
      // A syntax error or the id.
      if (!ParseStreamIdOrReply(ctx, opt, 0, /*strict=*/true, &out->seq_given, &out->id)) {
        return false;
      }
      out->id_given = true;
      break;
    } else {
      ctx.reply.Error(kErrSyntax);
      return false;
    }
  }
  out->id_index = i;
  if (trim.limit != 0 && trim.strategy == StreamTrim::Strategy::kNone) {
    ctx.reply.Error(
        "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return false;
  }
  if (!xadd && trim.strategy == StreamTrim::Strategy::kNone) {
    ctx.reply.Error("ERR syntax error, XTRIM must be called with a trimming strategy");
    return false;
  }
  if (ctx.client.is_primary_link()) {
    // The primary rewrote an approximate trim as an exact one: apply it whole.
    trim.limit = 0;
  } else if (limit_given) {
    if (!trim.approx) {
      ctx.reply.Error("ERR syntax error, LIMIT cannot be used without the special ~ option");
      return false;
    }
  } else {
    trim.limit = trim.approx ? DefaultTrimLimit(ctx.settings) : 0;
  }
  return true;
}

}  // namespace redoubt::commands
