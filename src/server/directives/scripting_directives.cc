// Scripting: how long a script or function may run before other clients are answered BUSY
// (busy-reply-threshold, Redis 7.0's name for lua-time-limit, which stays its alias).
// Published to commands::RuntimeSettings, where a running script reads it.
#include "server/config.h"
#include "server/directives/directive_registry.h"
#include "server/directives/directive_rules.h"

namespace redoubt::server {

void RegisterScriptingDirectives(DirectiveRegistry& registry) {
  registry.Add(NumericDirective({.name = "busy-reply-threshold", .alias = "lua-time-limit"},
                                Signed(0, kLongMax, 5000),
                                Field<int64_t>(&Config::busy_reply_threshold)));
}

}  // namespace redoubt::server
