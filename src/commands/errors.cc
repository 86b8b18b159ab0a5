// Redis error texts; see errors.h.
#include "commands/errors.h"

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <string>

#include "commands/command_spec.h"
#include "common/numbers.h"

namespace redoubt::commands {

using common::OpStatus;

std::string_view ErrorText(OpStatus status) {
  switch (status) {
    case OpStatus::kWrongType:
      return kErrWrongType;
    case OpStatus::kNotAnInteger:
      return kErrNotInteger;
    case OpStatus::kNotAFloat:
      return kErrNotFloat;
    case OpStatus::kOverflow:
      return kErrOverflow;
    case OpStatus::kKeyNotFound:
      return kErrNoSuchKey;
    case OpStatus::kOutOfMemory:
      return kErrOom;
    case OpStatus::kStringTooLong:
      return kErrStringTooLong;
    case OpStatus::kOutOfRange:
      return kErrOffsetOutOfRange;
    case OpStatus::kNotFinite:
      return kErrNotFinite;
    case OpStatus::kSyntaxError:
    case OpStatus::kSkipped:
    case OpStatus::kInvalidExpireTime:
    case OpStatus::kOk:
      break;
  }
  return kErrSyntax;
}

void ReplyError(CommandContext& ctx, OpStatus status) {
  if (status == OpStatus::kInvalidExpireTime) {
    ctx.reply.Error(InvalidExpireText(ctx.spec.name));
    return;
  }
  ctx.reply.Error(ErrorText(status));
}

std::string WrongArityText(std::string_view command_name) {
  return "ERR wrong number of arguments for '" + std::string(command_name) + "' command";
}

std::string UnknownCommandText(std::span<const std::string_view> args) {
  std::string text = "ERR unknown command '";
  text.append(args[0].substr(0, 128));
  text.append("', with args beginning with: ");
  // As Redis: arguments are listed while the list is under 128 bytes, the last one cut to fit.
  std::string listed;
  for (size_t i = 1; i < args.size() && listed.size() < 128; ++i) {
    listed.push_back('\'');
    listed.append(args[i].substr(0, 128 - listed.size() + 1));
    listed.append("' ");
  }
  text.append(listed);
  return text;
}

std::string UnknownSubcommandText(std::string_view command_name, std::string_view subcommand) {
  std::string upper(command_name);
  for (char& c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return "ERR unknown subcommand '" + std::string(subcommand.substr(0, 128)) + "'. Try " + upper +
         " HELP.";
}

std::string NoPermCommandText(std::string_view command_name) {
  return "NOPERM this user has no permissions to run the '" + std::string(command_name) +
         "' command";
}

std::string InvalidExpireText(std::string_view command_name) {
  return "ERR invalid expire time in '" + std::string(command_name) + "' command";
}

bool ParseInt64OrReply(CommandContext& ctx, std::string_view arg, int64_t* out,
                       std::string_view error) {
  auto v = common::ParseInt64(arg);
  if (!v) {
    ctx.reply.Error(error);
    return false;
  }
  *out = *v;
  return true;
}

bool ParseInt64InRangeOrReply(CommandContext& ctx, std::string_view arg, int64_t min, int64_t max,
                              int64_t* out, std::string_view error) {
  int64_t v;
  if (!ParseInt64OrReply(ctx, arg, &v, error.empty() ? kErrNotInteger : error)) {
    return false;
  }
  if (v < min || v > max) {
    ctx.reply.Error(error.empty() ? "ERR value is out of range, value must between " +
                                        std::to_string(min) + " and " + std::to_string(max)
                                  : std::string(error));
    return false;
  }
  *out = v;
  return true;
}

bool ParseIntOrReply(CommandContext& ctx, std::string_view arg, int* out, std::string_view error) {
  int64_t v;
  if (!ParseInt64InRangeOrReply(ctx, arg, INT_MIN, INT_MAX, &v, error)) {
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

bool ParseDoubleOrReply(CommandContext& ctx, std::string_view arg, double* out) {
  auto v = common::ParseDouble(arg);
  if (!v) {
    ctx.reply.Error(kErrNotFloat);
    return false;
  }
  *out = *v;
  return true;
}

bool FindKeyOfTypeOrReply(CommandContext& ctx, storage::ValueType type, storage::Access access,
                          storage::Entry** out) {
  return FindKeyOfTypeOrReply(ctx, ctx.args[1], type, access, out);
}

bool FindKeyOfTypeOrReply(CommandContext& ctx, std::string_view key, storage::ValueType type,
                          storage::Access access, storage::Entry** out) {
  common::OpResult<storage::Entry*> found = ctx.keyspace.FindOfType(ctx.db(), key, type, access);
  if (!found.ok()) {
    ReplyError(ctx, found.status());
    return false;
  }
  *out = *found;
  return true;
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

bool ParseDbIndexOrReply(CommandContext& ctx, std::string_view arg, int* out) {
  auto v = common::ParseInt64(arg);
  if (!v) {
    ctx.reply.Error(kErrNotInteger);
    return false;
  }
  if (*v < 0 || *v >= ctx.keyspace.databases()) {
    ctx.reply.Error(kErrDbIndex);
    return false;
  }
  *out = static_cast<int>(*v);
  return true;
}

}  // namespace redoubt::commands
