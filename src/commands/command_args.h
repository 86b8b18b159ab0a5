// The argument trees COMMAND DOCS reports, as Redis 7.0 declares them for each command and
// subcommand: each argument's name, type, token, flags and key spec, with the arguments of its
// `oneof` and `block` groups beneath it; and each command's version, group and deprecation
// marks. They come from
// redis_command_args.inc, generated from redis-server's COMMAND DOCS by
// scripts/gen-redis-command-args.py (interface only: no complexity, history or summaries).
//
// Thread: constant data and pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace redoubt::commands {

enum class ArgType : uint8_t {
  kString,
  kInteger,
  kDouble,
  kKey,
  kPattern,
  kUnixTime,
  kPureToken,
  kOneOf,
  kBlock,
};

// COMMAND DOCS's argument flags.
enum ArgFlag : uint8_t {
  kArgOptional = 1u << 0,
  kArgMultiple = 1u << 1,
  kArgMultipleToken = 1u << 2,
};

// COMMAND DOCS's doc_flags.
enum DocFlag : uint8_t {
  kDocDeprecated = 1u << 0,
  kDocSyscmd = 1u << 1,
};

struct CommandArgument {
  std::string_view name;
  ArgType type = ArgType::kString;
  int key_spec_index = -1;  // kKey: the key spec that finds it
  std::string_view token;   // the literal that introduces it, if any (null view: none; "" is one)
  std::string_view since;
  std::string_view deprecated_since;
  uint8_t flags = 0;  // ArgFlag bits
  // kOneOf and kBlock: their arguments, contiguous in the table.
  int first_child = 0;
  int children = 0;
};

struct RedisCommandDocs {
  std::string_view name;  // "set", "client|list"
  std::string_view since;
  std::string_view group;
  uint8_t doc_flags = 0;  // DocFlag bits
  std::string_view deprecated_since;
  std::string_view replaced_by;
  int first_argument = 0;
  int arguments = 0;
};

// Redis 7.0's documentation of a command or subcommand; nullptr for a command Redis does not
// have.
const RedisCommandDocs* FindRedisCommandDocs(std::string_view name);
std::span<const CommandArgument> ArgumentsOf(const RedisCommandDocs& docs);
std::span<const CommandArgument> ChildrenOf(const CommandArgument& argument);
std::string_view ArgTypeName(ArgType type);

}  // namespace redoubt::commands
