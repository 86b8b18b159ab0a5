// How a CONFIG SET takes effect: each component registers a ConfigApplier for the directives it
// reads (Redis's apply functions), and ConfigAppliers runs the ones whose directives changed,
// all or nothing.
//
// CONFIG SET first parses every value into a new Config (config.h, ConfigSetValues: unknown,
// immutable, protected and malformed values are refused there). Then Apply() runs, in the order
// they were added, the appliers any of whose directives changed value — or, for a kVolatile
// directive such as a certificate file, was named by the command, so setting a file to its own
// path re-reads it. An applier either makes the change and says how to undo it, or refuses with
// an error and changes nothing; on a refusal the appliers that already ran are undone in reverse
// order, so the command takes effect entirely or not at all. What cannot be undone (closing the
// clients a change excludes) goes in an applier's `then`, run only once every applier succeeded.
// So appliers that can refuse come first (TLS contexts, the open-files limit, listening sockets,
// files), those that only publish values to the running server last.
//
// At start-up, Publish() runs the publishing appliers once with the loaded configuration, so
// the running server's atomics come from the same code as after a CONFIG SET.
//
// Thread: built once by the server; Apply and Publish run under the server's config lock.
#pragma once

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/config.h"

namespace redoubt::server {

// One CONFIG SET as the appliers see it: the configuration in force, the one to install, and
// the directives the command named (as typed, aliases included).
struct ConfigChange {
  const Config& old;
  const Config& next;
  std::span<const std::string> named;
  // Whether the command named `directive` (canonical name; its alias counts).
  bool Named(std::string_view directive) const;
  // Whether it named a kVolatile directive (a file to read again even if its path is the same).
  bool NamedVolatile() const;
};

// What an applier did: how to take it back, and what to do once the whole change succeeded.
struct AppliedChange {
  std::function<void()> undo;
  std::function<void()> then;
};

struct ConfigApplier {
  std::string_view name;  // for the log when an undo itself fails
  // The directives (canonical names) whose change runs this applier.
  std::vector<std::string_view> directives;
  // Makes change.next take effect. An error changes nothing; its message is CONFIG SET's reply
  // (without "ERR ").
  std::function<absl::StatusOr<AppliedChange>(const ConfigChange& change)> apply;
  // True for an applier that only publishes values (it cannot refuse): Publish runs it at
  // start-up.
  bool publishes = false;
};

class ConfigAppliers {
 public:
  // Requires: every directive named exists in the directive table.
  void Add(ConfigApplier applier);
  // A publishing applier: publish(next) to apply, publish(old) to undo.
  void AddPublisher(std::string_view name, std::vector<std::string_view> directives,
                    std::function<void(const Config&)> publish);

  // Applies the change. Returns the first refusal, with everything undone.
  absl::Status Apply(const ConfigChange& change) const;
  // Start-up: every publishing applier with `config`.
  void Publish(const Config& config) const;

  // The appliers Apply would run, by name, in order (for tests and the log).
  std::vector<std::string_view> Affected(const ConfigChange& change) const;

 private:
  static bool Affects(const ConfigApplier& applier, const ConfigChange& change);

  std::vector<ConfigApplier> appliers_;
};

}  // namespace redoubt::server
