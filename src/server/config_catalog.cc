// The directive table: every directive of Redis 7.0.15 (its static_configs[], with the same
// names, aliases, flags, bounds, defaults, enum values and validation texts) and Redoubt's
// own, each registered by the component that owns it (server/directives/, one file per
// component). This file is the list of those components, in the order their rows are added:
// the order CONFIG REWRITE appends directives in and CONFIG GET lists them.
#include "commands/command_table.h"
#include "server/config_directive.h"
#include "server/directives/directive_registry.h"

namespace redoubt::server {
namespace {

// The components Redoubt has first, then those it accepts the directives of but does not
// have yet, `other` last. Each keeps its rows in Redis's order where Redis has them.
constexpr DirectiveComponent kComponents[] = {
    {"network", RegisterNetworkDirectives},
    {"general", RegisterGeneralDirectives},
    {"memory", RegisterMemoryDirectives},
    {"access", RegisterAccessDirectives},
    {"tls", RegisterTlsDirectives},
    {"persistence", RegisterPersistenceDirectives},
    {"replication", RegisterReplicationDirectives},
    {"cluster", RegisterClusterDirectives},
    {"scripting", RegisterScriptingDirectives},
    {"other", RegisterOtherDirectives},
};

std::vector<DirectiveSpec> BuildDirectives() {
  DirectiveRegistry registry;
  for (const DirectiveComponent& component : kComponents) {
    registry.AddComponent(component);
  }
  return registry.TakeRows();
}

}  // namespace

std::span<const DirectiveComponent> DirectiveComponents() {
  return kComponents;
}

const std::vector<DirectiveSpec>& Directives() {
  static const std::vector<DirectiveSpec> directives = BuildDirectives();
  return directives;
}

const DirectiveSpec* FindDirective(std::string_view name) {
  for (const DirectiveSpec& d : Directives()) {
    if (commands::EqualsIgnoreCase(d.name, name) ||
        (!d.alias.empty() && commands::EqualsIgnoreCase(d.alias, name))) {
      return &d;
    }
  }
  return nullptr;
}

}  // namespace redoubt::server
