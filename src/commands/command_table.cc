// Command table and key extraction; see command_table.h and command_spec.h.
#include "commands/command_table.h"

#include <absl/strings/ascii.h>

#include <algorithm>
#include <optional>

#include "common/check.h"
#include "common/numbers.h"

namespace redoubt::commands {
namespace {

// A row that declares no key specs, tips or getkeys procedure gets Redis 7.0's.
void AttachRedisKeyInfo(CommandSpec& spec) {
  if (!spec.key_specs.empty() || !spec.tips.empty() || spec.getkeys != nullptr) {
    return;
  }
  RedisCommandKeyInfo info = FindRedisCommandKeyInfo(spec.name);
  spec.key_specs = info.key_specs;
  spec.tips = info.tips;
  spec.getkeys = info.getkeys;
}

}  // namespace

void CommandTable::Add(CommandSpec spec) {
  AttachRedisKeyInfo(spec);
  for (CommandSpec& sub : spec.subcommands) {
    AttachRedisKeyInfo(sub);
  }
  auto owned = std::make_unique<CommandSpec>(std::move(spec));
  owned->stats_index = next_stats_index_++;
  by_stats_index_.push_back(owned.get());
  for (CommandSpec& sub : owned->subcommands) {
    sub.stats_index = next_stats_index_++;
    by_stats_index_.push_back(&sub);
  }
  REDOUBT_CHECK(by_name_.emplace(std::string(owned->name), owned.get()).second);
  commands_.push_back(std::move(owned));
}

const CommandSpec* CommandTable::Find(std::string_view name) const {
  char buf[32];
  if (name.size() > sizeof(buf)) {
    return nullptr;
  }
  for (size_t i = 0; i < name.size(); ++i) {
    buf[i] = absl::ascii_tolower(static_cast<unsigned char>(name[i]));
  }
  auto it = by_name_.find(absl::string_view(buf, name.size()));
  return it == by_name_.end() ? nullptr : it->second;
}

const CommandSpec* CommandTable::Resolve(std::span<const std::string_view> args) const {
  const CommandSpec* spec = Find(args[0]);
  if (spec != nullptr && !spec->subcommands.empty() && args.size() >= 2) {
    spec = FindSubcommand(*spec, args[1]);
  }
  return spec;
}

const CommandSpec* CommandTable::FindSubcommand(const CommandSpec& parent, std::string_view name) {
  std::string_view parent_name = parent.name;
  for (const CommandSpec& sub : parent.subcommands) {
    std::string_view sub_name = std::string_view(sub.name).substr(parent_name.size() + 1);
    if (EqualsIgnoreCase(sub_name, name)) {
      return &sub;
    }
  }
  return nullptr;
}

void ExtractKeys(const CommandSpec& spec, std::span<const std::string_view> args,
                 std::vector<std::string_view>* keys) {
  if (spec.key_finder != nullptr) {
    spec.key_finder(args, keys);
    return;
  }
  if (spec.keys.first <= 0) {
    return;
  }
  int argc = static_cast<int>(args.size());
  int last = spec.keys.last < 0 ? argc + spec.keys.last : spec.keys.last;
  int step = spec.keys.step > 0 ? spec.keys.step : 1;
  for (int i = spec.keys.first; i <= last && i < argc; i += step) {
    keys->push_back(args[i]);
  }
}

bool ExtractKeysAfterCount(std::span<const std::string_view> args, size_t count_index,
                           std::vector<std::string_view>* keys) {
  if (count_index >= args.size()) {
    return false;
  }
  std::optional<int64_t> count = common::ParseInt64(args[count_index]);
  if (!count || *count <= 0) {
    return false;
  }
  size_t available = args.size() - count_index - 1;
  size_t n = std::min(static_cast<size_t>(*count), available);
  for (size_t i = 0; i < n; ++i) {
    keys->push_back(args[count_index + 1 + i]);
  }
  return true;
}

bool HasKeyArguments(const CommandSpec& spec) {
  return spec.getkeys != nullptr ||
         std::any_of(spec.key_specs.begin(), spec.key_specs.end(),
                     [](const KeySpecification& ks) { return !(ks.flags & kKeyNotKey); });
}

void FindKeysWithFlags(const CommandSpec& spec, std::span<const std::string_view> args,
                       std::vector<KeyReference>* keys) {
  bool has_key_spec = false;
  bool variable_flags = false;
  for (const KeySpecification& ks : spec.key_specs) {
    has_key_spec = has_key_spec || !(ks.flags & kKeyNotKey);
    variable_flags = variable_flags || (ks.flags & kKeyVariableFlags);
  }
  // The specs are preferred when their flags hold for every call; a spec that cannot be applied
  // (unknown, incomplete, arguments of the wrong shape) falls back to the procedure.
  if (has_key_spec && !variable_flags && KeysFromSpecs(spec.key_specs, spec.arity, args, keys)) {
    return;
  }
  if (spec.getkeys != nullptr) {
    spec.getkeys(args, keys);
  }
}

}  // namespace redoubt::commands
