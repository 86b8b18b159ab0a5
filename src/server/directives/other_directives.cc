// Redis's directives for components Redoubt does not have yet and that none of the other
// files owns: value encodings (*-max-listpack-*, set-max-intset-entries, list-compress-depth,
// stream-node-*), active expiry, rehashing and defragmentation, lazy freeing, DUMP payload
// checks and client-side caching's table. Redoubt accepts, validates, shows and rewrites them
// as Redis does and acts on none (kNoEffectYet), except notify-keyspace-events, which it acts on.
// When a component comes to act on one, the row moves to that component's file.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "commands/keyspace_notifications.h"
#include "common/repr.h"
#include "server/config.h"
#include "server/directives/directive_registry.h"
#include "server/directives/directive_rules.h"

namespace redoubt::server {
namespace {

// notify-keyspace-events: which keyspace notifications are published (the "command settings"
// applier hands the flags to the commands and the keyspace). Its row stays here, among the
// directives of its place in Redis's table, so that CONFIG GET and REWRITE keep their order.
DirectiveSpec NotifyKeyspaceEventsDirective() {
  DirectiveSpec d = NewDirective({.name = "notify-keyspace-events"});
  d.set = [](Config& c, DirectiveArgs args, SetSource) {
    if (args.size() != 1) {
      return WrongNumberOfArguments();
    }
    std::optional<uint32_t> flags = commands::ParseNotifyFlags(args[0]);
    if (!flags) {
      return Invalid("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    }
    c.notify_keyspace_events = *flags;
    return absl::OkStatus();
  };
  d.get = [](const Config& c) { return commands::FormatNotifyFlags(c.notify_keyspace_events); };
  d.rewrite = [](const Config& c) {
    std::string v = commands::FormatNotifyFlags(c.notify_keyspace_events);
    return std::vector<RewriteLine>{{common::Repr(v), !v.empty()}};
  };
  return d;
}

}  // namespace

void RegisterOtherDirectives(DirectiveRegistry& registry) {
  const BoolRow bools[] = {
      {"activerehashing", "", 0, true},         {"lazyfree-lazy-eviction", "", 0, false},
      {"lazyfree-lazy-expire", "", 0, false},   {"lazyfree-lazy-server-del", "", 0, false},
      {"lazyfree-lazy-user-del", "", 0, false}, {"lazyfree-lazy-user-flush", "", 0, false},
      {"jemalloc-bg-thread", "", 0, true},
  };
  AddBoolRows(registry, bools);
  // A Redis built with its own jemalloc can defragment; Debian's (and Redoubt) cannot.
  registry.Add(BoolDirective({.name = "activedefrag"}, false, {}, [](bool yes) {
    return yes ? Invalid(
                     "Active defragmentation cannot be enabled: it requires a Redis server "
                     "compiled with a modified Jemalloc like the one shipped by default with "
                     "the Redis source distribution")
               : absl::OkStatus();
  }));
  registry.Add(EnumDirective({.name = "sanitize-dump-payload"},
                             {.values = {{"no", 0}, {"yes", 1}, {"clients", 2}}, .def = 0}));
  const NumericRow numbers[] = {
      {"list-max-listpack-size", "list-max-ziplist-size", 0, Signed(kIntMin, kIntMax, -2)},
      {"active-defrag-cycle-min", "", 0, Signed(1, 99, 1)},
      {"active-defrag-cycle-max", "", 0, Signed(1, 99, 25)},
      {"active-defrag-threshold-lower", "", 0, Signed(0, 1000, 10)},
      {"active-defrag-threshold-upper", "", 0, Signed(0, 1000, 100)},
      {"list-compress-depth", "", 0, Signed(0, kIntMax, 0)},
      {"active-expire-effort", "", 0, Signed(1, 10, 1)},
      {"active-defrag-max-scan-fields", "", 0, Signed(1, kLongMax, 1000)},  // unsigned long
      {"active-defrag-ignore-bytes", "", 0, Memory(Unsigned(1, kLLongMax, 100 * kMb))},
  };
  AddNumericRows(registry, numbers);
  // When a stream's node closes (storage/stream_value.h).
  registry.Add(NumericDirective({.name = "stream-node-max-entries"}, Signed(0, kLLongMax, 100),
                                Field<int64_t>(&Config::stream_node_max_entries)));
  registry.Add(NumericDirective({.name = "stream-node-max-bytes"},
                                Memory(Unsigned(0, kLongMax, 4096)),
                                Field<int64_t>(&Config::stream_node_max_bytes)));
  // Client-side caching: keys remembered for tracking clients (server/tracking_registry.h).
  registry.Add(NumericDirective({.name = "tracking-table-max-keys"}, Unsigned(0, kLongMax, 1000000),
                                Field<int64_t>(&Config::tracking_table_max_keys)));
  registry.Add(NotifyKeyspaceEventsDirective());
}

}  // namespace redoubt::server
