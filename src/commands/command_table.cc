// Command table and key extraction; see command_table.h and command_spec.h.
#include "commands/command_table.h"

#include "common/check.h"

namespace redoubt::commands {
namespace {

char Lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

}  // namespace

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = Lower(c);
  }
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) {
      return false;
    }
  }
  return true;
}

void CommandTable::Add(CommandSpec spec) {
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
    buf[i] = Lower(name[i]);
  }
  auto it = by_name_.find(absl::string_view(buf, name.size()));
  return it == by_name_.end() ? nullptr : it->second;
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

}  // namespace redoubt::commands
