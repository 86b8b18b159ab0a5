// Scripting: how long a script or function may run before other clients are answered BUSY
// (busy-reply-threshold, Redis 7.0's name for lua-time-limit, which stays its alias).
// Redoubt accepts, validates, shows and rewrites it as Redis does but does not act on it yet
// (kNoEffectYet). The scripting component, when there is one, owns this file.
#include "server/directives/directive_registry.h"
#include "server/directives/directive_rules.h"

namespace redoubt::server {

void RegisterScriptingDirectives(DirectiveRegistry& registry) {
  registry.Add(NumericDirective({.name = "busy-reply-threshold", .alias = "lua-time-limit"},
                                Signed(0, kLongMax, 5000)));
}

}  // namespace redoubt::server
