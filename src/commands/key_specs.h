// Key specifications, as Redis 7 defines them: where a command's keys sit among its arguments
// (a begin-search rule, then a find-keys rule) and how the command uses each key (flags). They
// are what COMMAND INFO reports, what COMMAND GETKEYS/GETKEYSANDFLAGS compute, and the source
// from which key extraction (shard locks) and ACL key permissions can be derived; the legacy
// (first, last, step) triple and the movablekeys flag follow from them by Redis's rules.
//
// The specs of every Redis 7.0 command come from redis_key_specs.inc (generated from
// redis-server's COMMAND reply by scripts/gen-redis-key-specs.py); CommandTable attaches them to
// the rows by name.
//
// Thread: plain data and pure functions; the catalog is constant.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace redoubt::commands {

// How a command uses a key: Redis 7's key-spec flags, in the order COMMAND INFO names them.
enum KeyFlag : uint32_t {
  kKeyRO = 1u << 0,  // read only
  kKeyRW = 1u << 1,  // read and modify
  kKeyOW = 1u << 2,  // overwrite, old value not read
  kKeyRM = 1u << 3,  // deleted
  kKeyAccess = 1u << 4,
  kKeyUpdate = 1u << 5,
  kKeyInsert = 1u << 6,
  kKeyDelete = 1u << 7,
  kKeyNotKey = 1u << 8,          // an argument that looks like a key but is not one
  kKeyIncomplete = 1u << 9,      // the spec may not find every key
  kKeyVariableFlags = 1u << 10,  // the flags depend on other arguments (SET … GET)
};

// Where the search for keys starts.
struct BeginSearch {
  enum Type : uint8_t { kUnknown, kIndex, kKeyword };
  Type type = kUnknown;
  int index = 0;             // kIndex: position of the first key (the command name is 0)
  std::string_view keyword;  // kKeyword: the keys start after this argument (any case)
  int startfrom = 0;  // kKeyword: where to look for it; negative counts from the end, backwards
};

// Which arguments from there are keys.
struct FindKeys {
  enum Type : uint8_t { kUnknown, kRange, kKeynum };
  Type type = kUnknown;
  int lastkey = 0;    // kRange: last key relative to the first (negative: from the end)
  int keystep = 0;    // kRange and kKeynum: distance between keys
  int limit = 0;      // kRange with lastkey -1: only 1/limit of the remaining arguments
  int keynumidx = 0;  // kKeynum: the argument holding the number of keys, relative to the start
  int firstkey = 0;   // kKeynum: the first key, relative to the start
};

struct KeySpecification {
  std::string_view notes;  // shown by COMMAND INFO when not empty
  uint32_t flags = 0;      // KeyFlag bits
  BeginSearch begin_search;
  FindKeys find_keys;
};

// A key found among a command's arguments: its position and how the command uses it.
struct KeyReference {
  int pos = 0;
  uint32_t flags = 0;
};

// Redis's getkeys procedure for a command whose specs cannot give the answer alone (variable
// flags, unknown positions): appends the keys of `args` (args[0] is the command name).
using GetKeysProc = void (*)(std::span<const std::string_view> args,
                             std::vector<KeyReference>* keys);

// SORT's and SORT_RO's: the sorted key, and SORT's STORE destination (Redis's sortGetKeys).
void SortGetKeys(std::span<const std::string_view> args, std::vector<KeyReference>* keys);
void SortRoGetKeys(std::span<const std::string_view> args, std::vector<KeyReference>* keys);

// What the catalog holds for one Redis command or subcommand ("get", "client|list").
struct RedisCommandKeyInfo {
  std::span<const KeySpecification> key_specs;
  std::span<const std::string_view> tips;
  GetKeysProc getkeys = nullptr;
};

// Redis 7.0's tips and key specs for `full_name` (lower case); all empty for a command Redis
// does not have or that has neither.
RedisCommandKeyInfo FindRedisCommandKeyInfo(std::string_view full_name);

// Appends the keys the specs find in `args`, as Redis's getKeysUsingKeySpecs does. False (and
// `keys` unchanged) when a spec cannot be applied: an unknown rule, an incomplete spec, a bad
// key count, or positions outside the arguments. `arity` is the command's (positions past the
// end are skipped for variadic commands).
[[nodiscard]] bool KeysFromSpecs(std::span<const KeySpecification> specs, int arity,
                                 std::span<const std::string_view> args,
                                 std::vector<KeyReference>* keys);

// The legacy (first, last, step) COMMAND INFO reports, derived from the specs by Redis's rule
// (consecutive index/range specs with step 1); all 0 when there is none. `movable` is set when
// the positions of some keys depend on the arguments (COMMAND INFO's movablekeys flag).
struct LegacyKeyRange {
  int first = 0;
  int last = 0;
  int step = 0;
  bool movable = false;
};
LegacyKeyRange LegacyRangeFromSpecs(std::span<const KeySpecification> specs);

// The names of the KeyFlag bits in `flags`, in COMMAND INFO's order.
std::vector<std::string_view> KeyFlagNames(uint32_t flags);

}  // namespace redoubt::commands
