// Key specifications: the Redis 7.0 catalog, Redis's key search over specs, the legacy range, and
// the getkeys procedures of commands whose key flags depend on their arguments.
#include "commands/key_specs.h"

#include <algorithm>
#include <climits>
#include <optional>

#include "commands/command_table.h"
#include "common/numbers.h"

namespace redoubt::commands {
namespace {

struct RedisCommandMetadata {
  std::string_view name;
  uint16_t first_spec;
  uint16_t num_specs;
  uint16_t first_tip;
  uint16_t num_tips;
};

#include "commands/redis_key_specs.inc"

// SET … GET returns the old value, so the key is read as well (Redis's setGetKeys).
void SetGetKeys(std::span<const std::string_view> args, std::vector<KeyReference>* keys) {
  uint32_t flags = kKeyOW | kKeyUpdate;
  for (size_t i = 3; i < args.size(); ++i) {
    if (EqualsIgnoreCase(args[i], "get")) {
      flags = kKeyRW | kKeyAccess | kKeyUpdate;
      break;
    }
  }
  keys->push_back({.pos = 1, .flags = flags});
}

// BITFIELD with only GET (and OVERFLOW) operations reads the key; SET, INCRBY or anything it
// cannot parse counts as a write (Redis's bitfieldGetKeys).
void BitfieldGetKeys(std::span<const std::string_view> args, std::vector<KeyReference>* keys) {
  bool read_only = true;
  for (size_t i = 2; i < args.size(); ++i) {
    size_t remaining = args.size() - i - 1;
    if (EqualsIgnoreCase(args[i], "get") && remaining >= 2) {
      i += 2;
    } else if ((EqualsIgnoreCase(args[i], "set") || EqualsIgnoreCase(args[i], "incrby")) &&
               remaining >= 3) {
      read_only = false;
      break;
    } else if (EqualsIgnoreCase(args[i], "overflow") && remaining >= 1) {
      i += 1;
    } else {
      read_only = false;
      break;
    }
  }
  keys->push_back(
      {.pos = 1, .flags = read_only ? kKeyRO | kKeyAccess : kKeyRW | kKeyAccess | kKeyUpdate});
}

}  // namespace

void SortGetKeys(std::span<const std::string_view> args, std::vector<KeyReference>* keys) {
  if (args.size() < 2) {
    return;
  }
  keys->push_back({.pos = 1, .flags = kKeyRO | kKeyAccess});
  int store = 0;
  for (size_t i = 2; i < args.size(); ++i) {
    if (EqualsIgnoreCase(args[i], "limit")) {
      i += 2;
    } else if (EqualsIgnoreCase(args[i], "get") || EqualsIgnoreCase(args[i], "by")) {
      i += 1;
    } else if (EqualsIgnoreCase(args[i], "store") && i + 1 < args.size()) {
      store = static_cast<int>(++i);  // the last STORE wins, as in Redis
    }
  }
  if (store > 0) {
    keys->push_back({.pos = store, .flags = kKeyOW | kKeyUpdate});
  }
}

void SortRoGetKeys(std::span<const std::string_view> args, std::vector<KeyReference>* keys) {
  if (args.size() >= 2) {
    keys->push_back({.pos = 1, .flags = kKeyRO | kKeyAccess});
  }
}

namespace {

// Redis's getkeys procedures for the commands Redoubt implements whose specs carry
// variable_flags or unknown positions. Others with unknown or incomplete specs (MIGRATE, XREAD)
// add theirs here when they are implemented. (GEORADIUS's STORE keys need none: its keyword
// specs find them.)
constexpr std::pair<std::string_view, GetKeysProc> kGetKeysProcs[] = {
    {"bitfield", BitfieldGetKeys},
    {"set", SetGetKeys},
    {"sort", SortGetKeys},
    {"sort_ro", SortRoGetKeys},
};

// The position just after the keyword (where the keys start), 0 when it is absent. As Redis
// scans: from startfrom towards the end, or (negative) from the end backwards, looking neither
// at the last argument (a key must follow) nor, backwards, at argument 1.
int FindKeyword(const BeginSearch& bs, std::span<const std::string_view> args) {
  int argc = static_cast<int>(args.size());
  int start = bs.startfrom > 0 ? bs.startfrom : argc + bs.startfrom;
  int end = bs.startfrom > 0 ? argc - 1 : 1;
  for (int i = start; i != end; i += start <= end ? 1 : -1) {
    if (i >= argc || i < 1) {
      break;
    }
    if (EqualsIgnoreCase(args[i], bs.keyword)) {
      return i + 1;
    }
  }
  return 0;
}

}  // namespace

RedisCommandKeyInfo FindRedisCommandKeyInfo(std::string_view full_name) {
  const auto* end = std::end(kRedisCommands);
  const auto* it = std::lower_bound(
      std::begin(kRedisCommands), end, full_name,
      [](const RedisCommandMetadata& m, std::string_view name) { return m.name < name; });
  RedisCommandKeyInfo info;
  if (it != end && it->name == full_name) {
    info.key_specs =
        std::span<const KeySpecification>(kRedisKeySpecs).subspan(it->first_spec, it->num_specs);
    info.tips = std::span<const std::string_view>(kRedisTips).subspan(it->first_tip, it->num_tips);
  }
  for (const auto& [name, proc] : kGetKeysProcs) {
    if (name == full_name) {
      info.getkeys = proc;
    }
  }
  return info;
}

bool KeysFromSpecs(std::span<const KeySpecification> specs, int arity,
                   std::span<const std::string_view> args, std::vector<KeyReference>* keys) {
  const size_t initial = keys->size();
  const int argc = static_cast<int>(args.size());
  auto invalid = [&] {
    keys->resize(initial);
    return false;
  };
  for (const KeySpecification& spec : specs) {
    if (spec.flags & kKeyNotKey) {
      continue;
    }
    int first = 0;
    switch (spec.begin_search.type) {
      case BeginSearch::kIndex:
        first = spec.begin_search.index;
        break;
      case BeginSearch::kKeyword:
        first = FindKeyword(spec.begin_search, args);
        if (first == 0) {
          continue;  // an optional keyword that is absent: no keys from this spec
        }
        break;
      case BeginSearch::kUnknown:
        return invalid();
    }
    int last = 0;
    int step = 1;
    const FindKeys& fk = spec.find_keys;
    switch (fk.type) {
      case FindKeys::kRange:
        step = fk.keystep;
        if (fk.lastkey >= 0) {
          last = first + fk.lastkey;
        } else if (fk.limit == 0) {
          last = argc + fk.lastkey;
        } else {
          last = first + ((argc - first) / fk.limit + fk.lastkey);
        }
        break;
      case FindKeys::kKeynum: {
        step = fk.keystep;
        if (first + fk.keynumidx >= argc) {
          return invalid();
        }
        std::optional<int64_t> count = common::ParseInt64(args[first + fk.keynumidx]);
        if (!count || *count < 0 || *count > INT_MAX - argc) {
          return invalid();
        }
        first += fk.firstkey;
        last = first + static_cast<int>(*count) - 1;
        break;
      }
      case FindKeys::kUnknown:
        return invalid();
    }
    // Out of bounds: the arguments do not have the shape the spec describes.
    if (last >= argc || last < first || first >= argc || step <= 0) {
      return invalid();
    }
    for (int i = first; i <= last; i += step) {
      if (i >= argc && arity < 0) {
        continue;
      }
      keys->push_back({.pos = i, .flags = spec.flags});
    }
    if (spec.flags & kKeyIncomplete) {
      return invalid();
    }
  }
  return true;
}

LegacyKeyRange LegacyRangeFromSpecs(std::span<const KeySpecification> specs) {
  LegacyKeyRange range;
  if (specs.empty()) {
    return range;
  }
  auto is_plain = [](const KeySpecification& s) {
    return s.begin_search.type == BeginSearch::kIndex && s.find_keys.type == FindKeys::kRange;
  };
  if (specs.size() == 1 && is_plain(specs[0])) {
    const KeySpecification& s = specs[0];
    range.first = s.begin_search.index;
    range.last = s.find_keys.lastkey >= 0 ? s.find_keys.lastkey + range.first : s.find_keys.lastkey;
    range.step = s.find_keys.keystep;
    range.movable = (s.flags & kKeyIncomplete) != 0;
    return range;
  }
  // Several specs: Redis joins the consecutive plain ranges with step 1 into one; anything else
  // makes the keys movable. Negative last positions compare as unsigned (they mean "to the end").
  int first = INT_MAX;
  unsigned last = 0;
  unsigned prev_last = 0;
  for (const KeySpecification& s : specs) {
    if (!is_plain(s) || s.find_keys.keystep != 1 ||
        (prev_last != 0 && prev_last != static_cast<unsigned>(s.begin_search.index - 1))) {
      range.movable = true;
      continue;
    }
    if (s.flags & kKeyIncomplete) {
      range.movable = true;
    }
    first = std::min(first, s.begin_search.index);
    int abs_last =
        s.find_keys.lastkey >= 0 ? s.find_keys.lastkey + s.begin_search.index : s.find_keys.lastkey;
    last = std::max(last, static_cast<unsigned>(abs_last));
    prev_last = last;
  }
  if (first == INT_MAX) {
    range.movable = true;
    return range;
  }
  range.first = first;
  range.last = static_cast<int>(last);
  range.step = 1;
  return range;
}

std::vector<std::string_view> KeyFlagNames(uint32_t flags) {
  static constexpr std::pair<uint32_t, std::string_view> kNames[] = {
      {kKeyRO, "RO"},
      {kKeyRW, "RW"},
      {kKeyOW, "OW"},
      {kKeyRM, "RM"},
      {kKeyAccess, "access"},
      {kKeyUpdate, "update"},
      {kKeyInsert, "insert"},
      {kKeyDelete, "delete"},
      {kKeyNotKey, "not_key"},
      {kKeyIncomplete, "incomplete"},
      {kKeyVariableFlags, "variable_flags"},
  };
  std::vector<std::string_view> names;
  for (const auto& [bit, name] : kNames) {
    if (flags & bit) {
      names.push_back(name);
    }
  }
  return names;
}

}  // namespace redoubt::commands
