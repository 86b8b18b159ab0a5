// The directive table's builder; see directive_registry.h.
#include "server/directives/directive_registry.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "common/ascii.h"

namespace redoubt::server {
namespace {

// "name" or "alias of <name>": how a row holds word.
std::string Role(std::string_view word, std::string_view row) {
  return common::EqualsIgnoreCase(word, row) ? "name" : "alias of \"" + std::string(row) + "\"";
}

[[noreturn]] void Refuse(const std::string& message) {
  std::fprintf(stderr, "directive table: %s\n", message.c_str());
  std::abort();
}

}  // namespace

void DirectiveRegistry::AddComponent(const DirectiveComponent& component) {
  component_ = component.name;
  component.register_directives(*this);
  component_ = {};
}

void DirectiveRegistry::Add(DirectiveSpec spec) {
  if (component_.empty()) {
    Refuse("a row \"" + std::string(spec.name) + "\" is added outside a component");
  }
  if (spec.name.empty() || !spec.set || !spec.get || !spec.rewrite) {
    Refuse("component " + std::string(component_) + " adds a row \"" + std::string(spec.name) +
           "\" without a name or without set, get or rewrite");
  }
  Claim(spec.name, spec);
  if (!spec.alias.empty()) {
    Claim(spec.alias, spec);
  }
  rows_.push_back(std::move(spec));
}

void DirectiveRegistry::Claim(std::string_view word, const DirectiveSpec& spec) {
  auto [it, inserted] =
      owners_.emplace(common::ToLower(word), Owner{.component = component_, .row = spec.name});
  if (!inserted) {
    const Owner& owner = it->second;
    Refuse("\"" + std::string(word) + "\" is registered twice: as the " + Role(word, owner.row) +
           " by component " + std::string(owner.component) + ", and as the " +
           Role(word, spec.name) + " by component " + std::string(component_));
  }
}

std::vector<DirectiveSpec> DirectiveRegistry::TakeRows() {
  owners_.clear();
  return std::exchange(rows_, {});
}

}  // namespace redoubt::server
