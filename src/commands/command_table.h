// The table of all commands, filled at start-up by each family's Register*Commands() and
// read-only afterwards.
//
// Thread: built on the main thread before the I/O threads start; immutable after.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command_spec.h"
#include "common/ascii.h"

namespace redoubt::commands {

class CommandTable {
 public:
  CommandTable() = default;
  CommandTable(const CommandTable&) = delete;
  CommandTable& operator=(const CommandTable&) = delete;

  void Add(CommandSpec spec);

  // Case-insensitive lookup of a top-level command; nullptr when unknown.
  // Hot path: one hash lookup with the name folded into a stack buffer.
  const CommandSpec* Find(std::string_view name) const;
  // Case-insensitive lookup of a subcommand of `parent`; nullptr when unknown.
  static const CommandSpec* FindSubcommand(const CommandSpec& parent, std::string_view name);
  // The row that runs `args` (args[0] the command name): the command, or for a container
  // given a subcommand the subcommand's row; nullptr when either is unknown.
  const CommandSpec* Resolve(std::span<const std::string_view> args) const;

  const std::vector<std::unique_ptr<CommandSpec>>& all() const { return commands_; }
  // Number of CommandSpecs including subcommands (size of statistics arrays).
  int stats_slots() const { return next_stats_index_; }
  // Every spec including subcommands, by stats_index.
  const std::vector<const CommandSpec*>& by_stats_index() const { return by_stats_index_; }

 private:
  std::vector<std::unique_ptr<CommandSpec>> commands_;
  absl::flat_hash_map<std::string, const CommandSpec*> by_name_;
  std::vector<const CommandSpec*> by_stats_index_;
  int next_stats_index_ = 0;
};

// Handlers and server commands compare words with Redis's (ASCII) case rules.
using common::EqualsIgnoreCase;
using common::ToLower;

}  // namespace redoubt::commands
