// Redis 7.0's argument trees and their lookup; see command_args.h.
#include "commands/command_args.h"

#include <algorithm>

namespace redoubt::commands {
namespace {

#include "commands/redis_command_args.inc"

}  // namespace

const RedisCommandDocs* FindRedisCommandDocs(std::string_view name) {
  const auto* end = std::end(kRedisCommandDocs);
  const auto* it = std::lower_bound(
      std::begin(kRedisCommandDocs), end, name,
      [](const RedisCommandDocs& row, std::string_view n) { return row.name < n; });
  return it != end && it->name == name ? it : nullptr;
}

std::span<const CommandArgument> ArgumentsOf(const RedisCommandDocs& docs) {
  return std::span<const CommandArgument>(kRedisArguments)
      .subspan(docs.first_argument, docs.arguments);
}

std::span<const CommandArgument> ChildrenOf(const CommandArgument& argument) {
  return std::span<const CommandArgument>(kRedisArguments)
      .subspan(argument.first_child, argument.children);
}

std::string_view ArgTypeName(ArgType type) {
  switch (type) {
    case ArgType::kString:
      return "string";
    case ArgType::kInteger:
      return "integer";
    case ArgType::kDouble:
      return "double";
    case ArgType::kKey:
      return "key";
    case ArgType::kPattern:
      return "pattern";
    case ArgType::kUnixTime:
      return "unix-time";
    case ArgType::kPureToken:
      return "pure-token";
    case ArgType::kOneOf:
      return "oneof";
    case ArgType::kBlock:
      return "block";
  }
  return "string";
}

}  // namespace redoubt::commands
