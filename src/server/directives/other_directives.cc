// Redis's directives for components Redoubt does not have yet and that none of the other
// files owns: value encodings (*-max-listpack-*, set-max-intset-entries, list-compress-depth,
// stream-node-*), active expiry, rehashing and defragmentation, lazy freeing, DUMP payload
// checks, client-side caching's table and keyspace notifications.
// Redoubt accepts, validates, shows and rewrites them as Redis does and acts on none
// (kNoEffectYet). When a component comes to act on one, the row moves to that component's
// file.
#include <string>
#include <utility>
#include <vector>

#include "common/repr.h"
#include "server/config.h"
#include "server/directives/directive_registry.h"
#include "server/directives/directive_rules.h"

namespace redoubt::server {
namespace {

// notify-keyspace-events: notify.c's keyspaceEventsStringToFlags / FlagsToString.
DirectiveSpec NotifyKeyspaceEventsDirective() {
  static constexpr std::string_view kName = "notify-keyspace-events";
  enum : int {
    kKeyspace = 1 << 0,  // K
    kKeyevent = 1 << 1,  // E
    kGeneric = 1 << 2,   // g
    kString = 1 << 3,    // $
    kList = 1 << 4,      // l
    kSet = 1 << 5,       // s
    kHash = 1 << 6,      // h
    kZset = 1 << 7,      // z
    kExpired = 1 << 8,   // x
    kEvicted = 1 << 9,   // e
    kStream = 1 << 10,   // t
    kKeyMiss = 1 << 11,  // m (not part of A)
    kModule = 1 << 13,   // d
    kNew = 1 << 14,      // n (not part of A)
    kAll =
        kGeneric | kString | kList | kSet | kHash | kZset | kExpired | kEvicted | kStream | kModule,
  };
  static constexpr std::pair<char, int> kClasses[] = {
      {'g', kGeneric}, {'$', kString},  {'l', kList},   {'s', kSet},    {'h', kHash}, {'z', kZset},
      {'x', kExpired}, {'e', kEvicted}, {'t', kStream}, {'d', kModule}, {'n', kNew},
  };
  DirectiveSpec d = NewDirective({.name = kName, .flags = kNoEffectYet});
  d.set = [](Config& c, DirectiveArgs args, SetSource) {
    if (args.size() != 1) {
      return WrongNumberOfArguments();
    }
    int flags = 0;
    for (char ch : args[0]) {
      int bit = ch == 'A'   ? kAll
                : ch == 'K' ? kKeyspace
                : ch == 'E' ? kKeyevent
                : ch == 'm' ? kKeyMiss
                            : 0;
      for (const auto& [letter, b] : kClasses) {
        bit = letter == ch ? b : bit;
      }
      if (bit == 0) {
        return Invalid("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
      }
      flags |= bit;
    }
    std::string text;
    if ((flags & kAll) == kAll) {
      text += 'A';  // and 'n' is not shown, as in Redis's keyspaceEventsFlagsToString
    } else {
      for (const auto& [letter, b] : kClasses) {
        if ((flags & b) != 0) {
          text += letter;
        }
      }
    }
    text += (flags & kKeyspace) != 0 ? "K" : "";
    text += (flags & kKeyevent) != 0 ? "E" : "";
    text += (flags & kKeyMiss) != 0 ? "m" : "";
    StoreText(c, kName, text);
    return absl::OkStatus();
  };
  d.get = [](const Config& c) { return TextOr(c, kName, ""); };
  d.rewrite = [](const Config& c) {
    std::string v = TextOr(c, kName, "");
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
      {"stream-node-max-entries", "", 0, Signed(0, kLLongMax, 100)},
      {"active-defrag-ignore-bytes", "", 0, Memory(Unsigned(1, kLLongMax, 100 * kMb))},
      {"stream-node-max-bytes", "", 0, Memory(Unsigned(0, kLongMax, 4096))},
      {"tracking-table-max-keys", "", 0, Unsigned(0, kLongMax, 1000000)},
  };
  AddNumericRows(registry, numbers);
  registry.Add(NotifyKeyspaceEventsDirective());
}

}  // namespace redoubt::server
