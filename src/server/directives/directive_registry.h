// The directive table's builder. Each component of the server registers its own directives
// (one file per component in this folder, `<component>_directives.cc`, with one
// Register<Component>Directives function), as Redis's standardConfig table has each config
// with its flags and hooks: a row carries the name, alias, flags (immutable, sensitive,
// hidden, memory unit, ...), the validating parse (set) and what CONFIG GET/REWRITE show; what
// a change does at run time is the component's applier (server/config_appliers.h).
//
// config_catalog.cc fills one registry with every component's rows, in the order of
// DirectiveComponents(), and keeps the result as Directives(). The registry refuses a second
// row for a name or alias: a directive registered twice is a bug in the table, so Add aborts,
// naming the directive and both components. The table is built on first use (reading the
// config at start-up), so the server stops there, and the unit tests meet it first.
//
// Thread: confined to the thread that builds the table, once.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/config_directive.h"

namespace redoubt::server {

class DirectiveRegistry;

// One component's directives: its name (for messages) and the function that adds its rows.
struct DirectiveComponent {
  std::string_view name;
  void (*register_directives)(DirectiveRegistry&);
};

class DirectiveRegistry {
 public:
  // Adds component's rows (component.register_directives(*this)) after those added so far.
  void AddComponent(const DirectiveComponent& component);

  // Adds one row after those added so far, as the component being added.
  // Requires: called from a component's register function (inside AddComponent); spec has a
  // name and set, get and rewrite functions; neither its name nor its alias is already the
  // name or alias of a row, ignoring case as FindDirective does. Aborts with a message naming
  // the directive (and both components) otherwise.
  void Add(DirectiveSpec spec);

  // The rows in the order they were added; the registry is left empty.
  std::vector<DirectiveSpec> TakeRows();

 private:
  struct Owner {
    std::string_view component;
    std::string_view row;  // the name of the row that holds it as name or alias
  };

  void Claim(std::string_view word, const DirectiveSpec& spec);

  std::string_view component_;
  std::vector<DirectiveSpec> rows_;
  // Every name and alias added, in lower case.
  absl::flat_hash_map<std::string, Owner> owners_;
};

// Every component, in the order their rows are added (config_catalog.cc): the order CONFIG
// REWRITE appends directives in and CONFIG GET lists them.
std::span<const DirectiveComponent> DirectiveComponents();

// The components' rows, one file each in this folder (network_directives.cc, ...).
void RegisterNetworkDirectives(DirectiveRegistry& registry);
void RegisterGeneralDirectives(DirectiveRegistry& registry);
void RegisterMemoryDirectives(DirectiveRegistry& registry);
void RegisterAccessDirectives(DirectiveRegistry& registry);
void RegisterTlsDirectives(DirectiveRegistry& registry);
void RegisterPersistenceDirectives(DirectiveRegistry& registry);
void RegisterReplicationDirectives(DirectiveRegistry& registry);
void RegisterClusterDirectives(DirectiveRegistry& registry);
void RegisterScriptingDirectives(DirectiveRegistry& registry);
void RegisterOtherDirectives(DirectiveRegistry& registry);

}  // namespace redoubt::server
