// What the server knows about a command: one row per command (or subcommand), declared next to
// its handler in the family's file. Dispatch, arity checks, key extraction (and so shard
// locking), COMMAND INFO/COUNT/DOCS/GETKEYS and INFO commandstats all read this row; later,
// ACL key patterns and cluster slot routing will read the same key specs. Redis 7's key
// specifications and tips need not be written in the row: CommandTable::Add takes Redis 7.0's
// from the generated catalog (commands/key_specs.h).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "commands/key_specs.h"
#include "security/acl_categories.h"

namespace redoubt::commands {

class CommandContext;
using Handler = void (*)(CommandContext& ctx);

// Flags as Redis 7's COMMAND INFO reports them, plus our own locking flag.
enum CommandFlag : uint32_t {
  kWrite = 1u << 0,
  kReadOnly = 1u << 1,
  kDenyOom = 1u << 2,
  kAdmin = 1u << 3,
  kPubSub = 1u << 4,
  kNoScript = 1u << 5,
  kBlocking = 1u << 6,
  kLoading = 1u << 7,
  kStale = 1u << 8,
  kSkipMonitor = 1u << 9,
  kSkipSlowlog = 1u << 10,
  kFast = 1u << 11,
  kNoAuth = 1u << 12,
  kMayReplicate = 1u << 13,
  kNoMulti = 1u << 14,
  kAllowBusy = 1u << 15,
  kAsking = 1u << 16,
  kNoMandatoryKeys = 1u << 17,  // EVAL and FCALL: COMMAND GETKEYS may find no key
  kNoAsyncLoading = 1u << 18,
  // Ours: the command reads or writes the whole keyspace (KEYS, SCAN, FLUSHALL, SWAPDB, …) and
  // runs with every shard locked.
  kWholeKeyspace = 1u << 24,
};

// ACL categories (Redis 7 names), a bit each: defined with the ACL rules that use them.
using AclCategory = security::AclCategory;
using enum security::AclCategory;

// Legacy (first, last, step) key positions as COMMAND INFO reports them; last < 0 counts
// from the end (-1 = last argument). first == 0: no keys.
struct KeySpec {
  int first = 0;
  int last = 0;
  int step = 0;
};

// For commands whose keys a (first, last, step) triple cannot describe (keys after a count
// argument, as in future SINTERCARD/ZUNION/EVAL, or keys at option-dependent positions):
// appends the keys among args.
using KeyFinder = void (*)(std::span<const std::string_view> args,
                           std::vector<std::string_view>* keys);

struct ExecutionServices;

// For commands whose flags depend on what they run (EVAL of a script with a shebang, FCALL):
// the flags the dispatcher's checks use for these arguments (arity already checked), as
// Redis's getCommandFlags. Returns `flags` (the row's) when nothing is known.
using EffectiveFlags = uint32_t (*)(std::span<const std::string_view> args,
                                    const ExecutionServices& services, uint32_t flags);

// Which arguments are pub/sub channels, for ACL channel rules (&pattern), as Redis's
// getChannelsFromCommand. UNSUBSCRIBE and PUNSUBSCRIBE name channels too, but no rule limits
// leaving one.
enum class ChannelArgs : uint8_t {
  kNone,
  kFirst,        // PUBLISH, SPUBLISH: args[1]
  kAll,          // SUBSCRIBE, SSUBSCRIBE: args[1..]
  kAllPatterns,  // PSUBSCRIBE: args[1..], each a pattern
};

struct CommandSpec {
  std::string_view name;  // lower case, as COMMAND INFO shows it ("get", "client|list")
  int arity = 0;          // Redis convention: N exact, -N at least N (name included)
  uint32_t flags = 0;
  KeySpec keys;
  uint64_t acl = 0;
  Handler handler = nullptr;
  KeyFinder key_finder = nullptr;
  EffectiveFlags effective_flags = nullptr;
  // Redis 7 key specifications and command tips (COMMAND INFO, COMMAND GETKEYS[ANDFLAGS]), and
  // the getkeys procedure of a command whose key flags depend on its options. Empty in a row:
  // Redis 7.0's, attached by CommandTable::Add.
  std::span<const KeySpecification> key_specs;
  std::span<const std::string_view> tips;
  GetKeysProc getkeys = nullptr;
  std::string_view summary;  // COMMAND DOCS
  std::string_view since;    // COMMAND DOCS
  std::string_view group;    // COMMAND DOCS: "string", "generic", "connection", "server", …
  // Container commands (CLIENT, CONFIG, OBJECT, …) route to these by their first argument.
  std::vector<CommandSpec> subcommands;
  ChannelArgs channels = ChannelArgs::kNone;
  // Index into per-thread statistics arrays; set by CommandTable.
  int stats_index = -1;
};

// Appends the keys of `args` (args[0] is the command name) per the spec.
void ExtractKeys(const CommandSpec& spec, std::span<const std::string_view> args,
                 std::vector<std::string_view>* keys);

// The keys that follow a count at args[count_index] (SINTERCARD, ZUNION, LMPOP, later EVAL): as
// many as the count names and the arguments hold; none when the count is not a positive
// integer (the command then replies an error before it touches a key).
// Returns whether the count is one.
bool ExtractKeysAfterCount(std::span<const std::string_view> args, size_t count_index,
                           std::vector<std::string_view>* keys);
template <size_t kCountIndex>
void KeysAfterCount(std::span<const std::string_view> args, std::vector<std::string_view>* keys) {
  ExtractKeysAfterCount(args, kCountIndex, keys);
}

// A STORE form's destination at args[1], then the keys after a count at args[kCountIndex]
// (ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE); none when the count is not one, as the key specs.
template <size_t kCountIndex>
void DestinationAndKeysAfterCount(std::span<const std::string_view> args,
                                  std::vector<std::string_view>* keys) {
  std::vector<std::string_view> sources;
  if (ExtractKeysAfterCount(args, kCountIndex, &sources)) {
    keys->push_back(args[1]);
    keys->insert(keys->end(), sources.begin(), sources.end());
  }
}

// Whether the command takes keys at all: a key spec that is not not_key, or a getkeys procedure
// (COMMAND GETKEYS answers "The command has no key arguments" otherwise).
bool HasKeyArguments(const CommandSpec& spec);

// COMMAND GETKEYS[ANDFLAGS]'s search, as Redis's getKeysFromCommandWithSpecs: the key specs when
// they find every key with fixed flags, otherwise the getkeys procedure. Appends the keys of
// `args` (args[0] is the command name) with their flags; none when the arguments do not fit.
void FindKeysWithFlags(const CommandSpec& spec, std::span<const std::string_view> args,
                       std::vector<KeyReference>* keys);

}  // namespace redoubt::commands
