// CONFIG SET's checks and parsing, in Redis 7.0's order (configSetCommand): names, immutable and
// protected directives and duplicates first, then every value into a new Config; see config.h.
// Making the new Config take effect is the appliers' (config_appliers.h).
#include <algorithm>
#include <string>
#include <vector>

#include "commands/command_table.h"
#include "server/config.h"

namespace redoubt::server {
namespace {

// A kMultiArg value given to CONFIG SET, split as Redis's sdssplitlen(" "): every space
// separates, so "a  b" has an empty word between and "" has no word at all.
std::vector<std::string> SplitAtSpaces(const std::string& value) {
  std::vector<std::string> words;
  if (value.empty()) {
    return words;
  }
  size_t start = 0;
  while (true) {
    size_t space = value.find(' ', start);
    words.push_back(value.substr(start, space - start));
    if (space == std::string::npos) {
      return words;
    }
    start = space + 1;
  }
}

}  // namespace

std::string ConfigSetFailedText(std::string_view name, std::string_view why) {
  return "CONFIG SET failed (possibly related to argument '" + std::string(name) + "') - " +
         std::string(why);
}

absl::StatusOr<Config> ConfigSetValues(
    const Config& current, const std::vector<std::pair<std::string, std::string>>& changes,
    bool caller_is_local) {
  std::vector<const DirectiveSpec*> rows;
  std::vector<std::string> entries;  // the name each row was found under
  for (const auto& [name, value] : changes) {
    const DirectiveSpec* d = FindDirective(name);
    if (d == nullptr) {
      return absl::NotFoundError("Unknown option or number of arguments for CONFIG SET - '" + name +
                                 "'");
    }
    if (d->Has(kImmutable)) {
      return absl::FailedPreconditionError(ConfigSetFailedText(name, "can't set immutable config"));
    }
    if (d->Has(kProtected) &&
        !AllowProtectedAction(current.enable_protected_configs, caller_is_local) &&
        !(d->Has(kProtectedUnlessSame) && value == d->get(current))) {
      return absl::PermissionDeniedError(ConfigSetFailedText(name, "can't set protected config"));
    }
    // Redis keeps an alias as an entry of its own, so "slave-priority 1 replica-priority 2"
    // is no duplicate (the last wins) while the same name twice, in any case, is.
    std::string entry = !d->alias.empty() && commands::EqualsIgnoreCase(d->alias, name)
                            ? std::string(d->alias)
                            : std::string(d->name);
    if (std::find(entries.begin(), entries.end(), entry) != entries.end()) {
      return absl::InvalidArgumentError(ConfigSetFailedText(name, "duplicate parameter"));
    }
    rows.push_back(d);
    entries.push_back(std::move(entry));
  }
  Config next = current;
  for (size_t i = 0; i < changes.size(); ++i) {
    const DirectiveSpec& d = *rows[i];
    const std::string& value = changes[i].second;
    std::vector<std::string> args =
        d.Has(kMultiArg) ? SplitAtSpaces(value) : std::vector<std::string>{value};
    if (absl::Status st = d.set(next, args, SetSource::kConfigSet); !st.ok()) {
      // Redis names the directive as looked up: the alias when the client used it.
      return absl::InvalidArgumentError(ConfigSetFailedText(entries[i], std::string(st.message())));
    }
  }
  return next;
}

}  // namespace redoubt::server
