// Running the appliers of a CONFIG SET, all or nothing; see config_appliers.h.
#include "server/config_appliers.h"

#include <algorithm>

#include "common/check.h"
#include "server/config_directive.h"

namespace redoubt::server {

bool ConfigChange::Named(std::string_view directive) const {
  const DirectiveSpec* d = FindDirective(directive);
  return std::any_of(named.begin(), named.end(),
                     [d](const std::string& n) { return FindDirective(n) == d; });
}

bool ConfigChange::NamedVolatile() const {
  return std::any_of(named.begin(), named.end(), [](const std::string& n) {
    const DirectiveSpec* d = FindDirective(n);
    return d != nullptr && d->Has(kVolatile);
  });
}

void ConfigAppliers::Add(ConfigApplier applier) {
  for (std::string_view name : applier.directives) {
    REDOUBT_CHECK(FindDirective(name) != nullptr);
  }
  appliers_.push_back(std::move(applier));
}

void ConfigAppliers::AddPublisher(std::string_view name, std::vector<std::string_view> directives,
                                  std::function<void(const Config&)> publish) {
  Add({.name = name,
       .directives = std::move(directives),
       .apply = [publish](const ConfigChange& change) -> absl::StatusOr<AppliedChange> {
         publish(change.next);
         const Config& old = change.old;
         return AppliedChange{.undo = [publish, old] { publish(old); }};
       },
       .publishes = true});
}

bool ConfigAppliers::Affects(const ConfigApplier& applier, const ConfigChange& change) {
  for (std::string_view name : applier.directives) {
    const DirectiveSpec* d = FindDirective(name);
    if (d->get(change.old) != d->get(change.next) || (d->Has(kVolatile) && change.Named(name))) {
      return true;
    }
  }
  return false;
}

std::vector<std::string_view> ConfigAppliers::Affected(const ConfigChange& change) const {
  std::vector<std::string_view> names;
  for (const ConfigApplier& a : appliers_) {
    if (Affects(a, change)) {
      names.push_back(a.name);
    }
  }
  return names;
}

absl::Status ConfigAppliers::Apply(const ConfigChange& change) const {
  std::vector<AppliedChange> done;
  for (const ConfigApplier& a : appliers_) {
    if (!Affects(a, change)) {
      continue;
    }
    absl::StatusOr<AppliedChange> applied = a.apply(change);
    if (!applied.ok()) {
      for (auto it = done.rbegin(); it != done.rend(); ++it) {
        if (it->undo) {
          it->undo();
        }
      }
      return applied.status();
    }
    done.push_back(*std::move(applied));
  }
  for (const AppliedChange& applied : done) {
    if (applied.then) {
      applied.then();
    }
  }
  return absl::OkStatus();
}

void ConfigAppliers::Publish(const Config& config) const {
  const ConfigChange change{.old = config, .next = config, .named = {}};
  for (const ConfigApplier& a : appliers_) {
    if (a.publishes) {
      (void)a.apply(change);
    }
  }
}

}  // namespace redoubt::server
